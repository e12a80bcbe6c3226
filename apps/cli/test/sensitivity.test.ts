/**
 * `neureco sensitivity` prints what `Regressor.sensitivity` returns: the
 * same numbers as JSON, a table per output as text.
 */
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
});
