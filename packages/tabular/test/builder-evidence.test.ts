import { cpu } from "@neureco/backend-cpu";
import { describe, expect, it } from "vitest";
import {
  DISTINCT_NEURON_GAMMA,
  distinctHiddenNeurons,
  Fitter,
  jointEvidence,
  logEvidence,
  noisePrecision,
  SEARCH_FIT,
  validationLogLikelihood,
} from "../src/builder/fit.js";
import { buildModel } from "../src/builder/index.js";
import { cholesky, choleskySolve } from "../src/builder/linalg.js";
import { growthCandidates } from "../src/builder/moves.js";
import { addHiddenNeuron, linearNetwork } from "../src/builder/network-edit.js";
import { DeviceData } from "../src/builder/objective.js";
import { penaltyDiagonal, priorMetric, weightPrior } from "../src/builder/prior.js";
import { builderRandom } from "../src/builder/random.js";
import { matrixRows } from "../src/builder/rows.js";
import { effectiveParameters } from "../src/builder/train.js";
import { Matrix } from "../src/matrix.js";
import { gaussian, lcg } from "./builder-helpers.js";

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
    const random = builderRandom(3);
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

describe("the evidence's symmetry factor", () => {
  it("counts only the hidden neurons whose links hold DISTINCT_NEURON_GAMMA well-determined weights", () => {
    const neuron = (inputs: number[]) => ({
      sources: inputs.map((index) => ({ from: { kind: "input", index } as const, weight: 0.5 })),
      bias: 0,
      outputWeights: [1],
    });
    // 3 inputs → output links, then neuron 0 (3 in, 1 out), neuron 1 (2 in, 1 out), neuron 2 (1 in, 1 out).
    let net = linearNetwork(3, 1);
    net = addHiddenNeuron(net, neuron([0, 1, 2]));
    net = addHiddenNeuron(net, neuron([0, 1]));
    net = addHiddenNeuron(net, neuron([2]));
    const { structure } = net;
    const hiddenOf = (node: number) => (node >= 3 && node < 6 ? node - 3 : -1);
    const perLink = [0.4, 0.05, DISTINCT_NEURON_GAMMA / 2];
    const gammas = new Float64Array(net.weights.length).fill(1);
    structure.links.forEach(([from, to], i) => {
      const h = Math.max(hiddenOf(from), hiddenOf(to));
      if (h >= 0) gammas[i] = perLink[h];
    });
    // Neuron 0: 4 links × 0.4 = 1.6; neuron 1: 3 × 0.05; neuron 2: 2 × ½ = exactly the threshold.
    expect(distinctHiddenNeurons(structure, gammas)).toBe(2);
    gammas.fill(0);
    expect(distinctHiddenNeurons(structure, gammas)).toBe(0);
  });

  it("does not let neurons the prior switched off outscore the linear model on linear data", async () => {
    // y = x·a + noise: hidden neurons can only fit noise. Counted in the
    // symmetry factor, dead neurons (β at its cap) raised the evidence of
    // networks that compute the linear model with more weights.
    const n = 300;
    const m = 6;
    const random = lcg(7);
    const normal = () => gaussian(random);
    const a = [1.5, -0.8, 0.3, 0, 2, -1.2];
    const x = new Float64Array(n * m).map(() => normal());
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let v = 0.5 * normal();
      for (let j = 0; j < m; j++) v += a[j] * x[i * m + j];
      y[i] = v;
    }
    for (const seed of [0, 1, 2, 3]) {
      const { model } = await buildModel({ x: new Matrix(x, n, m), y: new Matrix(y, n, 1) }, { seed });
      expect(model.structure.hidden, `seed ${seed}`).toBe(0);
    }
  });
});

describe("validationLogLikelihood", () => {
  it("is the sum of the validation residuals' Gaussian log densities at the noise precision b = (N − γ)/Σr²", () => {
    const random = builderRandom(11);
    const train = Float64Array.from({ length: 40 }, () => random() - 0.5);
    const valid = Float64Array.from({ length: 15 }, () => 1.5 * (random() - 0.5));
    const sse = (r: Float64Array) => r.reduce((a, v) => a + v * v, 0);
    const gamma = 6.5;
    const b = noisePrecision(sse(train), gamma, train.length);
    expect(b).toBeCloseTo((train.length - gamma) / sse(train), 12);
    const direct = valid.reduce(
      (a, r) => a + gaussianLogDensity(Float64Array.of(r), Float64Array.of(1 / b)),
      0,
    );
    expect(validationLogLikelihood(sse(valid), valid.length, b)).toBeCloseTo(direct, 10);
  });

  it("is recorded for every trained network, and jointEvidence adds it to the training rows' evidence", async () => {
    const r = lcg(8);
    const sample = (rows: number) => {
      const x = new Matrix(
        Float64Array.from({ length: rows * 2 }, () => 2 * r() - 1),
        rows,
        2,
      );
      const y = new Matrix(
        Float64Array.from({ length: rows }, (_, i) => Math.sin(2 * x.data[2 * i]) + 0.1 * (r() - 0.5)),
        rows,
        1,
      );
      return { x, y };
    };
    const t = sample(50);
    const v = sample(20);
    const backend = cpu();
    try {
      const train = DeviceData.upload(backend, "float64", matrixRows(t.x, t.y));
      const valid = DeviceData.upload(backend, "float64", matrixRows(v.x, v.y));
      const fitter = new Fitter(
        backend,
        "float64",
        train,
        valid,
        undefined,
        priorMetric(matrixRows(t.x, t.y)),
      );
      const network = growthCandidates(linearNetwork(2, 1), 1, builderRandom(2))[0];
      const trained = await fitter.fit(network, [0.1, 0.1, 0.1], SEARCH_FIT);
      const b = noisePrecision(50 * trained.trainingRmse[0] ** 2, trained.gamma, 50);
      const expected = validationLogLikelihood(20 * trained.validationRmse[0] ** 2, 20, b);
      expect(trained.validationLogLikelihood).toBeCloseTo(expected, 8);
      expect(jointEvidence(trained)).toBeCloseTo(trained.evidence + expected, 8);
      // Without validation rows there is nothing to score.
      const alone = await new Fitter(backend, "float64", train, null, undefined, fitter.metric).fit(
        network,
        [0.1, 0.1, 0.1],
        SEARCH_FIT,
      );
      expect(alone.validationLogLikelihood).toBeNaN();
    } finally {
      backend.destroy();
    }
  });
});
