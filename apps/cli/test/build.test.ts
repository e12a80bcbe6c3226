/**
 * `neureco build` through the built binary: progress lines when stderr is not
 * a terminal, the model and checkpoint it writes, Ctrl-C and --resume, and
 * its errors. Small data keeps each build to seconds.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodeCheckpoint, Regressor, readCsv } from "@neureco/tabular";
import { beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, hasStackTrace, headOf, neureco, workspace } from "./helpers.js";

let dir: string;

beforeAll(() => {
  assertBuilt();
  dir = workspace();
  headOf(join(dir, "x_train.csv"), join(dir, "x_small.csv"), 120);
  headOf(join(dir, "y_train.csv"), join(dir, "y_small.csv"), 120);
});

/**
 * `neureco build` on the training files, sent `signal` as soon as its
 * progress reports model `model`; `sent` says whether it got that far.
 */
async function buildSignalledAt(out: string, seed: number, model: number, signal: NodeJS.Signals) {
  let sent = false;
  const progress = new RegExp(`^model ${model} `, "m");
  const run = await neureco(
    ["build", "--x", "x_train.csv", "--y", "y_train.csv", "--out", out, "--seed", String(seed)],
    dir,
    (stderr, child) => {
      if (!sent && progress.test(stderr)) {
        sent = true;
        child.kill(signal);
      }
    },
  );
  return { ...run, sent };
}

interface BuildSummary {
  model: string;
  checkpoint: string;
  weights: number;
  inputs: number;
  outputs: number;
  hidden: number;
  links: number;
  inputsKept: string[];
  errors: { training: number[]; validation: number[] } | null;
}

