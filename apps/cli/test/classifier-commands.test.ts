/**
 * evaluate, score, plot, inspect, derivative, sensitivity and export on a
 * classifier, and what refuses one, through the built binary.
 * The classifier is built once on the three-class task of ring-data.ts; its
 * results are checked against the library called in-process and against
 * relations they must satisfy (probabilities summing to 1, confusion counts
 * summing to the rows, an accuracy no linear model reaches).
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CALIBRATION_BINS, Classifier, readCsv } from "@neureco/tabular";
import { beforeAll, describe, expect, it } from "vitest";
import { writeFixtureModel } from "./fixture-model.js";
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
import {
  LINEAR_ACCURACY,
  RING_CLASSES,
  type RingRows,
  TEST_ROWS,
  writeLabels,
  writeRingFiles,
} from "./ring-data.js";

let dir: string;
let test: RingRows;
/** The classifier's probabilities for x_ring_test.csv, computed in-process. */
let probabilities: number[][];

beforeAll(async () => {
  assertBuilt();
  dir = workspace();
  ({ test } = writeRingFiles(dir));
  const built = await neureco(
    [
      "build",
      "--x",
      "x_ring_train.csv",
      "--y",
      "y_ring_train.csv",
      "--out",
      "ring",
      "--seed",
      "1",
      "--classify",
    ],
    dir,
  );
  if (built.code !== 0) throw new Error(`the classifier's build failed: ${built.stderr}`);
  const classifier = new Classifier();
  await classifier.load(join(dir, "ring.ednn"));
  probabilities = (
    await classifier.predictProba((await readCsv(join(dir, "x_ring_test.csv"))).matrix)
  ).toArray();
  classifier.delete();
});

const expectOneLineError = (r: { code: number | null; stderr: string }, code: number, pattern: RegExp) => {
  expect(r.code).toBe(code);
  expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(r.stderr.trimEnd()).toMatch(pattern);
  expect(hasStackTrace(r.stderr)).toBe(false);
};

/** The data rows of a `;` CSV text with a text first column: [label, numbers]. */
function labelledRows(csv: string): { header: string[]; rows: [string, number[]][] } {
  const [head, ...lines] = csv.trimEnd().split("\n");
  return {
    header: head.split(";"),
    rows: lines.map((line) => {
      const [label, ...values] = line.split(";");
      return [label, values.map(Number)];
    }),
  };
}

interface ScoreJson {
  rows: number;
  classes: string[];
  accuracy: number;
  balancedAccuracy: number;
  logLoss: number;
  calibrationError: number;
  confusion: number[][];
  reliability: { rows: number; confidence: number | null; accuracy: number | null }[];
}

const score = (...more: string[]) => [
  "score",
  "--model",
  "ring.ednn",
  "--x",
  "x_ring_test.csv",
  "--y",
  "y_ring_test.csv",
  ...more,
];

