/**
 * Error bars (model/posterior.ts): the predictive variance equals σ² +
 * gᵀA⁻¹g with g built from central finite differences of `evaluate` in the
 * weights; a built model's bars are wider outside its data than inside and
 * cover fresh rows about as often as they claim; they survive files, and a
 * model without them says so.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { noisePrecision, posteriorPrecision, priorPrecisions } from "../src/builder/fit.js";
import { cholesky } from "../src/builder/linalg.js";
import { builderRandom, normalDraw } from "../src/builder/random.js";
import { EdnnFormatError, EdnnKind, encodeEdnn } from "../src/format/index.js";
import { Regressor } from "../src/index.js";
import type { Matrix } from "../src/matrix.js";
import type { ModelDescription } from "../src/model/description.js";
import { modelHeader, modelToBytes } from "../src/model/model-file.js";
import {
  packLower,
  posteriorFromFit,
  scalePosterior,
  studentVarianceFactor,
  unpackLower,
} from "../src/model/posterior.js";
import { randomStructure, sampleInputs, sampleModel } from "./model-fixtures.js";

const STEP = 1e-6;

/** A random symmetric positive definite p × p matrix (row-major): BᵀB + I. */
function randomPrecision(p: number, seed: number): Float64Array {
  const random = builderRandom(seed);
  const b = Float64Array.from({ length: p * p }, () => 2 * random() - 1);
  const a = new Float64Array(p * p);
  for (let i = 0; i < p; i++)
    for (let j = 0; j < p; j++) {
      let s = i === j ? 1 : 0;
      for (let r = 0; r < p; r++) s += b[r * p + i] * b[r * p + j];
      a[i * p + j] = s;
    }
  return a;
}

/** Solves A·z = g by Gaussian elimination (a reference independent of the Cholesky code under test). */
function solve(a: Float64Array, g: readonly number[]): number[] {
  const p = g.length;
  const m = Array.from({ length: p }, (_, i) => [...a.slice(i * p, (i + 1) * p), g[i]]);
  for (let c = 0; c < p; c++) {
    let pivot = c;
    for (let r = c + 1; r < p; r++) if (Math.abs(m[r][c]) > Math.abs(m[pivot][c])) pivot = r;
    [m[c], m[pivot]] = [m[pivot], m[c]];
    for (let r = 0; r < p; r++) {
      if (r === c) continue;
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= p; k++) m[r][k] -= f * m[c][k];
    }
  }
  return m.map((row, i) => row[p] / row[i]);
}

/** Noisy samples of a smooth function of two inputs in [-1, 1]². */
function smoothTask(n: number, seed: number): { x: number[][]; y: number[][] } {
  const random = builderRandom(seed);
  const x = Array.from({ length: n }, () => [2 * random() - 1, 2 * random() - 1]);
  const y = x.map(([a, b]) => [Math.sin(2 * a) + 0.5 * b * b + 0.1 * normalDraw(random)]);
  return { x, y };
}

async function builtModel(): Promise<Regressor> {
  const { x, y } = smoothTask(300, 1);
  const model = new Regressor();
  await model.build({ inputData: x, outputData: y, seed: 0 });
  return model;
}