describe("build", () => {
  it("builds a model, prints one progress line per model on a non-terminal stderr, and a JSON summary", async () => {
    const r = await neureco(
      ["build", "--x", "x_small.csv", "--y", "y_small.csv", "--out", "small", "--seed", "1", "--json"],
      dir,
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /^Building small\.ednn from x_small\.csv \(120 rows, 5 inputs → 1 output\) on cpu$/m,
    );
    expect(r.stderr).toMatch(
      /^model 0 \(linear\): \d+ weights, training error [\d.e-]+, validation error [\d.e-]+, [\d.]+ s$/m,
    );
    // Plain lines only: no terminal escape codes when stderr is a pipe.
    expect(r.stderr).not.toContain("\u001b[");
    const summary = JSON.parse(r.stdout) as BuildSummary;
    expect(summary.model).toBe("small.ednn");
    expect(summary.checkpoint).toBe("small.checkpoint");
    expect(existsSync(join(dir, "small.ednn"))).toBe(true);
    expect(existsSync(join(dir, "small.checkpoint"))).toBe(true);

    // The summary describes the file that was written, names from the CSV headers included.
    const model = new Regressor();
    await model.load(join(dir, "small.ednn"));
    const info = model.info();
    expect(summary.weights).toBe(info.weights);
    expect(summary.hidden).toBe(info.hiddenNeurons);
    expect(summary.links).toBe(info.links);
    expect(info.inputNames).toEqual(["carbon", "hydrogen", "oxygen", "nitrogen", "sulfur"]);
    expect(info.outputNames).toEqual(["HHV"]);
    model.delete();
  });

  it("the same seed gives the same model", async () => {
    const a = await neureco(
      ["build", "--x", "x_small.csv", "--y", "y_small.csv", "--out", "seed-a.ednn", "--seed", "7"],
      dir,
    );
    const b = await neureco(
      ["build", "--x", "x_small.csv", "--y", "y_small.csv", "--out", "seed-b.ednn", "--seed", "7"],
      dir,
    );
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(a.stdout).toMatch(/^wrote seed-a\.ednn: \d+ weights/m);
    const weightsOf = async (file: string) =>
      JSON.parse((await neureco(["inspect", "--model", file, "--json"], dir)).stdout).weights as number[];
    expect(await weightsOf("seed-a.ednn")).toEqual(await weightsOf("seed-b.ednn"));
  });

  it("uses separate validation files and the options for normalisation and links", async () => {
    const r = await neureco(
      [
        "build",
        "--x",
        "x_small.csv",
        "--y",
        "y_small.csv",
        "--valid-x",
        "x_test.csv",
        "--valid-y",
        "y_test.csv",
        "--inputs-shifting",
        "min_centered",
        "--inputs-scaling",
        "max_centered",
        "--links-maximum",
        "8",
        "--checkpoint",
        "opts.ckpt",
        "--out",
        "opts.ednn",
        "--json",
      ],
      dir,
    );
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as BuildSummary;
    expect(summary.links).toBeLessThanOrEqual(8);
    expect(existsSync(join(dir, "opts.ckpt"))).toBe(true);
    // min_centered / max_centered: shift (min+max)/2 and scale (max-min)/2 of the training inputs.
    const x = (await readCsv(join(dir, "x_small.csv"))).matrix;
    const carbon = Array.from({ length: x.shape[0] }, (_, i) => x.get(i, 0));
    const [min, max] = [Math.min(...carbon), Math.max(...carbon)];
    const inspect = JSON.parse((await neureco(["inspect", "--model", "opts.ednn", "--json"], dir)).stdout);
    expect(inspect.normalization.inputs.shift[0]).toBeCloseTo((min + max) / 2, 12);
    expect(inspect.normalization.inputs.scale[0]).toBeCloseTo((max - min) / 2, 12);
  });

  it("Ctrl-C stops the build, keeps the checkpoint and prints the command that resumes it; --resume finishes it", async () => {
    // Stop as soon as the first model is in the checkpoint.
    const r = await buildSignalledAt("stopped.ednn", 1, 0, "SIGINT");
    expect(r.sent).toBe(true);
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(
      /^Build stopped after model \d+\. The checkpoint stopped\.checkpoint keeps every accepted model\.$/m,
    );
    const resume = /^To resume: neureco (build .* --resume)$/m.exec(r.stderr);
    expect(resume?.[1]).toBe(
      "build --x x_train.csv --y y_train.csv --out stopped.ednn --checkpoint stopped.checkpoint --seed 1 --resume",
    );
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(existsSync(join(dir, "stopped.checkpoint"))).toBe(true);
    // Stopped after a first model, the build still writes the best model so far.
    expect(r.stderr).toMatch(/^The best model so far is in stopped\.ednn\.$/m);
    expect(existsSync(join(dir, "stopped.ednn"))).toBe(true);

    const resumed = await neureco(resume?.[1].split(" ") ?? [], dir);
    expect(resumed.stderr).not.toMatch(/^error/m);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/^Resuming stopped\.ednn/m);
    expect(resumed.stdout).toMatch(/^wrote stopped\.ednn: \d+ weights/m);
  });

  it("a build killed outright (SIGKILL) leaves a readable checkpoint, and --resume finishes from it", async () => {
    // No handler runs on SIGKILL: whatever is on disk is what the atomic writes left.
    const r = await buildSignalledAt("killed.ednn", 2, 1, "SIGKILL");
    expect(r.sent).toBe(true);
    expect(r.signal).toBe("SIGKILL");
    const checkpoint = decodeCheckpoint(readFileSync(join(dir, "killed.checkpoint")), "killed.checkpoint");
    expect(checkpoint.models.length).toBeGreaterThanOrEqual(2);
    expect(checkpoint.final).toBeNull();

    const resumed = await neureco(
      [
        "build",
        "--x",
        "x_train.csv",
        "--y",
        "y_train.csv",
        "--out",
        "killed.ednn",
        "--checkpoint",
        "killed.checkpoint",
        "--seed",
        "2",
        "--resume",
      ],
      dir,
    );
    expect(resumed.stderr).not.toMatch(/^error/m);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/^wrote killed\.ednn: \d+ weights/m);
    const after = decodeCheckpoint(readFileSync(join(dir, "killed.checkpoint")), "killed.checkpoint");
    // The resumed build keeps the models written before the kill, in order.
    for (const [i, m] of checkpoint.models.entries()) {
      expect(Array.from(after.models[i].weights)).toEqual(Array.from(m.weights));
    }
    expect(after.final).not.toBeNull();
  });
});