describe("evaluate on a classifier", () => {
  it("writes the predicted label and one probability per class, each row summing to 1", async () => {
    const r = await neureco(["evaluate", "--model", "ring", "--x", "x_ring_test.csv"], dir);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const { header, rows } = labelledRows(r.stdout);
    expect(header).toEqual(["ring", "p_inner", "p_middle", "p_outer"]);
    expect(rows).toHaveLength(TEST_ROWS);
    expectClose(
      rows.map(([, p]) => p),
      probabilities,
    );
    for (const [label, p] of rows) {
      expect(Math.abs(p.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
      for (const v of p) expect(v >= 0 && v <= 1).toBe(true);
      // The label is the most probable class.
      expect(p[RING_CLASSES.indexOf(label as (typeof RING_CLASSES)[number])]).toBe(Math.max(...p));
    }
  });

  it("--out writes the same file", async () => {
    const r = await neureco(
      ["evaluate", "--model", "ring", "--x", "x_ring_test.csv", "--out", "pred.csv"],
      dir,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    const stdout = await neureco(["evaluate", "--model", "ring", "--x", "x_ring_test.csv"], dir);
    expect(readFileSync(join(dir, "pred.csv"), "utf8")).toBe(stdout.stdout);
  });

  it("--uncertainty is refused in one sentence", async () => {
    const r = await neureco(["evaluate", "--model", "ring", "--x", "x_ring_test.csv", "--uncertainty"], dir);
    expectOneLineError(
      r,
      1,
      /^error: ring holds a classifier of 3 classes \(inner, middle, outer\): --uncertainty gives a regressor's error bars/,
    );
    expect(r.stdout).toBe("");
  });
});

describe("score on a classifier", () => {
  it("--json gives rows, accuracy, balanced accuracy, log-loss, calibration error, confusion and reliability", async () => {
    const r = await neureco(score("--json"), dir);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as ScoreJson;
    expect(Object.keys(json).sort()).toEqual([
      "accuracy",
      "balancedAccuracy",
      "calibrationError",
      "classes",
      "confusion",
      "logLoss",
      "reliability",
      "rows",
    ]);
    expect(json.rows).toBe(TEST_ROWS);
    expect(json.classes).toEqual(RING_CLASSES);
    // Confusion: rows are the true classes, and every row is counted once.
    const total = json.confusion.flat().reduce((a, b) => a + b, 0);
    expect(total).toBe(TEST_ROWS);
    json.confusion.forEach((row, i) => {
      expect(row.reduce((a, b) => a + b, 0)).toBe(test.labels.filter((l) => l === RING_CLASSES[i]).length);
    });
    const trace = json.confusion.reduce((a, row, i) => a + row[i], 0);
    expect(json.accuracy).toBeCloseTo(trace / TEST_ROWS, 12);
    // Beyond what any linear model can reach on these classes (ring-data.ts), with a wide margin.
    expect(json.accuracy).toBeGreaterThan(LINEAR_ACCURACY + 0.15);
    expect(json.balancedAccuracy).toBeGreaterThan(LINEAR_ACCURACY + 0.15);
    expect(json.balancedAccuracy).toBeLessThanOrEqual(1);
    // Log-loss from the probabilities evaluate gives.
    const logLoss =
      test.labels.reduce(
        (a, label, i) =>
          a - Math.log(probabilities[i][RING_CLASSES.indexOf(label as (typeof RING_CLASSES)[number])]),
        0,
      ) / TEST_ROWS;
    expect(json.logLoss).toBeCloseTo(logLoss, 10);
    expect(json.logLoss).toBeLessThan(Math.log(3));
    expect(json.calibrationError).toBeGreaterThanOrEqual(0);
    expect(json.calibrationError).toBeLessThanOrEqual(1);
    expect(json.reliability).toHaveLength(CALIBRATION_BINS);
    expect(json.reliability.reduce((a, b) => a + b.rows, 0)).toBe(TEST_ROWS);
    for (const bin of json.reliability) {
      if (bin.rows === 0) expect([bin.confidence, bin.accuracy]).toEqual([null, null]);
      else expect(bin.confidence).toBeGreaterThanOrEqual(1 / 3);
    }
  });

  it("prints the scores and the confusion matrix as tables", async () => {
    const r = await neureco(score(), dir);
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe(`${TEST_ROWS} rows`);
    for (const measure of ["accuracy", "balanced accuracy", "log-loss", "expected calibration error"])
      expect(r.stdout).toMatch(new RegExp(`^${measure}\\b.*\\s[\\d.]+$`, "m"));
    expect(r.stdout).toMatch(/^true \\ predicted\s+inner\s+middle\s+outer$/m);
    const json = JSON.parse((await neureco(score("--json"), dir)).stdout) as ScoreJson;
    RING_CLASSES.forEach((name, i) => {
      expect(r.stdout).toMatch(new RegExp(`^${name}\\s+${json.confusion[i].join("\\s+")}$`, "m"));
    });
  });

  it("a label the model has no class for: an error naming the file, row and label", async () => {
    writeLabels(
      dir,
      "y_unseen.csv",
      test.labels.map((label, i) => (i === 9 ? "square" : label)),
    );
    const r = await neureco(
      ["score", "--model", "ring", "--x", "x_ring_test.csv", "--y", "y_unseen.csv"],
      dir,
    );
    expectOneLineError(
      r,
      1,
      /^error: y_unseen\.csv, data row 10: the label "square" is not one of the classes of ring \(inner, middle, outer\)$/,
    );
  });

  it("a missing label: an error naming the line, or with --missing drop-row the row skipped", async () => {
    writeLabels(
      dir,
      "y_missing.csv",
      test.labels.map((label, i) => (i === 2 ? "NA" : label)),
    );
    const refused = await neureco(
      ["score", "--model", "ring", "--x", "x_ring_test.csv", "--y", "y_missing.csv", "--json"],
      dir,
    );
    expectOneLineError(refused, 1, /^error: y_missing\.csv, line 4: the label is missing/);
    const skipped = await neureco(
      [
        "score",
        "--model",
        "ring",
        "--x",
        "x_ring_test.csv",
        "--y",
        "y_missing.csv",
        "--json",
        "--missing",
        "drop-row",
      ],
      dir,
    );
    expect(skipped.code).toBe(0);
    expect(skipped.stderr).toBe("x_ring_test.csv, y_missing.csv: skipped 1 row with a missing cell\n");
    const json = JSON.parse(skipped.stdout) as ScoreJson;
    expect(json.rows).toBe(TEST_ROWS - 1);
    expect(json.confusion.flat().reduce((a, b) => a + b, 0)).toBe(TEST_ROWS - 1);
  });
});

describe("plot on a classifier", () => {
  it("draws the confusion matrix (counts, rows = true class) and the reliability diagram", async () => {
    const r = await neureco(
      [
        "plot",
        "--model",
        "ring",
        "--x",
        "x_ring_test.csv",
        "--y",
        "y_ring_test.csv",
        "--checkpoint",
        "ring.checkpoint",
        "--out",
        "ring.svg",
      ],
      dir,
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const svg = readFileSync(join(dir, "ring.svg"), "utf8");
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    expect(svg).not.toContain('<g class="parity">');
    const json = JSON.parse((await neureco(score("--json"), dir)).stdout) as ScoreJson;
    // One count per cell, placed row by row (top to bottom: true classes) and column by column
    // (left to right: predicted classes), as the confusion matrix of score.
    const cells = [...svg.matchAll(/<text x="([\d.]+)" y="([\d.]+)" class="count"[^>]*>(\d+)<\/text>/g)].map(
      (m) => ({ x: Number(m[1]), y: Number(m[2]), count: Number(m[3]) }),
    );
    cells.sort((a, b) => a.y - b.y || a.x - b.x);
    expect(cells.map((c) => c.count)).toEqual(json.confusion.flat());
    expect(svg.match(/<rect class="cell"/g)).toHaveLength(RING_CLASSES.length ** 2);
    for (const name of RING_CLASSES) expect(svg).toContain(`>${name}</text>`);
    // One point per bin that holds rows, and the diagonal of perfect calibration.
    const reliability = /<g class="reliability">[\s\S]*?<\/g>\n/.exec(svg)?.[0] ?? "";
    expect(reliability.match(/<circle class="bin"/g)).toHaveLength(
      json.reliability.filter((b) => b.rows > 0).length,
    );
    expect(reliability).toContain('stroke-dasharray="4 3"');
    // The build's curve, in log-loss.
    expect(svg).toMatch(/models \(log-loss\)/);
  });

  it("--sensitivity adds a panel per class probability, its bars and intervals the library's first-order indices", async () => {
    const r = await neureco(
      [
        "plot",
        "--model",
        "ring",
        "--x",
        "x_ring_test.csv",
        "--y",
        "y_ring_test.csv",
        "--out",
        "ring-sensitivity.svg",
        "--sensitivity",
      ],
      dir,
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const svg = readFileSync(join(dir, "ring-sensitivity.svg"), "utf8");
    // The classifier's panels stay, and the sensitivity's follow.
    expect(svg.match(/<g class="confusion">/g)).toHaveLength(1);
    expect(svg.match(/<g class="reliability">/g)).toHaveLength(1);
    const classifier = new Classifier();
    await classifier.load(join(dir, "ring"));
    const s = await classifier.sensitivity((await readCsv(join(dir, "x_ring_test.csv"))).matrix);
    classifier.delete();
    expect(s.outputNames).toEqual(RING_CLASSES);
    const panels = svg
      .split('<g class="sensitivity">')
      .slice(1)
      .map((panel) => panel.slice(0, panel.indexOf("</g>")));
    expect(panels).toHaveLength(RING_CLASSES.length);
    const attribute = (element: string, name: string) =>
      Number(new RegExp(` ${name}="([^"]+)"`).exec(element)?.[1]);
    panels.forEach((panel, o) => {
      expect(panel).toContain(`>p_${RING_CLASSES[o]}: first-order indices</text>`);
      expect(panel).toContain(`>${TEST_ROWS} rows · ${s.samples} samples · 95 % intervals</text>`);
      for (const { input } of s.inputs) expect(panel).toContain(`>${input}</text>`);
      const bars = [...panel.matchAll(/<rect class="bar" [^>]*>/g)].map(([e]) => ({
        x: attribute(e, "x"),
        width: attribute(e, "width"),
      }));
      const intervals = [...panel.matchAll(/<line [^>]*class="interval"[^>]*>/g)].map(([e]) => ({
        x1: attribute(e, "x1"),
        x2: attribute(e, "x2"),
      }));
      expect(bars).toHaveLength(s.inputs.length);
      expect(intervals).toHaveLength(s.inputs.length);
      const index = s.inputs.map((i) => i.firstOrderIndex[o]);
      const halfWidth = s.inputs.map((i) => i.firstOrderHalfWidth[o]);
      // One scale (pixels per unit of index) for the panel, from every length drawn; each
      // bar then runs from the index 0 to its index, each interval spans index ± half-width,
      // to the 0.01 px the file keeps.
      const pixels = bars.reduce((a, b, j) => a + b.width + (intervals[j].x2 - intervals[j].x1), 0);
      const units = index.reduce((a, v, j) => a + Math.abs(v) + 2 * halfWidth[j], 0);
      const perUnit = pixels / units;
      const zero = index[0] >= 0 ? bars[0].x : bars[0].x + bars[0].width;
      index.forEach((v, j) => {
        expect(Math.abs(bars[j].width - Math.abs(v) * perUnit)).toBeLessThan(0.05);
        expect(Math.abs((v >= 0 ? bars[j].x : bars[j].x + bars[j].width) - zero)).toBeLessThan(0.05);
        expect(Math.abs((intervals[j].x1 + intervals[j].x2) / 2 - (zero + v * perUnit))).toBeLessThan(0.05);
        expect(Math.abs(intervals[j].x2 - intervals[j].x1 - 2 * halfWidth[j] * perUnit)).toBeLessThan(0.05);
      });
    });
    // The class is told by u alone (ring-data.ts): u's index is the larger in every panel.
    for (let o = 0; o < RING_CLASSES.length; o++) {
      const [u, v] = s.inputs.map((i) => i.firstOrderIndex[o]);
      expect(u).toBeGreaterThan(v);
    }
  });
});

describe("inspect on a classifier", () => {
  it("--json says it is a classifier, with its classes, label and logits", async () => {
    const r = await neureco(["inspect", "--model", "ring", "--json"], dir);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.task).toBe("classification");
    expect(json.classes).toEqual(RING_CLASSES);
    expect(json.label).toBe("ring");
    expect(json.inputs).toEqual(["u", "v"]);
    expect(json.outputs).toEqual(["logit middle", "logit outer"]);
    expect(json.neurons.outputs).toBe(2);
    expect(json.weightLabels.at(-1)).toBe("bias logit outer");
    expect(json.errors.training[0]).toBeGreaterThan(0);
  });

  it("the text names the task and the classes", async () => {
    const r = await neureco(["inspect", "--model", "ring"], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^task\s+classification: 3 classes \(inner, middle, outer\), label ring$/m);
    expect(r.stdout).toMatch(/^errors at build \(log-loss\)\s+training [\d.e-]+, validation [\d.e-]+$/m);
  });
});

describe("derivatives of a classifier's probabilities", () => {
  it("forward: one column per class, summing to 0 in every row (the probabilities sum to 1)", async () => {
    const p = JSON.parse((await neureco(["inspect", "--model", "ring", "--json"], dir)).stdout).weightCount;
    writeTable(
      join(dir, "dw.csv"),
      ["dw"],
      Array.from({ length: p }, (_, i) => [Math.sin(i + 1)]),
    );
    const r = await neureco(
      ["derivative", "forward", "--model", "ring", "--x", "x_ring_test.csv", "--dw", "dw.csv"],
      dir,
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("d_p_inner;d_p_middle;d_p_outer");
    const rows = lines.slice(1).map((line) => line.split(";").map(Number));
    expect(rows).toHaveLength(TEST_ROWS);
    let moved = 0;
    for (const row of rows) {
      expect(Math.abs(row.reduce((a, b) => a + b, 0))).toBeLessThan(1e-12);
      moved = Math.max(moved, ...row.map(Math.abs));
    }
    expect(moved).toBeGreaterThan(1e-6);
  });

  it("gradient: cotangents named p_<class> (any order) or by the classes; equal cotangents give zero", async () => {
    const n = TEST_ROWS;
    const x = readTable(join(dir, "x_ring_test.csv"));
    writeTable(
      join(dir, "py-ones.csv"),
      ["p_inner", "p_middle", "p_outer"],
      x.rows.map(() => [1, 1, 1]),
    );
    const ones = await neureco(
      [
        "derivative",
        "gradient",
        "--model",
        "ring",
        "--x",
        "x_ring_test.csv",
        "--py",
        "py-ones.csv",
        "--out-dw",
        "dw-ones.csv",
        "--out-dx",
        "dx-ones.csv",
      ],
      dir,
    );
    expect(ones.code).toBe(0);
    for (const file of ["dw-ones.csv", "dx-ones.csv"])
      for (const row of readTable(join(dir, file)).rows)
        for (const v of row) expect(Math.abs(v)).toBeLessThan(1e-12);

    // The same cotangents in another order, and under the bare class names, give the same gradient.
    const cotangent = (i: number) => [Math.cos(i), Math.sin(i), 0.5];
    writeTable(
      join(dir, "py-named.csv"),
      ["p_outer", "p_inner", "p_middle"],
      Array.from({ length: n }, (_, i) => [cotangent(i)[2], cotangent(i)[0], cotangent(i)[1]]),
    );
    writeTable(
      join(dir, "py-bare.csv"),
      ["inner", "middle", "outer"],
      Array.from({ length: n }, (_, i) => cotangent(i)),
    );
    const gradient = async (py: string) => {
      const r = await neureco(
        [
          "derivative",
          "gradient",
          "--model",
          "ring",
          "--x",
          "x_ring_test.csv",
          "--py",
          py,
          "--out-dw",
          `dw-${py}`,
          "--out-dx",
          `dx-${py}`,
        ],
        dir,
      );
      expect(r.code).toBe(0);
      return readTable(join(dir, `dw-${py}`)).rows;
    };
    const named = await gradient("py-named.csv");
    expectClose(await gradient("py-bare.csv"), named);
    expect(named.some(([v]) => Math.abs(v) > 1e-6)).toBe(true);
  });
});

describe("derivatives of a classifier's logits (--logits)", () => {
  /** The logits' classes: every class but the first, each against the first. */
  const LOGITS = RING_CLASSES.slice(1);
  /** Σ of the products of two tables' cells. */
  const dot = (a: readonly (readonly number[])[], b: readonly (readonly number[])[]) =>
    a.reduce((s, row, i) => s + row.reduce((t, v, j) => t + v * b[i][j], 0), 0);
  // Directions and cotangents: fixed, varied values (any would do).
  let dw: number[][];
  let dx: number[][];
  let py: number[][];

  beforeAll(async () => {
    const p = JSON.parse((await neureco(["inspect", "--model", "ring", "--json"], dir)).stdout).weightCount;
    const x = readTable(join(dir, "x_ring_test.csv"));
    dw = Array.from({ length: p }, (_, k) => [Math.sin(k + 1)]);
    dx = x.rows.map((row, i) => row.map((_, j) => Math.cos(i + 2 * j)));
    py = x.rows.map((_, i) => LOGITS.map((_, j) => Math.sin(2 * i + j)));
    writeTable(join(dir, "dw-logits.csv"), ["dw"], dw);
    writeTable(join(dir, "dx-logits.csv"), x.columns, dx);
    // Named logit_<class>, in another order than the model's.
    writeTable(
      join(dir, "py-logits.csv"),
      ["logit_outer", "logit_middle"],
      py.map(([middle, outer]) => [outer, middle]),
    );
    // Named by the classes themselves.
    writeTable(join(dir, "py-logits-bare.csv"), [...LOGITS], py);
    await writeFixtureModel(dir);
  });

  /** The library's classifier, loaded from the model the CLI built, and the test rows. */
  async function library() {
    const classifier = new Classifier();
    await classifier.load(join(dir, "ring"));
    const x = (await readCsv(join(dir, "x_ring_test.csv"))).matrix;
    return { classifier, x, w: classifier.getWeights() };
  }

  const forward = () =>
    neureco(
      [
        "derivative",
        "forward",
        "--model",
        "ring",
        "--x",
        "x_ring_test.csv",
        "--dw",
        "dw-logits.csv",
        "--dx",
        "dx-logits.csv",
        "--logits",
      ],
      dir,
    );
  const gradient = (file: string) =>
    neureco(
      [
        "derivative",
        "gradient",
        "--model",
        "ring",
        "--x",
        "x_ring_test.csv",
        "--py",
        file,
        "--out-dw",
        `gw-${file}`,
        "--out-dx",
        `gx-${file}`,
        "--logits",
      ],
      dir,
    );

  it("forward: one column per logit, d_logit_<class>, the library's forwardDerivative with logits: true", async () => {
    const r = await forward();
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const dy = readCsvText(r.stdout);
    expect(dy.columns).toEqual(LOGITS.map((c) => `d_logit_${c}`));
    expect(dy.rows).toHaveLength(TEST_ROWS);
    const { classifier, x, w } = await library();
    const expected = await classifier.forwardDerivative({ w, dw, x, dx, logits: true });
    classifier.delete();
    expect(expected.shape).toEqual([TEST_ROWS, LOGITS.length]);
    expectClose(dy.rows, expected.toArray());
    expect(dy.rows.some((row) => row.some((v) => Math.abs(v) > 1e-6))).toBe(true);
  });

  it("gradient: cotangents named logit_<class> (any order) or by the classes, the library's gradient with logits: true", async () => {
    const r = await gradient("py-logits.csv");
    expect(r.stderr).toBe("py-logits.csv: columns reordered to the model's logit order\n");
    expect(r.code).toBe(0);
    const gw = readTable(join(dir, "gw-py-logits.csv"));
    const gx = readTable(join(dir, "gx-py-logits.csv"));
    expect(gw.columns).toEqual(["dw"]);
    expect(gx.columns).toEqual(["d_u", "d_v"]);
    const { classifier, x, w } = await library();
    const expected = await classifier.gradient({ w, x, py, logits: true });
    classifier.delete();
    expectClose(gw.rows, expected.dw.toArray());
    expectClose(gx.rows, expected.dx.toArray());
    expect(gw.rows.some(([v]) => Math.abs(v) > 1e-6)).toBe(true);

    const bare = await gradient("py-logits-bare.csv");
    expect(bare.stderr).toBe("");
    expect(bare.code).toBe(0);
    expectClose(readTable(join(dir, "gw-py-logits-bare.csv")).rows, gw.rows);
    expectClose(readTable(join(dir, "gx-py-logits-bare.csv")).rows, gx.rows);
  });

  it("forward and gradient are adjoint: Σ py·dy = dw·gw + Σ dx·gx", async () => {
    const dy = readCsvText((await forward()).stdout).rows;
    expect((await gradient("py-logits.csv")).code).toBe(0);
    const gw = readTable(join(dir, "gw-py-logits.csv")).rows;
    const gx = readTable(join(dir, "gx-py-logits.csv")).rows;
    const left = dot(py, dy);
    const right = dot(dw, gw) + dot(dx, gx);
    expect(Math.abs(left)).toBeGreaterThan(1e-6);
    expect(Math.abs(left - right)).toBeLessThan(1e-9 * Math.max(1, Math.abs(left)));
  });

  it("gradient --logits refuses cotangents of the probabilities, naming the columns", async () => {
    writeTable(
      join(dir, "py-probabilities.csv"),
      ["p_inner", "p_middle", "p_outer"],
      py.map((row) => [0, ...row]),
    );
    const r = await gradient("py-probabilities.csv");
    expectOneLineError(
      r,
      1,
      /^error: py-probabilities\.csv: the columns do not match one cotangent per logit of ring: missing "logit_middle", "logit_outer"; unexpected "p_inner", "p_middle", "p_outer"/,
    );
  });

  it("--logits refuses a regressor in one line, naming the model", async () => {
    for (const command of [
      ["forward", "--dw", "dw-logits.csv"],
      ["gradient", "--py", "py-logits.csv", "--out-dw", "refused-dw.csv", "--out-dx", "refused-dx.csv"],
    ]) {
      const r = await neureco(
        [
          "derivative",
          command[0],
          "--model",
          "fixture",
          "--x",
          "x_test.csv",
          ...command.slice(1),
          "--logits",
        ],
        dir,
      );
      expectOneLineError(
        r,
        1,
        /^error: fixture holds a regressor of 5 inputs → 1 output: --logits differentiates a classifier's logits, and applies to classifiers only; leave it out$/,
      );
      expect(r.stdout).toBe("");
    }
    expect(existsSync(join(dir, "refused-dw.csv"))).toBe(false);
  });
});

describe("sensitivity of a classifier", () => {
  it("gives each class probability's table, as the library computes it", async () => {
    const r = await neureco(["sensitivity", "--model", "ring", "--x", "x_ring_test.csv", "--json"], dir);
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout) as {
      outputNames: string[];
      inputs: { meanAbsoluteDerivative: number[] }[];
    };
    expect(printed.outputNames).toEqual(["inner", "middle", "outer"]);
    const classifier = new Classifier();
    await classifier.load(join(dir, "ring"));
    const x = await readCsv(join(dir, "x_ring_test.csv"));
    const direct = await classifier.sensitivity(x.matrix);
    classifier.delete();
    printed.inputs.forEach((input, j) =>
      expectClose([input.meanAbsoluteDerivative], [direct.inputs[j].meanAbsoluteDerivative]),
    );
    const text = await neureco(["sensitivity", "--model", "ring", "--x", "x_ring_test.csv"], dir);
    expect(text.stdout).toMatch(/probability of class outer/);
    expect(text.stdout).toMatch(/mean \|dp\/dx\|/);
  });
});

describe("export of a classifier", () => {
  it("--format onnx writes a graph that ONNX Runtime runs to the class probabilities", async () => {
    const ort = await import("onnxruntime-node");
    const r = await neureco(
      ["export", "--model", "ring", "--format", "onnx", "--dtype", "float64", "--out", "ring"],
      dir,
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(
      "wrote ring.onnx: input x, output y the class probabilities (float64, a dynamic batch dimension)\n",
    );
    const classifier = new Classifier();
    await classifier.load(join(dir, "ring"));
    const x = (await readCsv(join(dir, "x_ring_test.csv"))).matrix;
    const p = await classifier.predictProba(x);
    classifier.delete();
    const session = await ort.InferenceSession.create(readFileSync(join(dir, "ring.onnx")));
    const out = await session.run({ x: new ort.Tensor("float64", Float64Array.from(x.data), [...x.shape]) });
    expect(out.y.dims).toEqual([x.rows, 3]);
    const y = out.y.data as Float64Array;
    p.data.forEach((v, i) => expect(Math.abs(y[i] - v)).toBeLessThanOrEqual(1e-12));
    await session.release();
  });

  it("--format c writes a C99 file of the class probabilities that gcc compiles without a warning", async () => {
    const r = await neureco(["export", "--model", "ring", "--format", "c", "--out", "ring-model"], dir);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(
      "wrote ring-model.c and ring-model.h: ring_model_evaluate and ring_model_input_gradient (C99, needs only math.h; class probabilities)\n",
    );
    execFileSync(
      "gcc",
      ["-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-c", "ring-model.c", "-o", "ring-model.o"],
      {
        cwd: dir,
      },
    );
    expect(readFileSync(join(dir, "ring-model.h"), "utf8")).toContain("#define RING_MODEL_OUTPUTS 3");
  });
});
