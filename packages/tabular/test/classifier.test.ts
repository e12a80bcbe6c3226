import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { seededRandom } from "@neureco/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BuildDataError } from "../src/builder/index.js";
import { Classifier } from "../src/classifier/node-classifier.js";
import { classificationScores } from "../src/classifier/scores.js";
import { Matrix } from "../src/matrix.js";
import { Regressor } from "../src/regressor/node-regressor.js";
import { dot, expectClose, sampleClassifier, sampleInputs, sampleModel, uniform } from "./model-fixtures.js";

/**
 * Tabular.Classifier: a build on a known three-class problem, its
 * predictions, the derivatives of its probabilities and logits (central
 * differences and the dot-product identity), its files, and the errors bad
 * labels get.
 */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "neureco-classifier-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Three classes separated by a parabola and a line (no noise): what a linear model cannot fit. */
function threeClasses(n: number, seed: number) {
  const r = seededRandom(seed);
  const x: number[][] = [];
  const labels: string[] = [];
  for (let i = 0; i < n; i++) {
    const a = 4 * r() - 2;
    const b = 4 * r() - 2;
    x.push([a, b, r()]);
    const t = a * a + b - 1;
    labels.push(t < -0.5 ? "low" : t < 1 ? "mid" : "high");
  }
  return { x, labels };
}

