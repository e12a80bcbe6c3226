/**
 * `neureco sensitivity` prints what `Regressor.sensitivity` returns: the
 * same numbers as JSON, a table per output as text; `plot --sensitivity`
 * draws them, a bar per input.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Regressor, readCsv } from "@neureco/tabular";
import { beforeAll, describe, expect, it } from "vitest";
import { writeFixtureModel } from "./fixture-model.js";
import { assertBuilt, neureco, workspace } from "./helpers.js";

let dir: string;
let model: string;

beforeAll(async () => {
  assertBuilt();
  dir = workspace();
  model = await writeFixtureModel(dir);
});

describe("sensitivity", () => {
  it("--json gives the library's result for the same samples and seed", async () => {
    const r = await neureco(
      [
        "sensitivity",
        "--model",
        "fixture.ednn",
        "--x",
        "x_test.csv",
        "--samples",
        "64",
        "--seed",
        "5",
        "--json",
      ],
      dir,
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const regressor = new Regressor();
    await regressor.load(model);
    const x = (await readCsv(join(dir, "x_test.csv"))).matrix;
    const expected = await regressor.sensitivity(x, { samples: 64, seed: 5 });
    regressor.delete();
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(JSON.stringify(expected)));
  });

  it("prints a table per output, one row per input", async () => {
    const r = await neureco(
      ["sensitivity", "--model", "fixture.ednn", "--x", "x_test.csv", "--samples", "64"],
      dir,
    );
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toMatch(
      /^\d+ rows; first-order indices from 64 samples \(\d+ evaluations\), 95 % intervals$/,
    );
    expect(lines).toContain("output HHV");
    expect(lines.find((l) => l.startsWith("input"))).toContain("first-order index");
    expect(lines.filter((l) => / ± /.test(l)).length).toBeGreaterThan(0);
  });

  it("plot --sensitivity adds a panel per output, a bar per input as long as its index", async () => {
    const r = await neureco(
      [
        "plot",
        "--model",
        "fixture.ednn",
        "--x",
        "x_test.csv",
        "--y",
        "y_test.csv",
        "--out",
        "s.svg",
        "--sensitivity",
      ],
      dir,
    );
    expect(r.code).toBe(0);
    const svg = readFileSync(join(dir, "s.svg"), "utf8");
    const panels = svg.split('<g class="sensitivity">').slice(1);
    expect(panels).toHaveLength(1); // one output
    const widths = [...panels[0].matchAll(/<rect class="bar" [^>]*width="([^"]+)"/g)].map((m) =>
      Number(m[1]),
    );
    const json = await neureco(
      ["sensitivity", "--model", "fixture.ednn", "--x", "x_test.csv", "--json"],
      dir,
    );
    const indices: number[] = JSON.parse(json.stdout).inputs.map(
      (i: { firstOrderIndex: number[] }) => i.firstOrderIndex[0],
    );
    expect(widths).toHaveLength(indices.length);
    // The same scale for every bar: width / |index| is one number (to the 0.01 px the file keeps).
    const pixelsPerUnit = widths
      .map((w, j) => w / Math.abs(indices[j]))
      .filter((_, j) => Math.abs(indices[j]) > 0.05);
    expect(pixelsPerUnit.length).toBeGreaterThan(0);
    for (const v of pixelsPerUnit) expect(Math.abs(v - pixelsPerUnit[0])).toBeLessThan(0.5);
  });
});