describe("predictive standard deviation", () => {
  it("is √(σ² + gᵀA⁻¹g) with g from central finite differences (random network, 2 outputs)", async () => {
    const base = sampleModel(7, randomStructure(3, 3, 2, 11));
    const p = base.weights.length;
    const a = randomPrecision(p, 3);
    const l = cholesky(a, p) as Float64Array;
    const description: ModelDescription = {
      ...base,
      posterior: { noiseVariance: [0.04, 0.25], precisionFactor: packLower(l, p) },
    };
    const model = Regressor.fromDescription(description);
    const rows = sampleInputs(description, 6, 9);
    const { y, sd } = await model.evaluate(rows, { uncertainty: true });
    expect(Array.from(y.data)).toEqual(Array.from((await model.evaluate(rows)).data));
    // ∂y/∂w by central differences, on a copy whose weights are moved.
    const moved = Regressor.fromDescription(base);
    const g: number[][][] = rows.map(() => [[], []]); // [row][output][weight]
    for (let k = 0; k < p; k++) {
      const at = (d: number) => {
        const w = base.weights.slice();
        w[k] += d;
        moved.setWeights(w);
        return moved.evaluate(rows);
      };
      const plus = await at(STEP);
      const minus = await at(-STEP);
      rows.forEach((_, i) => {
        for (let j = 0; j < 2; j++) g[i][j].push((plus.get(i, j) - minus.get(i, j)) / (2 * STEP));
      });
    }
    const scale = description.outputNormalization.scale;
    rows.forEach((_, i) => {
      for (let j = 0; j < 2; j++) {
        const z = solve(a, g[i][j]);
        const weightTerm = g[i][j].reduce((s, v, k) => s + v * z[k], 0);
        const expected = Math.sqrt(scale[j] ** 2 * [0.04, 0.25][j] + weightTerm);
        expect(Math.abs(sd.get(i, j) - expected) / expected).toBeLessThan(1e-6);
      }
    });
  });

  it("is the Student-t's: the Laplace variances times ν/(ν − 2), ν = N·k − γ residual degrees of freedom", async () => {
    const p = 4;
    const jtj = randomPrecision(p, 8);
    const penalty = Float64Array.from([0.5, 0.2, 0, 1]); // a bias (0): its fixed prior precision
    const fit = { jtj, penalty, sseByOutput: [3, 1.5], rows: 10, gamma: 3.5 };
    const posterior = posteriorFromFit(fit) as NonNullable<ReturnType<typeof posteriorFromFit>>;
    const nu = 10 * 2 - 3.5;
    const factor = nu / (nu - 2);
    expect(posterior.noiseVariance[0]).toBeCloseTo((3 / (10 - 3.5 / 2)) * factor, 14);
    expect(posterior.noiseVariance[1]).toBeCloseTo((1.5 / (10 - 3.5 / 2)) * factor, 14);
    // L·Lᵀ = A / factor, A = b·JᵀJ + diag(α) from the evidence framework's b and α.
    const b = noisePrecision(4.5, 3.5, 20);
    const a = posteriorPrecision(jtj, priorPrecisions(penalty, b), b);
    const l = unpackLower(posterior.precisionFactor, p);
    for (let i = 0; i < p; i++)
      for (let j = 0; j < p; j++) {
        let llt = 0;
        for (let r = 0; r < p; r++) llt += l[i * p + r] * l[j * p + r];
        expect(llt).toBeCloseTo(a[i * p + j] / factor, 10);
      }
    // Few residual degrees of freedom: floored at 3, a factor of 3.
    expect(studentVarianceFactor(1)).toBe(3);
    expect(studentVarianceFactor(1e6)).toBeCloseTo(1, 5);
    // Scaled, every predictive variance of a model (noise and weight term) is that many times larger.
    const base = sampleModel(7, randomStructure(3, 3, 2, 11));
    const q = base.weights.length;
    const laplace = {
      noiseVariance: [0.04, 0.25],
      precisionFactor: packLower(cholesky(randomPrecision(q, 6), q) as Float64Array, q),
    };
    const plain = Regressor.fromDescription({ ...base, posterior: laplace });
    const wider = Regressor.fromDescription({ ...base, posterior: scalePosterior(laplace, 3) });
    const rows = sampleInputs(base, 4, 2);
    const before = (await plain.evaluate(rows, { uncertainty: true })).sd;
    const after = (await wider.evaluate(rows, { uncertainty: true })).sd;
    before.data.forEach((v, i) => expect(after.data[i] / v).toBeCloseTo(Math.sqrt(3), 12));
  });

  it("of a built model is wider outside its data than inside, and covers fresh rows about as claimed", async () => {
    const model = await builtModel();
    expect(model.hasUncertainty).toBe(true);
    const inside = [
      [0, 0],
      [0.5, -0.5],
      [-0.3, 0.2],
    ];
    // 1.5 to 2.5 half-widths of the training box out.
    const outside = [
      [2.5, 0],
      [0, -2.5],
      [-2, 2],
    ];
    const mean = (m: Matrix) => m.data.reduce((s, v) => s + v, 0) / m.data.length;
    const sdInside = mean((await model.evaluate(inside, { uncertainty: true })).sd);
    const sdOutside = mean((await model.evaluate(outside, { uncertainty: true })).sd);
    expect(sdOutside).toBeGreaterThan(1.5 * sdInside);
    // Fresh rows of the same task: the central 95 % interval holds most of them.
    const fresh = smoothTask(2000, 2);
    const { y, sd } = await model.evaluate(fresh.x, { uncertainty: true });
    let within = 0;
    fresh.y.forEach(([t], i) => {
      if (Math.abs(t - y.get(i, 0)) <= 1.96 * sd.get(i, 0)) within++;
    });
    expect(within / 2000).toBeGreaterThan(0.9);
    expect(within / 2000).toBeLessThan(0.99);
  }, 60_000);

  it("survives bytes and files, and is dropped with the weights it described", async () => {
    const model = await builtModel();
    const rows = [
      [0.1, 0.2],
      [1.5, -1],
    ];
    const { sd } = await model.evaluate(rows, { uncertainty: true });
    const fromBytes = Regressor.fromBytes(model.toBytes());
    expect(Array.from((await fromBytes.evaluate(rows, { uncertainty: true })).sd.data)).toEqual(
      Array.from(sd.data),
    );
    const path = join(mkdtempSync(join(tmpdir(), "neureco-uncertainty-")), "m.ednn");
    await model.save(path);
    const loaded = new Regressor();
    await loaded.load(path);
    expect(Array.from((await loaded.evaluate(rows, { uncertainty: true })).sd.data)).toEqual(
      Array.from(sd.data),
    );
    loaded.setWeights(loaded.getWeights());
    expect(loaded.hasUncertainty).toBe(false);
    await expect(loaded.evaluate(rows, { uncertainty: true })).rejects.toThrow(/carries no error bars/);
  }, 60_000);

  it("is refused clearly for a model without a posterior, and a file missing its factor names it", async () => {
    const description = sampleModel(2);
    const model = Regressor.fromDescription(description);
    expect(model.hasUncertainty).toBe(false);
    await expect(model.evaluate(sampleInputs(description, 2), { uncertainty: true })).rejects.toThrow(
      /evaluate: this model carries no error bars: it was saved by an older version/,
    );
    const p = description.weights.length;
    const withPosterior: ModelDescription = {
      ...description,
      posterior: {
        noiseVariance: [0.1, 0.1],
        precisionFactor: packLower(cholesky(randomPrecision(p, 1), p) as Float64Array, p),
      },
    };
    expect(Regressor.fromBytes(modelToBytes(withPosterior)).hasUncertainty).toBe(true);
    const missing = encodeEdnn({
      kind: EdnnKind.model,
      header: modelHeader(withPosterior),
      arrays: { weights: description.weights },
    });
    expect(() => Regressor.fromBytes(missing, { source: "m.ednn" })).toThrow(EdnnFormatError);
    expect(() => Regressor.fromBytes(missing, { source: "m.ednn" })).toThrow(
      /array "posteriorFactor" is missing/,
    );
    expect(() =>
      Regressor.fromDescription({
        ...withPosterior,
        posterior: {
          noiseVariance: [0.1],
          precisionFactor: withPosterior.posterior?.precisionFactor ?? new Float64Array(),
        },
      }),
    ).toThrow(/posterior noise variances: 1 for 2 outputs/);
  });
});
