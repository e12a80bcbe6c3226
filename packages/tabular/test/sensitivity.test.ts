/**
 * Sensitivity analysis: the derivative statistics equal those of central
 * finite differences of `evaluate` on a random network with raw units far
 * from normalised ones; the first-order Sobol' indices of a linear model
 * (known exactly: a_j²·Var x_j / Σ a_i²·Var x_i for independent inputs)
 * lie within their stated confidence; the same seed gives the same
 * result, columns are matched by name, and bad arguments are named.
 */
import { describe, expect, it } from "vitest";
import { linearNetwork } from "../src/builder/network-edit.js";
import { Matrix } from "../src/matrix.js";
import { Regressor } from "../src/regressor/regressor.js";
import { randomStructure, sampleInputs, sampleModel } from "./model-fixtures.js";

const STEP = 1e-5;

function std(values: readonly number[]): number {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
}

describe("Regressor.sensitivity", () => {
  it("has the derivative statistics of central finite differences (random network, 3 inputs, 2 outputs)", async () => {
    const description = sampleModel(4, randomStructure(3, 4, 2, 9));
    const model = Regressor.fromDescription(description);
    const rows = sampleInputs(description, 40, 5);
    const x = Matrix.from(rows, "x");
    const result = await model.sensitivity(x, { samples: 256 });
    const predictions = await model.evaluate(x);
    expect(result.rows).toBe(40);
    expect(result.outputNames).toEqual(["y0", "y1"]);
    expect(result.inputs.map((s) => s.input)).toEqual(["x0", "x1", "x2"]);
    for (let j = 0; j < 3; j++) {
      const h = STEP * description.inputNormalization.scale[j];
      const shifted = (d: number) =>
        Matrix.from(
          rows.map((r) => r.map((v, c) => (c === j ? v + d : v))),
          "x",
        );
      const plus = await model.evaluate(shifted(h));
      const minus = await model.evaluate(shifted(-h));
      for (let o = 0; o < 2; o++) {
        const slopes = rows.map((_, i) => (plus.data[i * 2 + o] - minus.data[i * 2 + o]) / (2 * h));
        const meanAbs = slopes.reduce((s, v) => s + Math.abs(v), 0) / slopes.length;
        const s = result.inputs[j];
        const scale = Math.max(meanAbs, 1e-12);
        expect(Math.abs(s.meanAbsoluteDerivative[o] - meanAbs)).toBeLessThan(1e-6 * scale);
        expect(Math.abs(s.derivativeSpread[o] - std(slopes))).toBeLessThan(1e-6 * scale);
        const inputSd = std(rows.map((r) => r[j]));
        const outputSd = std(rows.map((_, i) => predictions.data[i * 2 + o]));
        expect(s.meanAbsoluteDerivativeStandardised[o]).toBeCloseTo((meanAbs * inputSd) / outputSd, 5);
      }
    }
    model.delete();
  });

  it("gives a linear model's exact first-order indices within their 95 % confidence", async () => {
    const coefficients = [3, -1, 0.5];
    const network = linearNetwork(3, 1);
    const description = {
      ...sampleModel(1, network.structure),
      weights: Float64Array.from([...coefficients, 0.25]),
      inputNormalization: { shift: new Float64Array(3), scale: new Float64Array(3).fill(1) },
      outputNormalization: { shift: new Float64Array(1), scale: new Float64Array(1).fill(1) },
    };
    const model = Regressor.fromDescription(description);
    const rows = sampleInputs(
      { ...description, inputNormalization: sampleModel(2).inputNormalization },
      500,
      3,
    ).map((r) => r.slice(0, 3));
    const variances = [0, 1, 2].map((j) => std(rows.map((r) => r[j])) ** 2);
    const total = coefficients.reduce((s, a, j) => s + a * a * variances[j], 0);
    const result = await model.sensitivity(rows, { samples: 8192, seed: 3 });
    expect(result.evaluations).toBe(8192 * 5);
    result.inputs.forEach((s, j) => {
      const exact = (coefficients[j] ** 2 * variances[j]) / total;
      expect(s.firstOrderHalfWidth[0]).toBeGreaterThan(0);
      expect(s.firstOrderHalfWidth[0]).toBeLessThan(0.1);
      expect(Math.abs(s.firstOrderIndex[0] - exact)).toBeLessThan(s.firstOrderHalfWidth[0]);
      // A linear model's slope is its coefficient on every row.
      expect(s.meanAbsoluteDerivative[0]).toBeCloseTo(Math.abs(coefficients[j]), 12);
      expect(s.derivativeSpread[0]).toBeLessThan(1e-12);
    });
    // An output offset (a price around 10^5) changes neither the indices nor their precision.
    const offset = Regressor.fromDescription({
      ...description,
      weights: Float64Array.from([...coefficients, 1e5]),
    });
    const shifted = await offset.sensitivity(rows, { samples: 8192, seed: 3 });
    shifted.inputs.forEach((s, j) => {
      expect(s.firstOrderIndex[0]).toBeCloseTo(result.inputs[j].firstOrderIndex[0], 8);
      expect(s.firstOrderHalfWidth[0]).toBeCloseTo(result.inputs[j].firstOrderHalfWidth[0], 8);
    });
    offset.delete();
    model.delete();
  });

  it("reproduces with a seed, matches columns by name, and names bad arguments", async () => {
    const description = sampleModel(4, randomStructure(3, 2, 1, 9));
    const model = Regressor.fromDescription(description);
    const rows = sampleInputs(description, 10, 5);
    const a = await model.sensitivity(rows, { samples: 64, seed: 7 });
    const b = await model.sensitivity(rows, { samples: 64, seed: 7 });
    expect(b).toEqual(a);
    const reordered = {
      matrix: Matrix.from(
        rows.map((r) => [r[2], r[0], r[1]]),
        "x",
      ),
      columns: ["x2", "x0", "x1"],
    };
    expect(await model.sensitivity(reordered, { samples: 64, seed: 7 })).toEqual(a);
    await expect(model.sensitivity([rows[0]])).rejects.toThrow(
      "sensitivity: x has 1 row, at least 2 are needed",
    );
    await expect(model.sensitivity(rows, { samples: 3 })).rejects.toThrow(
      "sensitivity: samples must be an integer of at least 16, got 3",
    );
    model.delete();
    await expect(model.sensitivity(rows)).rejects.toThrow("sensitivity: this Regressor was deleted");
  });
});
