/**
 * `neureco build` of a classifier through the built binary: a y file of
 * class labels detected or named by --classify, the summary naming the
 * classes and log-losses, Ctrl-C and --resume (a finished build's model
 * rebuilt with the classes of the label file), and the label files it
 * refuses. The three-class task of ring-data.ts builds in seconds.
 */
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Classifier, readModel } from "@neureco/tabular";
import { beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, hasStackTrace, headOf, neureco, workspace } from "./helpers.js";
import { RING_CLASSES, type RingRows, TRAIN_ROWS, writeLabels, writeRingFiles } from "./ring-data.js";

let dir: string;
let train: RingRows;
let test: RingRows;

beforeAll(() => {
  assertBuilt();
  dir = workspace();
  ({ train, test } = writeRingFiles(dir));
});

interface ClassifierSummary {
  model: string;
  checkpoint: string;
  task: string;
  classes: string[];
  label: string;
  weights: number;
  inputs: number;
  hidden: number;
  links: number;
  inputsKept: string[];
  errors: { logLoss: { training: number; validation: number } } | null;
}

const ringBuild = (out: string, ...more: string[]) => [
  "build",
  "--x",
  "x_ring_train.csv",
  "--y",
  "y_ring_train.csv",
  "--out",
  out,
  "--seed",
  "1",
  ...more,
];

const detected =
  /^y_ring_train\.csv holds class labels \(3 classes: inner, middle, outer\): building a classifier$/m;

async function weightsOf(file: string): Promise<number[]> {
  return JSON.parse((await neureco(["inspect", "--model", file, "--json"], dir)).stdout).weights;
}

const expectOneLineError = (r: { code: number | null; stderr: string }, code: number, pattern: RegExp) => {
  expect(r.code).toBe(code);
  expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(r.stderr.trimEnd()).toMatch(pattern);
  expect(hasStackTrace(r.stderr)).toBe(false);
};

describe("build a classifier", () => {
  it("detects a y file of text labels, says so, and builds a classifier (JSON summary)", async () => {
    const r = await neureco(ringBuild("auto", "--json"), dir);
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(detected);
    expect(r.stderr).toMatch(
      new RegExp(
        `^Building auto\\.ednn from x_ring_train\\.csv \\(${TRAIN_ROWS} rows, 2 inputs → 3 classes\\) on cpu$`,
        "m",
      ),
    );
    expect(r.stderr).toMatch(/^model 0 \(linear\): \d+ weights, training error [\d.e-]+, validation error/m);
    const summary = JSON.parse(r.stdout) as ClassifierSummary;
    expect(summary.task).toBe("classification");
    expect(summary.classes).toEqual(RING_CLASSES);
    expect(summary.label).toBe("ring");
    // Log-losses, better than knowing nothing (ln 3, the uniform guess over three classes).
    const { training, validation } = summary.errors?.logLoss ?? {
      training: Number.NaN,
      validation: Number.NaN,
    };
    expect(training).toBeGreaterThan(0);
    expect(training).toBeLessThan(Math.log(3));
    expect(validation).toBeGreaterThan(0);
    expect(validation).toBeLessThan(Math.log(3));

    // The file holds a classifier, as the summary says.
    const model = await readModel(join(dir, "auto.ednn"));
    expect(model).toBeInstanceOf(Classifier);
    const info = (model as Classifier).info();
    model.delete();
    expect(info.classes).toEqual(RING_CLASSES);
    expect(info.labelName).toBe("ring");
    expect(info.inputNames).toEqual(["u", "v"]);
    expect(summary.weights).toBe(info.weights);
    expect(summary.hidden).toBe(info.hiddenNeurons);
    expect(summary.links).toBe(info.links);
  });

  it("--classify builds the same model without the detection line; the text summary names classes and log-losses", async () => {
    const r = await neureco(ringBuild("named", "--classify"), dir);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(detected);
    expect(r.stdout).toMatch(
      /^wrote named\.ednn: a classifier of 3 classes \(inner, middle, outer\), \d+ weights \(\d+ hidden neurons?, \d+ links?\), inputs kept \d of 2, in [\d.]+ s$/m,
    );
    expect(r.stdout).toMatch(/^errors \(log-loss\): training [\d.e-]+, validation [\d.e-]+$/m);
    expect(await weightsOf("named.ednn")).toEqual(await weightsOf("auto.ednn"));
  });

  it("--classify reads numbers as class labels too", async () => {
    const numbers = train.labels.map((label) =>
      String(RING_CLASSES.indexOf(label as (typeof RING_CLASSES)[number])),
    );
    writeLabels(dir, "y_ring_numbers.csv", numbers);
    // Without --classify, a column of numbers is a regression's output.
    const regression = await neureco(
      [
        "build",
        "--x",
        "x_ring_train.csv",
        "--y",
        "y_ring_numbers.csv",
        "--out",
        "numbers-reg",
        "--seed",
        "1",
      ],
      dir,
    );
    expect(regression.code).toBe(0);
    expect(regression.stderr).toMatch(/→ 1 output\) on cpu$/m);
    const r = await neureco(
      [
        "build",
        "--x",
        "x_ring_train.csv",
        "--y",
        "y_ring_numbers.csv",
        "--out",
        "numbers",
        "--seed",
        "1",
        "--classify",
        "--json",
      ],
      dir,
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).classes).toEqual(["0", "1", "2"]);
  });

  it("--valid-x and --valid-y take labels; a validation label the training labels lack is refused, naming file, row and label", async () => {
    const r = await neureco(
      ringBuild("valid", "--valid-x", "x_ring_test.csv", "--valid-y", "y_ring_test.csv", "--json"),
      dir,
    );
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).classes).toEqual(RING_CLASSES);

    writeLabels(
      dir,
      "y_ring_valid_bad.csv",
      test.labels.map((label, i) => (i === 6 ? "square" : label)),
    );
    const bad = await neureco(
      ringBuild("valid-bad", "--valid-x", "x_ring_test.csv", "--valid-y", "y_ring_valid_bad.csv"),
      dir,
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /^error: y_ring_valid_bad\.csv, data row 7: the label "square" is not one of the classes of y_ring_train\.csv \(inner, middle, outer\)$/m,
    );
    expect(existsSync(join(dir, "valid-bad.ednn"))).toBe(false);
  });

  it("a missing label: an error naming file and line, or with --missing drop-row the row skipped", async () => {
    writeLabels(
      dir,
      "y_ring_missing.csv",
      train.labels.map((label, i) => (i === 4 ? "NA" : label)),
    );
    for (const flags of [[], ["--classify"]]) {
      const refused = await neureco(
        ["build", "--x", "x_ring_train.csv", "--y", "y_ring_missing.csv", "--out", "missing", ...flags],
        dir,
      );
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(
        /^error: y_ring_missing\.csv, line 6: the label is missing \("NA"; --missing drop-row skips such rows\)$/m,
      );
    }
    const built = await neureco(
      [
        "build",
        "--x",
        "x_ring_train.csv",
        "--y",
        "y_ring_missing.csv",
        "--out",
        "missing",
        "--seed",
        "1",
        "--missing",
        "drop-row",
      ],
      dir,
    );
    expect(built.stderr).not.toMatch(/^error/m);
    expect(built.code).toBe(0);
    expect(built.stderr).toMatch(
      /^x_ring_train\.csv, y_ring_missing\.csv: skipped 1 row with a missing cell$/m,
    );
    expect(built.stderr).toMatch(new RegExp(`\\(${TRAIN_ROWS - 1} rows, 2 inputs → 3 classes\\)`));
  });
});

