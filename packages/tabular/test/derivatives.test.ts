import { seededRandom } from "@neureco/core/testing";
import { describe, expect, it } from "vitest";
import { Matrix } from "../src/matrix.js";
import type { ModelDescription } from "../src/model/description.js";
import { Regressor } from "../src/regressor/regressor.js";
import { dot, expectClose, naiveEvaluate, sampleInputs, sampleModel, uniform } from "./model-fixtures.js";

/**
 * Every derivative of the full model (normalisation included, float64 CPU
 * backend) against central finite differences of `evaluate`, plus the
 * identities that tie forward and reverse mode together.
 */

const H = 1e-5;
const FD_TOL = 1e-6;

function setup(seed: number, n: number) {
  const description = sampleModel(seed);
  const model = Regressor.fromDescription(description);
  const r = seededRandom(seed + 100);
  const p = description.weights.length;
  const { inputs: m, outputs: k } = description.structure;
  const w = uniform(r, p, -1.5, 1.5);
  // Input directions sized by the input scales, so a step of H is small in normalised units everywhere.
  const dx = Array.from({ length: n }, () =>
    Array.from(description.inputNormalization.scale, (s) => s * (2 * r() - 1)),
  );
  return {
    description,
    model,
    w,
    dw: uniform(r, p),
    x: sampleInputs(description, n, seed + 200),
    dx,
    py: Array.from({ length: n }, () => uniform(r, k)),
    n,
    m,
    k,
    p,
  };
}

const axpy = (a: number[], h: number, d: number[]) => a.map((v, i) => v + h * d[i]);
const axpyRows = (a: number[][], h: number, d: number[][]) => a.map((row, i) => axpy(row, h, d[i]));

/** (F(w + h dw, x + h dx) − F(w − h dw, x − h dx)) / 2h, row-major. */
async function centralDifference(
  model: Regressor,
  w: number[],
  dw: number[],
  x: number[][],
  dx: number[][],
): Promise<Float64Array> {
  const saved = model.getWeights();
  model.setWeights(axpy(w, H, dw));
  const plus = await model.evaluate(axpyRows(x, H, dx));
  model.setWeights(axpy(w, -H, dw));
  const minus = await model.evaluate(axpyRows(x, -H, dx));
  model.setWeights(saved);
  return plus.data.map((v, i) => (v - minus.data[i]) / (2 * H));
}

const zerosLike = (rows: number[][]) => rows.map((r) => r.map(() => 0));

