import { cpu } from "@neureco/backend-cpu";
import { seededRandom } from "@neureco/core/testing";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { DeviceData, Objective } from "../src/builder/objective.js";
import { matrixRows } from "../src/builder/rows.js";
import { classIndicators } from "../src/classifier/labels.js";
import { Matrix } from "../src/matrix.js";
import { weightCount } from "../src/network/structure.js";
import { expectClose, naiveEvaluate, randomStructure, uniform } from "./model-fixtures.js";

/**
 * The categorical likelihood's normal equations (builder/objective.ts)
 * against their definitions, on random networks: the deviance is twice the
 * summed cross-entropy of the softmax over [0, logits], Jᵀr its gradient
 * (central differences of the deviance), and the Gauss–Newton matrix
 * Σ_i J_iᵀ·(diag(q_i) − q_i·q_iᵀ)·J_i with J_i the logits' Jacobian (central
 * differences of the network).
 */
const backend = cpu();
afterAll(() => backend.destroy());

const identity = (columns: number) => ({
  shift: new Float64Array(columns),
  scale: new Float64Array(columns).fill(1),
});

function logitsOf(
  structure: ReturnType<typeof randomStructure>,
  w: ArrayLike<number>,
  x: number[],
): number[] {
  return naiveEvaluate(
    {
      structure,
      weights: Float64Array.from(w),
      inputNormalization: identity(structure.inputs),
      outputNormalization: identity(structure.outputs),
      inputNames: [],
      outputNames: [],
    },
    w,
    x,
  );
}

/** Probabilities of classes 1 … k − 1 (q) and of all k, from logits of classes 1 … k − 1. */
function softmax(z: number[]): number[] {
  const m = Math.max(0, ...z);
  const e = [Math.exp(-m), ...z.map((v) => Math.exp(v - m))];
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / total);
}

function deviance(
  structure: ReturnType<typeof randomStructure>,
  w: number[],
  x: number[][],
  cls: Int32Array,
) {
  let d = 0;
  x.forEach((row, i) => {
    d -= 2 * Math.log(softmax(logitsOf(structure, w, row))[cls[i]]);
  });
  return d;
}

const cases = fc.record({
  inputs: fc.integer({ min: 1, max: 4 }),
  hidden: fc.integer({ min: 0, max: 3 }),
  classes: fc.integer({ min: 2, max: 4 }),
  rows: fc.integer({ min: 3, max: 12 }),
  seed: fc.integer({ min: 1, max: 1e6 }),
});

describe("categorical normal equations", () => {
  it("match the cross-entropy's deviance, gradient and Gauss–Newton matrix", async () => {
    await fc.assert(
      fc.asyncProperty(cases, async ({ inputs, hidden, classes, rows, seed }) => {
        const structure = randomStructure(inputs, hidden, classes - 1, seed);
        const r = seededRandom(seed + 1);
        const p = weightCount(structure);
        const w = uniform(r, p, -1.5, 1.5);
        const x = Array.from({ length: rows }, () => uniform(r, inputs, -2, 2));
        const cls = Int32Array.from({ length: rows }, () => Math.floor(r() * classes));
        const y = classIndicators(cls, classes);
        const data = DeviceData.upload(
          backend,
          "float64",
          matrixRows(Matrix.from(x, "x"), y),
          // Small chunks, so that the sums over chunks are tested too.
          { likelihood: "categorical", chunkStackedRows: 5 },
        );
        try {
          const objective = new Objective(backend, structure, data);
          const { jtj, jtr, sse } = await objective.normalEquations(w);
          expect(sse).toBeCloseTo(deviance(structure, w, x, cls), 10);
          expect(await objective.sse(w)).toBeCloseTo(sse, 10);
          const h = 1e-6;
          const gradient = w.map((_, j) => {
            const plus = w.slice();
            const minus = w.slice();
            plus[j] += h;
            minus[j] -= h;
            return (deviance(structure, plus, x, cls) - deviance(structure, minus, x, cls)) / (4 * h);
          });
          expectClose(jtr, gradient, 1e-6, "Jᵀr");
          // Σ_i J_iᵀ H_i J_i from the logits' Jacobian by central differences.
          const expected = new Float64Array(p * p);
          for (const row of x) {
            const q = softmax(logitsOf(structure, w, row)).slice(1);
            const jac = w.map((_, j) => {
              const plus = w.slice();
              const minus = w.slice();
              plus[j] += h;
              minus[j] -= h;
              const zp = logitsOf(structure, plus, row);
              const zm = logitsOf(structure, minus, row);
              return zp.map((v, c) => (v - zm[c]) / (2 * h));
            });
            for (let a = 0; a < p; a++)
              for (let b = 0; b < p; b++) {
                let s = 0;
                for (let c = 0; c < q.length; c++)
                  for (let e = 0; e < q.length; e++)
                    s += jac[a][c] * ((c === e ? q[c] : 0) - q[c] * q[e]) * jac[b][e];
                expected[a * p + b] += s;
              }
          }
          expectClose(jtj, expected, 1e-6, "JᵀHJ");
          // The residuals are q − y.
          const residuals = await objective.residuals(w);
          x.forEach((row, i) => {
            const q = softmax(logitsOf(structure, w, row)).slice(1);
            expectClose(
              residuals.subarray(i * (classes - 1), (i + 1) * (classes - 1)),
              q.map((v, c) => v - y.data[i * (classes - 1) + c]),
              1e-12,
              `residuals row ${i}`,
            );
          });
        } finally {
          data.dispose();
        }
      }),
      { numRuns: 25 },
    );
  });

  it("keep a confident mistake's cost finite and exact", async () => {
    // Logit 800 for class 1 on a row of class 0: p(class 0) = e^-800 underflows, its cross-entropy is 800.
    const structure = { inputs: 1, hidden: 0, outputs: 1, links: [[0, 1]] as [number, number][] };
    const y = classIndicators(Int32Array.from([0]), 2);
    const data = DeviceData.upload(backend, "float64", matrixRows(Matrix.from([[1]], "x"), y), {
      likelihood: "categorical",
    });
    try {
      const objective = new Objective(backend, structure, data);
      expect(await objective.sse([800, 0])).toBeCloseTo(1600, 9);
    } finally {
      data.dispose();
    }
  });
});