describe("classifier builds stopped and resumed", () => {
  it("Ctrl-C keeps the checkpoint and prints the command that resumes it; --resume finishes the classifier", async () => {
    let sent = false;
    const r = await neureco(ringBuild("stopped", "--classify"), dir, (stderr, child) => {
      if (!sent && /^model 1 /m.test(stderr)) {
        sent = true;
        child.kill("SIGINT");
      }
    });
    expect(sent).toBe(true);
    expect(r.code).toBe(130);
    const resume = /^To resume: neureco (build .* --resume)$/m.exec(r.stderr);
    expect(resume?.[1]).toBe(
      "build --x x_ring_train.csv --y y_ring_train.csv --out stopped --checkpoint stopped.checkpoint --seed 1 --classify --resume",
    );
    const resumed = await neureco(resume?.[1].split(" ") ?? [], dir);
    expect(resumed.stderr).not.toMatch(/^error/m);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/^Resuming stopped\.ednn from x_ring_train\.csv .* → 3 classes\)/m);
    expect(resumed.stdout).toMatch(
      /^wrote stopped\.ednn: a classifier of 3 classes \(inner, middle, outer\)/m,
    );
    // The resumed build gives the model of the uninterrupted one.
    expect(await weightsOf("stopped.ednn")).toEqual(await weightsOf("named.ednn"));
  });

  it("--resume of a finished build rebuilds the model file from the checkpoint, with the classes of the label file", async () => {
    const before = JSON.parse((await neureco(["inspect", "--model", "named", "--json"], dir)).stdout);
    const again = await neureco(ringBuild("named", "--classify", "--resume"), dir);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(
      /had finished: nothing was built again; named\.ednn already holds its model\./,
    );

    rmSync(join(dir, "named.ednn"));
    const rebuilt = await neureco(ringBuild("named", "--resume"), dir);
    expect(rebuilt.stderr).not.toMatch(/^error/m);
    expect(rebuilt.code).toBe(0);
    expect(rebuilt.stderr).toMatch(detected);
    expect(rebuilt.stderr).toMatch(
      /had finished: nothing was built again; its model was written to named\.ednn\./,
    );
    expect(rebuilt.stdout).toMatch(/^wrote named\.ednn: a classifier of 3 classes \(inner, middle, outer\)/m);
    const after = JSON.parse((await neureco(["inspect", "--model", "named", "--json"], dir)).stdout);
    expect(after).toEqual(before);
  });

  it("--resume refuses a label file that cannot be the build's, and a checkpoint of the other kind of build", async () => {
    writeLabels(
      dir,
      "y_ring_four.csv",
      train.labels.map((label, i) => (i === 0 ? "fourth" : label)),
    );
    const four = await neureco(
      [
        "build",
        "--x",
        "x_ring_train.csv",
        "--y",
        "y_ring_four.csv",
        "--out",
        "named",
        "--seed",
        "1",
        "--resume",
      ],
      dir,
    );
    expect(four.code).toBe(1);
    expect(four.stderr).toMatch(
      /^error: y_ring_four\.csv \(150 labels, 4 classes\) is not the label file of the build in named\.checkpoint \(a classifier of 3 classes on 150 rows\)$/m,
    );

    const numeric = await neureco(
      ["build", "--x", "x_ring_train.csv", "--y", "y_ring_numbers.csv", "--out", "named", "--resume"],
      dir,
    );
    expectOneLineError(
      numeric,
      1,
      /^error: named\.checkpoint records the build of a classifier, but y_ring_numbers\.csv is read as numeric outputs: add --classify to resume it$/,
    );
    const labels = await neureco(
      ["build", "--x", "x_ring_train.csv", "--y", "y_ring_train.csv", "--out", "numbers-reg", "--resume"],
      dir,
    );
    expect(labels.code).toBe(1);
    expect(labels.stderr).toMatch(
      /^error: numbers-reg\.checkpoint records the build of a regressor, but y_ring_train\.csv is read as class labels/m,
    );
  });
});