describe("model derivatives (raw units, with normalisation)", () => {
  it("evaluate matches a neuron-by-neuron evaluation", async () => {
    const { description, model, x } = setup(1, 7);
    const y = await model.evaluate(x);
    expect(y.shape).toEqual([7, 2]);
    x.forEach((row, i) =>
      expectClose(y.row(i), naiveEvaluate(description, description.weights, row), 1e-13, `y row ${i}`),
    );
    model.delete();
  });

  it("forwardDerivative matches central differences, in weights and inputs together and apart", async () => {
    for (const seed of [1, 2, 3]) {
      const { model, w, dw, x, dx } = setup(seed, 6);
      const both = await model.forwardDerivative({ w: [...w], dw, x, dx });
      expectClose(both.data, await centralDifference(model, w, dw, x, dx), FD_TOL, `seed ${seed} dy`);
      const weightsOnly = await model.forwardDerivative({ w, dw, x, dx: null });
      expectClose(
        weightsOnly.data,
        await centralDifference(model, w, dw, x, zerosLike(x)),
        FD_TOL,
        `seed ${seed} dy (dw only)`,
      );
      const zeroDw = w.map(() => 0);
      const inputsOnly = await model.forwardDerivative({ w, dw: zeroDw, x, dx });
      expectClose(
        inputsOnly.data,
        await centralDifference(model, w, zeroDw, x, dx),
        FD_TOL,
        `seed ${seed} dy (dx only)`,
      );
      model.delete();
    }
  });

  it("gradient matches central differences, weight by weight and input by input", async () => {
    const { model, w, x, py, n, m, p } = setup(4, 5);
    const { dw, dx } = await model.gradient({ w, x, py });
    expect(dw.shape).toEqual([p, 1]);
    expect(dx.shape).toEqual([n, m]);
    const pyFlat = py.flat();
    const noDx = zerosLike(x);
    for (let j = 0; j < p; j++) {
      const e = w.map((_, i) => (i === j ? 1 : 0));
      const dy = await centralDifference(model, w, e, x, noDx);
      expectClose([dw.data[j]], [dot(dy, pyFlat)], FD_TOL, `dw[${j}]`);
    }
    const noDw = w.map(() => 0);
    for (let j = 0; j < m; j++) {
      // Rows are independent, so moving column j of every row at once gives ∂y_i/∂x_ij row by row.
      const ej = x.map(() => Array.from({ length: m }, (_, c) => (c === j ? 1 : 0)));
      const dy = await centralDifference(model, w, noDw, x, ej);
      const k = py[0].length;
      for (let i = 0; i < n; i++) {
        expectClose([dx.get(i, j)], [dot(dy.subarray(i * k, (i + 1) * k), py[i])], FD_TOL, `dx[${i}, ${j}]`);
      }
    }
    model.delete();
  });

  it("a disconnected input has a zero input derivative", async () => {
    const { model, w, x, py } = setup(5, 4);
    const { dx } = await model.gradient({ w, x, py });
    for (let i = 0; i < 4; i++) expect(dx.get(i, 1)).toBe(0);
    model.delete();
  });

  it("satisfies the dot-product identity ⟨J·(dw, dx), py⟩ = ⟨(dw, dx), Jᵀ·py⟩", async () => {
    for (const seed of [6, 7, 8, 9]) {
      const { model, w, dw, x, dx, py } = setup(seed, 8);
      const dy = await model.forwardDerivative({ w, dw, x, dx });
      const g = await model.gradient({ w, x, py });
      const lhs = dot(dy.data, py.flat());
      const rhs = dot(g.dw.data, dw) + dot(g.dx.data, dx.flat());
      expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(lhs)));
      model.delete();
    }
  });

  it("gradient's dw is the sum of the per-sample pullbacks, and its dx rows are the per-sample dx", async () => {
    const { model, w, x, py, p } = setup(10, 6);
    const all = await model.gradient({ w, x, py });
    const sum = new Float64Array(p);
    for (let i = 0; i < x.length; i++) {
      const one = await model.gradient({ w, x: [x[i]], py: [py[i]] });
      one.dw.data.forEach((v, j) => {
        sum[j] += v;
      });
      expectClose(all.dx.row(i), one.dx.row(0), 1e-14, `dx row ${i}`);
    }
    expectClose(all.dw.data, sum, 1e-13, "dw");
    model.delete();
  });

  it("forwardDerivative with dx null equals dx = 0", async () => {
    const { model, w, dw, x } = setup(11, 5);
    const withNull = await model.forwardDerivative({ w, dw, x, dx: null });
    const withZero = await model.forwardDerivative({ w, dw, x, dx: zerosLike(x) });
    expect(withNull.shape).toEqual([5, 2]);
    expectClose(withNull.data, withZero.data, 1e-15, "dy");
    model.delete();
  });

  it("derivatives are taken at the given w and leave the stored weights alone", async () => {
    const { description, model, w, dw, x, py } = setup(12, 4);
    const stored = model.getWeights();
    const atW = await model.forwardDerivative({ w, dw, x, dx: null });
    const atStored = await model.forwardDerivative({ w: stored, dw, x, dx: null });
    expect([...atW.data]).not.toEqual([...atStored.data]);
    await model.gradient({ w, x, py });
    expect([...model.getWeights().data]).toEqual([...description.weights]);
    const y = await model.evaluate(x);
    x.forEach((row, i) =>
      expectClose(y.row(i), naiveEvaluate(description, description.weights, row), 1e-13, `y row ${i}`),
    );
    model.delete();
  });

  it("accepts every matrix form for every argument", async () => {
    const { model, w, dw, x, dx, n, m, p } = setup(13, 3);
    const reference = await model.forwardDerivative({ w, dw, x, dx });
    const asColumn = (v: number[]) => v.map((e) => [e]);
    const shaped = (rows: number[][]) => ({
      data: Float64Array.from(rows.flat()),
      shape: [n, m] as [number, number],
    });
    const variants = [
      {
        w: asColumn(w),
        dw: Float64Array.from(dw),
        x: shaped(x),
        dx: new Matrix(Float64Array.from(dx.flat()), n, m),
      },
      {
        w: { data: [...w], shape: [p, 1] as [number, number] },
        dw: new Matrix(Float64Array.from(dw), p, 1),
        x,
        dx: shaped(dx),
      },
    ];
    for (const args of variants) {
      const dy = await model.forwardDerivative(args);
      expect(dy.toArray()).toEqual(reference.toArray());
    }
    model.delete();
  });
});

describe("model evaluation edge cases", () => {
  it("handles zero rows", async () => {
    const description: ModelDescription = sampleModel(14);
    const model = Regressor.fromDescription(description);
    expect((await model.evaluate({ data: [], shape: [0, 3] })).shape).toEqual([0, 2]);
    const g = await model.gradient({
      w: description.weights,
      x: { data: [], shape: [0, 3] },
      py: { data: [], shape: [0, 2] },
    });
    expect([...g.dw.data]).toEqual(Array(description.weights.length).fill(0));
    model.delete();
  });
});