describe("after a build", () => {
  it("plot --checkpoint adds the build's error curve, one point per model of the checkpoint", async () => {
    const r = await neureco(
      [
        "plot",
        "--model",
        "small.ednn",
        "--x",
        "x_test.csv",
        "--y",
        "y_test.csv",
        "--checkpoint",
        "small.checkpoint",
        "--out",
        "curve.svg",
      ],
      dir,
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const svg = readFileSync(join(dir, "curve.svg"), "utf8");
    const checkpoint = decodeCheckpoint(readFileSync(join(dir, "small.checkpoint")), "small.checkpoint");
    for (const series of ["training", "validation"]) {
      const points = new RegExp(`<polyline class="${series}" points="([^"]*)"`)
        .exec(svg)?.[1]
        .trim()
        .split(/\s+/);
      expect(points).toHaveLength(checkpoint.models.length);
    }
    expect(svg).toContain("Build error");
  });

  it("plot with a checkpoint that is not one: a one-line error naming it", async () => {
    const r = await neureco(
      [
        "plot",
        "--model",
        "small.ednn",
        "--x",
        "x_test.csv",
        "--y",
        "y_test.csv",
        "--checkpoint",
        "small.ednn",
        "--out",
        "bad.svg",
      ],
      dir,
    );
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: .*small\.ednn/);
    expect(existsSync(join(dir, "bad.svg"))).toBe(false);
  });

  it("rows with a missing cell: an error by default, skipped with --missing drop-row", async () => {
    const lines = readFileSync(join(dir, "x_small.csv"), "utf8").split("\n");
    const cells = lines[5].split(";");
    cells[1] = "";
    lines[5] = cells.join(";");
    writeFileSync(join(dir, "x_missing.csv"), lines.join("\n"));
    const refused = await neureco(
      ["build", "--x", "x_missing.csv", "--y", "y_small.csv", "--out", "missing.ednn"],
      dir,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^error: x_missing\.csv, line 6, column "hydrogen" \(2\): missing value \(--missing drop-row skips such rows\)$/m,
    );
    const built = await neureco(
      [
        "build",
        "--x",
        "x_missing.csv",
        "--y",
        "y_small.csv",
        "--out",
        "missing.ednn",
        "--missing",
        "drop-row",
        "--seed",
        "1",
      ],
      dir,
    );
    expect(built.code).toBe(0);
    expect(built.stderr).toMatch(/^x_missing\.csv, y_small\.csv: skipped 1 row with a missing cell$/m);
    expect(built.stderr).toMatch(/\(119 rows, 5 inputs → 1 output\)/);
  });
});

describe("build errors", () => {
  const expectOneLineError = (r: { code: number | null; stderr: string }, code: number, pattern: RegExp) => {
    expect(r.code).toBe(code);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(pattern);
    expect(hasStackTrace(r.stderr)).toBe(false);
  };

  it("--resume without a checkpoint", async () => {
    const r = await neureco(
      ["build", "--x", "x_small.csv", "--y", "y_small.csv", "--out", "none.ednn", "--resume"],
      dir,
    );
    expectOneLineError(r, 1, /cannot resume: the checkpoint "none\.checkpoint" does not exist/);
  });

  it("--valid-x without --valid-y", async () => {
    const r = await neureco(
      ["build", "--x", "x_small.csv", "--y", "y_small.csv", "--out", "v.ednn", "--valid-x", "x_test.csv"],
      dir,
    );
    expectOneLineError(r, 2, /--valid-x and --valid-y must be given together/);
  });

  it("inputs and outputs with different row counts", async () => {
    const r = await neureco(["build", "--x", "x_small.csv", "--y", "y_train.csv", "--out", "rows.ednn"], dir);
    expectOneLineError(r, 1, /y_train\.csv: 456 data rows, expected 120 \(one per row of x_small\.csv\)/);
  });

  it("a validation percentage out of range", async () => {
    const r = await neureco(
      ["build", "--x", "x_small.csv", "--y", "y_small.csv", "--out", "p.ednn", "--valid-percentage", "80"],
      dir,
    );
    expectOneLineError(r, 2, /--valid-percentage <p>' argument '80' is invalid.*1 to 50/);
  });

  it("an unknown normalisation method", async () => {
    const r = await neureco(
      ["build", "--x", "x_small.csv", "--y", "y_small.csv", "--out", "n.ednn", "--inputs-scaling", "huge"],
      dir,
    );
    expectOneLineError(r, 2, /'huge' is invalid.*none, max, max_centered, std, auto/);
  });
});
