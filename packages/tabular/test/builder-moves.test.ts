import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { curvatureDirections, freshWeights } from "../src/builder/moves.js";
import { addHiddenNeuron, linearNetwork } from "../src/builder/network-edit.js";
import { builderRandom } from "../src/builder/random.js";
import { Matrix } from "../src/matrix.js";
import { gaussian, lcg } from "./builder-helpers.js";

describe("freshWeights", () => {
  const base = linearNetwork(3, 2);
  const network = addHiddenNeuron(
    { structure: base.structure, weights: base.weights.map(() => 0.7) },
    {
      sources: [0, 2].map((index) => ({ from: { kind: "input", index } as const, weight: 5 })),
      bias: 4,
      outputWeights: [3, -3],
    },
  );
  const s = network.structure;
  const firstOutput = s.inputs + s.hidden;

  it("keeps the structure, draws hidden weights and zeroes the output layer", () => {
    const fresh = freshWeights(network, builderRandom(1));
    expect(fresh.structure).toBe(s);
    expect(fresh.weights.length).toBe(network.weights.length);
    s.links.forEach(([, to], i) => {
      if (to >= firstOutput) expect(fresh.weights[i]).toBe(0);
      else expect(fresh.weights[i]).not.toBe(network.weights[i]);
    });
    const hiddenBias = fresh.weights[s.links.length];
    expect(Math.abs(hiddenBias)).toBeLessThan(1);
    expect(Array.from(fresh.weights.subarray(s.links.length + s.hidden))).toEqual([0, 0]);
  });

  it("depends only on the seed", () => {
    const a = freshWeights(network, builderRandom(3)).weights;
    expect(Array.from(freshWeights(network, builderRandom(3)).weights)).toEqual(Array.from(a));
    expect(Array.from(freshWeights(network, builderRandom(4)).weights)).not.toEqual(Array.from(a));
  });
});

describe("curvatureDirections", () => {
  /** n rows of d standard Gaussian inputs (Stein's lemma holds exactly for them). */
  function gaussianInputs(n: number, d: number, seed: number): Matrix {
    const r = lcg(seed);
    return new Matrix(
      Float64Array.from({ length: n * d }, () => gaussian(r)),
      n,
      d,
    );
  }
  function unit(v: number[]): number[] {
    const norm = Math.hypot(...v);
    return v.map((a) => a / norm);
  }
  const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i] * b[i];
    return s;
  };
  /** Residuals of f(x) = Σ_k c_k·(u_k·x)² about their mean. */
  function quadraticResiduals(x: Matrix, terms: { c: number; u: number[] }[]): Float64Array {
    const [n, d] = x.shape;
    const r = Float64Array.from({ length: n }, (_, i) =>
      terms.reduce((s, { c, u }) => s + c * dot(u, x.data.subarray(i * d, (i + 1) * d)) ** 2, 0),
    );
    const mean = r.reduce((a, b) => a + b, 0) / n;
    return r.map((v) => v - mean);
  }

  it("finds the direction a quadratic residual curves along, whatever it is", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 10 }),
        fc.integer({ min: 0, max: 1e6 }),
        fc.integer({ min: 0, max: 1e6 }),
        (d, seed, directionSeed) => {
          const x = gaussianInputs(4000, d, seed);
          const r = lcg(directionSeed);
          const u = unit(Array.from({ length: d }, () => gaussian(r)));
          const [v] = curvatureDirections(
            x,
            quadraticResiduals(x, [{ c: 1, u }]),
            1,
            [...Array(d).keys()],
            1,
          );
          expect(Math.hypot(...v)).toBeCloseTo(1, 12);
          expect(Math.abs(dot(v, u))).toBeGreaterThan(0.95);
        },
      ),
      { numRuns: 20 },
    );
  });

  it("orders directions by curvature and reads only the inputs asked for", () => {
    // Columns 0–3; the curvature lies in inputs 1 and 3, input 2 is left out.
    const x = gaussianInputs(4000, 4, 7);
    const u = [0, Math.SQRT1_2, 0, Math.SQRT1_2];
    const w = [0, Math.SQRT1_2, 0, -Math.SQRT1_2];
    const residuals = quadraticResiduals(x, [
      { c: 0.5, u: w },
      { c: 1, u },
    ]);
    const [first, second] = curvatureDirections(x, residuals, 1, [0, 1, 3], 2);
    expect(first.length).toBe(3);
    expect(Math.abs(dot(first, [0, Math.SQRT1_2, Math.SQRT1_2]))).toBeGreaterThan(0.95);
    expect(Math.abs(dot(second, [0, Math.SQRT1_2, -Math.SQRT1_2]))).toBeGreaterThan(0.95);
    expect(Math.abs(dot(first, second))).toBeLessThan(1e-9);
  });

  it("combines the outputs' curvatures, and finds none in zero residuals", () => {
    const x = gaussianInputs(4000, 3, 11);
    const a = quadraticResiduals(x, [{ c: 1, u: [1, 0, 0] }]);
    const two = new Float64Array(2 * 4000);
    a.forEach((v, i) => {
      two[2 * i + 1] = v;
    });
    const [v] = curvatureDirections(x, two, 2, [0, 1, 2], 1);
    expect(Math.abs(v[0])).toBeGreaterThan(0.95);
    expect(curvatureDirections(x, new Float64Array(4000), 1, [0, 1, 2], 2)).toEqual([]);
  });
});