describe("Classifier build and predictions", () => {
  it("learns a curved three-class boundary; probabilities sum to 1; predict gives the labels", async () => {
    const train = threeClasses(600, 1);
    const test = threeClasses(300, 2);
    const classifier = new Classifier();
    const history = await classifier.build({ inputData: train.x, outputData: train.labels, seed: 0 });
    expect(history.models.length).toBeGreaterThan(1);
    const info = classifier.info();
    expect(info.classes).toEqual(["high", "low", "mid"]);
    const scores = await classifier.score(test.x, test.labels);
    // A linear model reaches about 0.8 here; the boundary is curved.
    expect(scores.accuracy).toBeGreaterThan(0.93);
    expect(info.hiddenNeurons).toBeGreaterThan(0);
    const p = await classifier.predictProba(test.x);
    expect(p.shape).toEqual([300, 3]);
    for (let i = 0; i < p.rows; i++) expect(p.row(i).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    const predicted = await classifier.predict(test.x);
    let agree = 0;
    predicted.forEach((label, i) => {
      const row = p.row(i);
      expect(label).toBe(info.classes[row.indexOf(Math.max(...row))]);
      if (label === test.labels[i]) agree++;
    });
    expect(agree / 300).toBe(scores.accuracy);
    classifier.delete();
  });

  it("numeric labels come back as numbers, sorted by value; two classes are one logit", async () => {
    const r = seededRandom(3);
    const x = Array.from({ length: 80 }, () => [4 * r() - 2]);
    const labels = x.map(([v]) => (v > 0.3 ? 10 : 9));
    const classifier = new Classifier();
    await classifier.build({ inputData: x, outputData: labels, seed: 0 });
    expect(classifier.info().classes).toEqual(["9", "10"]);
    expect(classifier.toDescription().structure.outputs).toBe(1);
    expect(await classifier.predict([[-1], [1.5]])).toEqual([9, 10]);
    classifier.delete();
  });
});

describe("Classifier derivatives", () => {
  const H = 1e-6;
  for (const classes of [2, 4]) {
    it(`${classes} classes: forward mode matches central differences of the probabilities and the logits`, async () => {
      const description = sampleClassifier(classes, classes);
      const classifier = Classifier.fromDescription(description);
      const r = seededRandom(classes + 10);
      const p = description.weights.length;
      const n = 5;
      const w = Array.from(description.weights);
      const dw = uniform(r, p);
      const x = sampleInputs(description, n, classes + 20);
      const dx = x.map(() => Array.from(description.inputNormalization.scale, (s) => s * (2 * r() - 1)));
      for (const logits of [false, true]) {
        const evaluate = (ws: number[], xs: number[][]) => {
          classifier.setWeights(ws);
          return logits ? classifier.logits(xs) : classifier.predictProba(xs);
        };
        const step = (h: number) => ({
          w: w.map((v, j) => v + h * dw[j]),
          x: x.map((row, i) => row.map((v, j) => v + h * dx[i][j])),
        });
        const plus = step(H);
        const minus = step(-H);
        const fPlus = await evaluate(plus.w, plus.x);
        const fMinus = await evaluate(minus.w, minus.x);
        classifier.setWeights(w);
        const central = fPlus.data.map((v, i) => (v - fMinus.data[i]) / (2 * H));
        const dy = await classifier.forwardDerivative({ w, dw, x, dx, logits });
        expect(dy.shape).toEqual([n, logits ? classes - 1 : classes]);
        expectClose(dy.data, central, 1e-6, `${logits ? "logits" : "probabilities"} dy`);
        if (!logits)
          for (let i = 0; i < n; i++)
            expect(Math.abs(dy.row(i).reduce((a, b) => a + b, 0))).toBeLessThan(1e-12);
      }
      classifier.delete();
    });

    it(`${classes} classes: ⟨J·v, u⟩ = ⟨v, Jᵀ·u⟩ for weights and inputs, probabilities and logits`, async () => {
      const description = sampleClassifier(classes + 5, classes);
      const classifier = Classifier.fromDescription(description);
      const r = seededRandom(classes + 30);
      const p = description.weights.length;
      const n = 6;
      const w = Array.from(description.weights);
      const x = sampleInputs(description, n, classes + 40);
      const dw = uniform(r, p);
      const dx = x.map(() => uniform(r, 3));
      for (const logits of [false, true]) {
        const k = logits ? classes - 1 : classes;
        const py = Array.from({ length: n }, () => uniform(r, k));
        const jv = await classifier.forwardDerivative({ w, dw, x, dx, logits });
        const g = await classifier.gradient({ w, x, py, logits });
        const left = dot(jv.data, py.flat());
        const right = dot(g.dw.data, dw) + dot(g.dx.data, dx.flat());
        expect(Math.abs(left - right)).toBeLessThan(1e-12 * Math.max(1, Math.abs(left)));
      }
      classifier.delete();
    });
  }

  it("py may name its columns by class, in any order", async () => {
    const description = sampleClassifier(7, 3);
    const classifier = Classifier.fromDescription(description);
    const w = Array.from(description.weights);
    const x = sampleInputs(description, 3, 8);
    const py = [
      [1, 0, 2],
      [0, 1, 0],
      [3, 0, 1],
    ];
    const inOrder = await classifier.gradient({ w, x, py });
    const named = await classifier.gradient({
      w,
      x,
      py: { matrix: py.map(([a, b, c]) => [c, a, b]), columns: ["c2", "c0", "c1"] },
    });
    expectClose(named.dw.data, inOrder.dw.data, 0, "dw");
    classifier.delete();
  });
});

describe("Classifier files", () => {
  it("save → load keeps the classes, the label name and the probabilities bit for bit", async () => {
    const description = sampleClassifier(11, 3);
    const classifier = Classifier.fromDescription(description);
    const x = sampleInputs(description, 4, 12);
    const before = await classifier.predictProba(x);
    const path = join(dir, "three");
    await classifier.save(path);
    const loaded = new Classifier();
    await loaded.load(path);
    expect(loaded.info().classes).toEqual(["c0", "c1", "c2"]);
    expect(loaded.info().labelName).toBe("kind");
    expect(Array.from((await loaded.predictProba(x)).data)).toEqual(Array.from(before.data));
    expect(Classifier.fromBytes(classifier.toBytes()).toDescription()).toEqual(loaded.toDescription());
    classifier.delete();
    loaded.delete();
  });

  it("a Regressor refuses a classifier's file and a Classifier a regressor's, naming the right class", async () => {
    const classifier = Classifier.fromDescription(sampleClassifier(13, 2));
    const path = join(dir, "two.ednn");
    await classifier.save(path);
    const regressor = new Regressor();
    await expect(regressor.load(path)).rejects.toThrow(/classifier's; load it with Tabular.Classifier/);
    const regressorPath = join(dir, "regressor.ednn");
    await Regressor.fromDescription(sampleModel(1)).save(regressorPath);
    await expect(classifier.load(regressorPath)).rejects.toThrow(
      /regressor's; load it with Tabular.Regressor/,
    );
    classifier.delete();
    regressor.delete();
  });

  it("a description whose class count does not match its outputs is refused", () => {
    const good = sampleClassifier(14, 3);
    expect(() =>
      Classifier.fromDescription({ ...good, classification: { label: "", classes: ["a", "b"] } }),
    ).toThrow(/2 network outputs has 3 classes, got 2 class names/);
    expect(() =>
      Classifier.fromDescription({ ...good, classification: { label: "", classes: ["a", "b", "a"] } }),
    ).toThrow(/class "a" is named twice/);
  });
});

describe("Classifier bad labels", () => {
  const x = [[0], [1], [2], [3], [4], [5]];
  it("refuses a single class, a NaN, an empty or a missing label, naming the row", async () => {
    const c = new Classifier();
    await expect(c.build({ inputData: x, outputData: ["a", "a", "a", "a", "a", "a"] })).rejects.toThrow(
      /outputData holds 1 class \("a"\): a classifier needs at least two/,
    );
    await expect(c.build({ inputData: x, outputData: [0, 1, Number.NaN, 1, 0, 1] })).rejects.toThrow(
      /outputData: the label of row 3 \(counted from 1\) is NaN/,
    );
    await expect(c.build({ inputData: x, outputData: ["a", "b", "a", "", "b", "a"] })).rejects.toThrow(
      BuildDataError,
    );
    await expect(c.build({ inputData: x, outputData: ["a", "b"] })).rejects.toThrow(
      /inputData has 6 rows but outputData has 2/,
    );
    await expect(
      c.build({ inputData: x, outputData: ["a", "b", "a", "b", "a", "b"], outputsScaling: "none" } as never),
    ).rejects.toThrow(/outputsScaling does not apply to a classifier/);
    c.delete();
  });

  it("refuses a validation or scoring label that is not a class, naming it and its row", async () => {
    const c = new Classifier();
    const labels = ["a", "b", "a", "b", "a", "b"];
    await expect(
      c.build({
        inputData: x,
        outputData: labels,
        validationInputData: [[1], [2]],
        validationOutputData: ["a", "c"],
      }),
    ).rejects.toThrow(
      /validationOutputData: the label "c" of row 2 \(counted from 1\) is not one of the model's classes \("a", "b"\)/,
    );
    c.setModel({
      ...sampleClassifier(15, 2),
      structure: { inputs: 1, hidden: 0, outputs: 1, links: [[0, 1]] },
      weights: Float64Array.from([1, 0]),
      inputNormalization: { shift: new Float64Array(1), scale: new Float64Array(1).fill(1) },
      inputNames: [],
      classification: { label: "", classes: ["a", "b"] },
    });
    await expect(c.score([[1], [2]], ["a", "z"])).rejects.toThrow(/labels: the label "z" of row 2/);
    c.delete();
  });
});

describe("classification scores", () => {
  it("accuracy, balanced accuracy, log-loss, confusion and calibration of a hand-made case", () => {
    const p = new Matrix(Float64Array.from([0.9, 0.1, 0.6, 0.4, 0.3, 0.7, 0.2, 0.8]), 4, 2);
    const s = classificationScores(p, Int32Array.from([0, 1, 1, 1]), ["a", "b"]);
    expect(s.accuracy).toBe(0.75);
    expect(s.confusion).toEqual([
      [1, 0],
      [1, 2],
    ]);
    expect(s.balancedAccuracy).toBeCloseTo((1 + 2 / 3) / 2, 15);
    expect(s.logLoss).toBeCloseTo(-(Math.log(0.9) + Math.log(0.4) + Math.log(0.7) + Math.log(0.8)) / 4, 15);
    // Bins: 0.9 (right), 0.6 (wrong), 0.7 (right), 0.8 (right), one row each.
    expect(s.calibrationError).toBeCloseTo((0.1 + 0.6 + 0.3 + 0.2) / 4, 15);
  });
});

describe("Classifier checkpoints", () => {
  it("a stopped build resumes from its checkpoint to the model of an uninterrupted one", async () => {
    const data = threeClasses(200, 5);
    const checkpoint = join(dir, "three.checkpoint");
    const whole = new Classifier();
    await whole.build({ inputData: data.x, outputData: data.labels, seed: 3 });
    const controller = new AbortController();
    const stopped = new Classifier();
    await stopped.build({
      inputData: data.x,
      outputData: data.labels,
      seed: 3,
      checkpointAddress: checkpoint,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.modelNumber === 1) controller.abort();
      },
    });
    const resumed = new Classifier();
    await resumed.build({
      inputData: data.x,
      outputData: data.labels,
      seed: 3,
      checkpointToStartBuildFrom: checkpoint,
      startBuildFromModelNumber: -1,
    });
    expect(resumed.info().classes).toEqual(whole.info().classes);
    expect(Array.from(resumed.getWeights().data)).toEqual(Array.from(whole.getWeights().data));
    for (const c of [whole, stopped, resumed]) c.delete();
  });

  it("a regression's checkpoint is not resumed as a classifier's, and the error says why", async () => {
    const data = threeClasses(60, 6);
    const checkpoint = join(dir, "regression.checkpoint");
    const controller = new AbortController();
    const regressor = new Regressor();
    await regressor.build({
      inputData: data.x,
      // Indicators of classes "low" and "mid" as two real outputs: the same numbers a classifier trains on.
      outputData: data.labels.map((l) => [l === "low" ? 1 : 0, l === "mid" ? 1 : 0]),
      seed: 3,
      checkpointAddress: checkpoint,
      signal: controller.signal,
      onProgress: () => controller.abort(),
      outputsShifting: "none",
      outputsScaling: "none",
    });
    const classifier = new Classifier();
    await expect(
      classifier.build({
        inputData: data.x,
        outputData: data.labels,
        seed: 3,
        checkpointToStartBuildFrom: checkpoint,
        startBuildFromModelNumber: -1,
      }),
    ).rejects.toThrow(/likelihood: unset then, "categorical" now/);
    regressor.delete();
    classifier.delete();
  });
});

describe("Classifier sensitivity", () => {
  it("is of the class probabilities, named by class, their mean |dp/dx| from gradient", async () => {
    const description = sampleClassifier(21, 3);
    const classifier = Classifier.fromDescription(description);
    const x = sampleInputs(description, 40, 22);
    const s = await classifier.sensitivity(x, { samples: 64 });
    expect(s.outputNames).toEqual(["c0", "c1", "c2"]);
    const w = classifier.getWeights();
    for (let c = 0; c < 3; c++) {
      const { dx } = await classifier.gradient({
        w,
        x,
        py: x.map(() => [0, 1, 2].map((j) => (j === c ? 1 : 0))),
      });
      s.inputs.forEach((input, j) => {
        let mean = 0;
        for (let i = 0; i < 40; i++) mean += Math.abs(dx.get(i, j)) / 40;
        expect(input.meanAbsoluteDerivative[c]).toBeCloseTo(mean, 12);
      });
    }
    classifier.delete();
  });
});
