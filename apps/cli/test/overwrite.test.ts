/**
 * Model and checkpoint writes never replace a file of another kind (SPEC
 * section 7) unless --force: the build's own CSV input given as --checkpoint
 * or --out is refused and left byte for byte as it was.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodeCheckpoint, Regressor } from "@neureco/tabular";
import { beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, hasStackTrace, headOf, neureco, workspace } from "./helpers.js";

let dir: string;

beforeAll(() => {
  assertBuilt();
  dir = workspace();
  headOf(join(dir, "x_train.csv"), join(dir, "x_small.csv"), 120);
  headOf(join(dir, "y_train.csv"), join(dir, "y_small.csv"), 120);
});

const build = (...more: string[]) =>
  neureco(["build", "--x", "x_small.csv", "--y", "y_small.csv", "--seed", "1", ...more], dir);

describe("build refuses to replace files that are not a model or a checkpoint", () => {
  it("--checkpoint onto the x CSV is refused, the CSV unchanged", async () => {
    const before = readFileSync(join(dir, "x_small.csv"));
    const r = await build("--out", "m1", "--checkpoint", "x_small.csv");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'error: refusing to replace "x_small.csv": it is not a neureco file, not a neureco checkpoint (use --force to replace it anyway)',
    );
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(readFileSync(join(dir, "x_small.csv"))).toEqual(before);
  });

  it("--out onto a file that is not a model is refused, the file unchanged", async () => {
    writeFileSync(join(dir, "notes.ednn"), "my notes\n");
    const r = await build("--out", "notes", "--checkpoint", "notes.checkpoint");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /refusing to replace "notes\.ednn": it is not a neureco file, not a neureco model.*--force/,
    );
    expect(readFileSync(join(dir, "notes.ednn"), "utf8")).toBe("my notes\n");
  });

  it("a model and its checkpoint are replaced by the next build; with --force a CSV is replaced", async () => {
    expect((await build("--out", "again.ednn")).code).toBe(0);
    const first = readFileSync(join(dir, "again.checkpoint"));
    // A model is not a checkpoint: the checkpoint path onto the model is refused.
    const swapped = await build("--out", "other.ednn", "--checkpoint", "again.ednn");
    expect(swapped.stderr).toMatch(/"again\.ednn": it is a neureco model, not a neureco checkpoint/);
    const second = await build("--out", "again.ednn", "--seed", "2");
    expect(second.stderr).not.toMatch(/^error/m);
    expect(second.code).toBe(0);
    expect(readFileSync(join(dir, "again.checkpoint"))).not.toEqual(first);

    writeFileSync(join(dir, "copy.csv"), readFileSync(join(dir, "x_small.csv")));
    const forced = await build("--out", "forced", "--checkpoint", "copy.csv", "--force");
    expect(forced.stderr).not.toMatch(/^error/m);
    expect(forced.code).toBe(0);
    expect(readFileSync(join(dir, "copy.csv")).subarray(0, 8).toString("latin1")).toBe("NEURECO\0");
    expect(decodeCheckpoint(readFileSync(join(dir, "copy.csv")), "copy.csv").models.length).toBeGreaterThan(
      0,
    );
    const model = new Regressor();
    await model.load(join(dir, "forced"));
    model.delete();
  }, 300_000);
});
