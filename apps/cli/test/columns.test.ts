/**
 * Columns of CSV files with a header are matched to the model's names
 * (SPEC section 7): reordered when the same names come in another order,
 * refused with the missing and unexpected names when they differ; files
 * without a header are matched by count.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { FIXTURE_WEIGHTS, writeFixtureModel, writeTwoOutputModel } from "./fixture-model.js";
import {
  assertBuilt,
  expectClose,
  hasStackTrace,
  neureco,
  readCsvText,
  readTable,
  workspace,
  writeTable,
} from "./helpers.js";

let dir: string;
let x: { columns: string[]; rows: number[][] };
/** carbon and oxygen swapped: sulfur, which the fixture model does not use, would hide a mistake. */
const ORDER = [2, 1, 0, 3, 4];
const reorder = <T>(row: readonly T[]): T[] => ORDER.map((j) => row[j]);
const permute = (rows: number[][]) => rows.map(reorder);

beforeAll(async () => {
  assertBuilt();
  dir = workspace();
  await writeFixtureModel(dir);
  await writeTwoOutputModel(dir);
  x = readTable(join(dir, "x_test.csv"));
  writeTable(join(dir, "x_swapped.csv"), reorder(x.columns), permute(x.rows));
});

async function stdoutOf(args: readonly string[]): Promise<string> {
  const r = await neureco(args, dir);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return r.stdout;
}

describe("columns in another order are reordered to the model's", () => {
  it("evaluate: the same predictions as the file in the model's order, and one line on stderr", async () => {
    const expected = readCsvText(
      await stdoutOf(["evaluate", "--model", "fixture.ednn", "--x", "x_test.csv"]),
    );
    const r = await neureco(["evaluate", "--model", "fixture.ednn", "--x", "x_swapped.csv"], dir);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("x_swapped.csv: columns reordered to the model's input order\n");
    expectClose(readCsvText(r.stdout).rows, expected.rows);
  });

  it("score: the same scores as the file in the model's order", async () => {
    const args = ["score", "--model", "two-outputs.ednn", "--y", "y2.csv", "--json"];
    const y = readTable(join(dir, "y_test.csv")).rows;
    writeTable(
      join(dir, "y2.csv"),
      ["HHV", "twice"],
      y.map(([v]) => [v, 2 * v]),
    );
    writeTable(
      join(dir, "y2_swapped.csv"),
      ["twice", "HHV"],
      y.map(([v]) => [2 * v, v]),
    );
    const expected = JSON.parse(await stdoutOf([...args, "--x", "x_test.csv"]));
    const r = await neureco(
      ["score", "--model", "two-outputs.ednn", "--x", "x_swapped.csv", "--y", "y2_swapped.csv", "--json"],
      dir,
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      "x_swapped.csv: columns reordered to the model's input order\n" +
        "y2_swapped.csv: columns reordered to the model's output order\n",
    );
    expect(JSON.parse(r.stdout)).toEqual(expected);
  });

  it("derivative forward and gradient: x and dx matched by name, dx written in the model's order", async () => {
    const p = FIXTURE_WEIGHTS.length;
    writeTable(
      join(dir, "dw.csv"),
      ["dw"],
      Array.from({ length: p }, (_, i) => [Math.sin(i + 1)]),
    );
    const dx = x.rows.map((row, i) => row.map((_, j) => Math.cos(i + 2 * j)));
    writeTable(join(dir, "dx.csv"), x.columns, dx);
    writeTable(join(dir, "dx_swapped.csv"), reorder(x.columns), permute(dx));
    writeTable(
      join(dir, "py.csv"),
      ["HHV"],
      x.rows.map((_, i) => [1 + (i % 3)]),
    );
    const forward = ["derivative", "forward", "--model", "fixture.ednn", "--dw", "dw.csv"];
    const expected = readCsvText(await stdoutOf([...forward, "--x", "x_test.csv", "--dx", "dx.csv"]));
    const r = await neureco([...forward, "--x", "x_swapped.csv", "--dx", "dx_swapped.csv"], dir);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      "x_swapped.csv: columns reordered to the model's input order\n" +
        "dx_swapped.csv: columns reordered to the model's input order\n",
    );
    expectClose(readCsvText(r.stdout).rows, expected.rows);

    const gradient = ["derivative", "gradient", "--model", "fixture.ednn", "--py", "py.csv"];
    await stdoutOf([...gradient, "--x", "x_test.csv", "--out-dw", "gdw.csv", "--out-dx", "gdx.csv"]);
    const g = await neureco(
      [...gradient, "--x", "x_swapped.csv", "--out-dw", "sdw.csv", "--out-dx", "sdx.csv"],
      dir,
    );
    expect(g.code).toBe(0);
    expect(g.stderr).toBe("x_swapped.csv: columns reordered to the model's input order\n");
    expect(readTable(join(dir, "sdx.csv")).columns).toEqual(x.columns.map((c) => `d_${c}`));
    expectClose(readTable(join(dir, "sdx.csv")).rows, readTable(join(dir, "gdx.csv")).rows);
    expectClose(readTable(join(dir, "sdw.csv")).rows, readTable(join(dir, "gdw.csv")).rows);
  });

  it("a file without a header is matched by count, silently", async () => {
    const expected = readCsvText(
      await stdoutOf(["evaluate", "--model", "fixture.ednn", "--x", "x_test.csv"]),
    );
    writeFileSync(join(dir, "x_noheader.csv"), `${x.rows.map((r) => r.join(";")).join("\n")}\n`);
    const out = await stdoutOf(["evaluate", "--model", "fixture.ednn", "--x", "x_noheader.csv"]);
    expectClose(readCsvText(out).rows, expected.rows);
  });
});