describe("classifier build errors", () => {
  it("a single class", async () => {
    writeLabels(
      dir,
      "y_ring_one.csv",
      train.labels.map(() => "inner"),
    );
    const r = await neureco(
      ["build", "--x", "x_ring_train.csv", "--y", "y_ring_one.csv", "--out", "one"],
      dir,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: y_ring_one\.csv holds 1 class \("inner"\): a classifier needs at least two$/m,
    );
    expect(existsSync(join(dir, "one.ednn"))).toBe(false);
  });

  it("output normalisation options are a usage error for a classifier, named or detected", async () => {
    const named = await neureco(ringBuild("norm", "--classify", "--outputs-scaling", "std"), dir);
    expectOneLineError(named, 2, /^error: --outputs-scaling does not apply with --classify/);
    const detectedToo = await neureco(ringBuild("norm", "--outputs-shifting", "mean"), dir);
    expect(detectedToo.code).toBe(2);
    expect(detectedToo.stderr).toMatch(
      /^error: --outputs-shifting does not apply for a classifier \(y_ring_train\.csv holds class labels\)/m,
    );
  });

  it("text labels without a header row: the first label was read as the column's name", async () => {
    writeFileSync(join(dir, "y_ring_no_header.csv"), `${train.labels.join("\n")}\n`);
    const r = await neureco(
      ["build", "--x", "x_ring_train.csv", "--y", "y_ring_no_header.csv", "--out", "no-header", "--classify"],
      dir,
    );
    expectOneLineError(
      r,
      1,
      new RegExp(
        `^error: y_ring_no_header\\.csv: ${TRAIN_ROWS - 1} data rows, expected ${TRAIN_ROWS} \\(one per row of x_ring_train\\.csv\\); its first row, "${train.labels[0]}", was read as the column's name`,
      ),
    );
  });

  it("a y file of numbers and text stays a regression build, with the numeric reader's error and a hint", async () => {
    writeLabels(
      dir,
      "y_ring_mixed.csv",
      train.labels.map((label, i) => (i % 2 === 0 ? String(i) : label)),
    );
    const r = await neureco(
      ["build", "--x", "x_ring_train.csv", "--y", "y_ring_mixed.csv", "--out", "mixed"],
      dir,
    );
    expectOneLineError(
      r,
      1,
      new RegExp(
        `^error: y_ring_mixed\\.csv, line 3, column "ring" \\(1\\): "${train.labels[1]}" is not a number \\(--classify reads y_ring_mixed\\.csv as class labels\\)$`,
      ),
    );
  });

  it("a regression build is unchanged: numeric outputs, no detection line", async () => {
    headOf(join(dir, "x_train.csv"), join(dir, "x_small.csv"), 120);
    headOf(join(dir, "y_train.csv"), join(dir, "y_small.csv"), 120);
    const r = await neureco(
      ["build", "--x", "x_small.csv", "--y", "y_small.csv", "--out", "regression", "--seed", "1", "--json"],
      dir,
    );
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/class labels/);
    expect(r.stderr).toMatch(
      /^Building regression\.ednn from x_small\.csv \(120 rows, 5 inputs → 1 output\) on cpu$/m,
    );
    const summary = JSON.parse(r.stdout);
    expect(summary.task).toBeUndefined();
    expect(summary.outputs).toBe(1);
    expect(summary.errors.training).toHaveLength(1);
    const inspect = JSON.parse((await neureco(["inspect", "--model", "regression", "--json"], dir)).stdout);
    expect(inspect.task).toBe("regression");
    expect(inspect.outputs).toEqual(["HHV"]);
  });
});
