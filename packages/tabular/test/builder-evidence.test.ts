import { describe, expect, it } from "vitest";
import { logEvidence } from "../src/builder/fit.js";
import { cholesky, choleskySolve } from "../src/builder/linalg.js";
import { linearNetwork } from "../src/builder/network-edit.js";
import { penaltyDiagonal, weightPrior } from "../src/builder/prior.js";
import { seededRandom } from "../src/builder/random.js";
import { effectiveParameters } from "../src/builder/train.js";

/** ln N(y; 0, C) for a dense n × n covariance C. */
function gaussianLogDensity(y: Float64Array, c: Float64Array): number {
  const n = y.length;
  const l = cholesky(c, n);
  if (!l) throw new Error("covariance not positive definite");
  let logDet = 0;
  for (let i = 0; i < n; i++) logDet += 2 * Math.log(l[i * n + i]);
  const z = choleskySolve(l, n, y);
  let quad = 0;
  for (let i = 0; i < n; i++) quad += y[i] * z[i];
  return -0.5 * (quad + logDet + n * Math.log(2 * Math.PI));
}

describe("logEvidence", () => {
  it("is the exact marginal likelihood of a linear model (where the Laplace approximation is exact)", () => {
    const n = 12;
    const m = 2;
    const random = seededRandom(3);
    const structure = linearNetwork(m, 1).structure;
    const p = m + 1; // the links, then the output bias
    const x = new Float64Array(n * p);
    const y = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      for (let i = 0; i < m; i++) x[r * p + i] = 2 * random() - 1;
      x[r * p + m] = 1;
      y[r] = 0.8 * x[r * p] - 0.3 * x[r * p + 1] + 0.2 + 0.3 * (random() - 0.5);
    }
    // Prior scales from input variances 0.3 and 2: the links get β·v_j.
    const prior = weightPrior(structure, { inputVariance: [0.3, 2], outputVariance: 1.5 });
    const penalty = penaltyDiagonal(prior, [0.5, 0.7, 0.9]);
    expect(Array.from(penalty)).toEqual([0.9 * 0.3, 0.9 * 2, 0]);
    const jtj = new Float64Array(p * p);
    const jty = new Float64Array(p);
    for (let r = 0; r < n; r++)
      for (let a = 0; a < p; a++) {
        jty[a] += x[r * p + a] * y[r];
        for (let b = 0; b < p; b++) jtj[a * p + b] += x[r * p + a] * x[r * p + b];
      }
    // The posterior mode for noise precision b and prior precisions α = b·d (links) and 1 (the bias):
    // (b·JᵀJ + diag(α))w = b·Jᵀy. logEvidence takes b = (n − γ)/Σr² at that mode: iterate to the fixed point.
    const gamma = effectiveParameters(jtj, penalty);
    const alphaOf = (b: number) => Array.from(penalty, (d) => (d > 0 ? b * d : 1));
    const modeAt = (b: number) => {
      const alpha = alphaOf(b);
      const a = jtj.map((v) => v * b);
      for (let i = 0; i < p; i++) a[i * p + i] += alpha[i];
      const w = choleskySolve(
        cholesky(a, p) as Float64Array,
        p,
        jty.map((v) => v * b),
      );
      let sse = 0;
      for (let r = 0; r < n; r++) {
        let f = 0;
        for (let i = 0; i < p; i++) f += x[r * p + i] * w[i];
        sse += (f - y[r]) ** 2;
      }
      return { w, sse };
    };
    let b = 1;
    for (let k = 0; k < 200; k++) b = (n - gamma) / modeAt(b).sse;
    const { w, sse } = modeAt(b);
    expect((n - gamma) / sse).toBeCloseTo(b, 10);
    const evidence = logEvidence(jtj, w, penalty, sse, gamma, n, structure.hidden);

    // Direct: y ~ N(0, I/b + X·diag(1/α)·Xᵀ), with the same noise precision b and prior precisions α.
    const alpha = alphaOf(b);
    const c = new Float64Array(n * n);
    for (let r = 0; r < n; r++)
      for (let s = 0; s < n; s++) {
        let v = r === s ? 1 / b : 0;
        for (let i = 0; i < p; i++) v += (x[r * p + i] * x[s * p + i]) / alpha[i];
        c[r * n + s] = v;
      }
    expect(evidence).toBeCloseTo(gaussianLogDensity(y, c), 8);
  });
});