describe("columns whose names differ are refused", () => {
  const expectRefused = (r: { code: number | null; stderr: string; stdout: string }, pattern: RegExp) => {
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(pattern);
    expect(hasStackTrace(r.stderr)).toBe(false);
  };

  it("a renamed column: the file, the missing name and the unexpected name", async () => {
    writeTable(
      join(dir, "x_renamed.csv"),
      x.columns.map((c) => (c === "oxygen" ? "O2" : c)),
      x.rows,
    );
    const r = await neureco(["evaluate", "--model", "fixture.ednn", "--x", "x_renamed.csv"], dir);
    expectRefused(
      r,
      /^error: x_renamed\.csv: the columns do not match the inputs of fixture\.ednn: missing "oxygen"; unexpected "O2"$/m,
    );
  });

  it("an extra column is unexpected, in score too", async () => {
    writeTable(
      join(dir, "x_extra.csv"),
      [...x.columns, "moisture"],
      x.rows.map((r) => [...r, 7]),
    );
    const r = await neureco(
      ["score", "--model", "fixture.ednn", "--x", "x_extra.csv", "--y", "y_test.csv"],
      dir,
    );
    expectRefused(
      r,
      /x_extra\.csv: the columns do not match the inputs of fixture\.ednn: unexpected "moisture"$/m,
    );
  });

  it("a missing output in the measured outputs of score", async () => {
    writeTable(join(dir, "y_renamed.csv"), ["HHV_measured"], readTable(join(dir, "y_test.csv")).rows);
    const r = await neureco(
      ["score", "--model", "fixture.ednn", "--x", "x_test.csv", "--y", "y_renamed.csv"],
      dir,
    );
    expectRefused(
      r,
      /y_renamed\.csv: the columns do not match the outputs of fixture\.ednn: missing "HHV"; unexpected "HHV_measured"$/m,
    );
  });

  it("names with control characters are printed escaped", async () => {
    const columns = x.columns.map((c) => (c === "oxygen" ? "ox\u001b[31m\u0007\u009b" : c));
    writeFileSync(
      join(dir, "x_control.csv"),
      `${[columns.join(";"), ...x.rows.map((r) => r.join(";"))].join("\n")}\n`,
    );
    const r = await neureco(["evaluate", "--model", "fixture.ednn", "--x", "x_control.csv"], dir);
    expectRefused(r, /unexpected "ox\\u001b\[31m\\u0007\\u009b"$/m);
    expect(r.stderr).not.toMatch(/(?!\n)\p{Cc}/u);
    expect(readFileSync(join(dir, "x_control.csv"), "utf8")).toContain("\u001b");
  });
});
