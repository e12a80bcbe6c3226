import { cpu } from "@neureco/backend-cpu";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CrossValidator, foldOfRow } from "../src/builder/cross-validation.js";
import { FINAL_FIT, SEARCH_FIT } from "../src/builder/fit.js";
import { addHiddenNeuron, linearNetwork } from "../src/builder/network-edit.js";
import { DeviceData, Objective } from "../src/builder/objective.js";
import { GROUP_HIDDEN_TO_OUTPUT, priorMetric, weightPrior } from "../src/builder/prior.js";
import { matrixRows } from "../src/builder/rows.js";
import { evidenceBeta, trainLevenbergMarquardt } from "../src/builder/train.js";
import { Matrix } from "../src/matrix.js";
import { lcg } from "./builder-helpers.js";

describe("foldOfRow", () => {
  it("puts every row in one fold, folds differ by at most one row, and each fold spans the rows", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 10 }), fc.integer({ min: 2, max: 300 }), (folds, n) => {
        fc.pre(n >= folds);
        const sizes = new Array(folds).fill(0);
        const first = new Array(folds).fill(-1);
        const last = new Array(folds).fill(-1);
        for (let row = 0; row < n; row++) {
          const f = foldOfRow(row, folds);
          expect(f).toBeGreaterThanOrEqual(0);
          expect(f).toBeLessThan(folds);
          sizes[f]++;
          if (first[f] < 0) first[f] = row;
          last[f] = row;
        }
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
        expect(Math.max(...first)).toBeLessThan(folds);
        expect(Math.min(...last)).toBeGreaterThanOrEqual(n - folds);
      }),
      { seed: 7, numRuns: 200 },
    );
  });
});

describe("CrossValidator", () => {
  it("scores each fold's rows by a network trained without them, and the folds sum over all rows", async () => {
    // y = x, except the rows of fold 0, shifted by 1: a linear network trained
    // on the other folds fits them exactly and misses fold 0 by 1 on every row.
    const n = 23;
    const folds = 5;
    const random = lcg(3);
    const x = Float64Array.from({ length: n }, () => 2 * random() - 1);
    const y = x.map((v, i) => v + (foldOfRow(i, folds) === 0 ? 1 : 0));
    const xm = new Matrix(x, n, 1);
    const ym = new Matrix(y, n, 1);
    const backend = cpu();
    try {
      const cv = new CrossValidator(backend, "float64", xm, ym, priorMetric(matrixRows(xm, ym)), undefined);
      expect(cv.rows).toBe(n);
      const [errors] = await cv.foldErrors(linearNetwork(1, 1), [1e-8, 1e-8, 1e-8], [FINAL_FIT], folds);
      expect(errors).toHaveLength(folds);
      const fold0Rows = Array.from({ length: n }, (_, i) => i).filter(
        (i) => foldOfRow(i, folds) === 0,
      ).length;
      // Squared error summed over the fold's rows: 1 per row.
      expect(errors[0]).toBeCloseTo(fold0Rows, 3);
      // The other folds are fitted with fold 0's shifted rows among their training rows, so they miss by a little only.
      for (const e of errors.slice(1)) expect(e).toBeLessThan(0.2 * errors[0]);
    } finally {
      backend.destroy();
    }
  });
});

describe("an absolute β floor (TrainOptions.betaFloor)", () => {
  const random = lcg(11);
  const n = 60;
  const x = new Matrix(
    Float64Array.from({ length: n }, () => 2 * random() - 1),
    n,
    1,
  );
  const y = new Matrix(
    Float64Array.from(x.data, (v) => Math.tanh(3 * v) + 0.05 * (random() - 0.5)),
    n,
    1,
  );
  const network = addHiddenNeuron(linearNetwork(1, 1), {
    sources: [{ from: { kind: "input", index: 0 }, weight: 1 }],
    bias: 0,
    outputWeights: [0.5],
  });

  it("holds the group's β at the floor while the evidence would set it lower, and leaves the other groups to the evidence", async () => {
    const backend = cpu();
    const data = DeviceData.upload(backend, "float64", matrixRows(x, y));
    try {
      const prior = weightPrior(network.structure, priorMetric(matrixRows(x, y)));
      const train = (betaFloor?: readonly number[]) =>
        trainLevenbergMarquardt(new Objective(backend, network.structure, data), network.weights, {
          ...SEARCH_FIT,
          beta: [0.1, 0.1, 0.1],
          prior,
          betaFloor,
        });
      const free = await train();
      const floor = 100 * free.beta[GROUP_HIDDEN_TO_OUTPUT];
      const floored = await train([0, floor, 0]);
      expect(floored.beta[GROUP_HIDDEN_TO_OUTPUT]).toBe(floor);
      // The output weight is shrunk by the stronger prior.
      const outputWeight = (w: Float64Array) =>
        Math.abs(w[network.structure.links.findIndex(([f]) => f === 1)]);
      expect(outputWeight(floored.weights)).toBeLessThan(outputWeight(free.weights));
      // evidenceBeta itself: a floor below the evidence's value changes nothing.
      const { jtj, sse } = await new Objective(backend, network.structure, data).normalEquations(
        free.weights,
      );
      const plain = evidenceBeta(jtj, prior, free.beta, sse, free.weights, n);
      const low = evidenceBeta(jtj, prior, free.beta, sse, free.weights, n, [0, plain[1] / 2, 0]);
      expect(low).toEqual(plain);
    } finally {
      data.dispose();
      backend.destroy();
    }
  });
});
