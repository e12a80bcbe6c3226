import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { seededRandom } from "@neureco/core/testing";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BuildDataError, BuildSettingsError } from "../src/builder/index.js";
import { symmetricEigen } from "../src/builder/linalg.js";
import { inputRows } from "../src/builder/rows.js";
import { autoencoder } from "../src/compressor/autoencoder.js";
import { codeSuffices, GROWTH_GAIN } from "../src/compressor/build.js";
import { Compressor } from "../src/compressor/node-compressor.js";
import { principalComponents } from "../src/compressor/pca.js";
import { Matrix } from "../src/matrix.js";
import type { ModelDescription } from "../src/model/description.js";
import { weightCount } from "../src/network/structure.js";
import { readModel } from "../src/node/read-model.js";
import { Regressor } from "../src/regressor/node-regressor.js";
import { dot, expectClose, sampleCompressor, sampleModel, uniform } from "./model-fixtures.js";

/**
 * Tabular.Compressor: the derivatives of its three maps (central
 * differences and the dot-product identity, on random shapes), its files,
 * a build on data of a known curved one-dimensional manifold, and the
 * errors bad input gets.
 */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "neureco-compressor-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const shapes = fc
  .record({ columns: fc.integer({ min: 2, max: 5 }), hidden: fc.integer({ min: 0, max: 3 }) })
  .chain(({ columns, hidden }) =>
    fc.record({
      columns: fc.constant(columns),
      hidden: fc.constant(hidden),
      code: fc.integer({ min: 1, max: columns - 1 }),
      seed: fc.integer({ min: 1, max: 10_000 }),
    }),
  );

/** Rows for each map's input: the data's raw range, or codes of about unit size. */
function mapInputs(d: ModelDescription, map: string, n: number, r: () => number): number[][] {
  if (map === "decompress") return Array.from({ length: n }, () => uniform(r, d.structure.outputs, -2, 2));
  const { shift, scale } = d.inputNormalization;
  return Array.from({ length: n }, () => Array.from(shift, (s, j) => s + scale[j] * (4 * r() - 2)));
}

describe("Compressor derivatives", () => {
  const H = 1e-6;
  const maps = ["evaluate", "compress", "decompress"] as const;

  it("forward mode matches central differences of each map, in weights and inputs", async () => {
    await fc.assert(
      fc.asyncProperty(shapes, async ({ seed, ...shape }) => {
        const d = sampleCompressor(shape, seed);
        const compressor = Compressor.fromDescription(d);
        const r = seededRandom(seed + 7);
        const w = Array.from(compressor.getWeights().data);
        const dw = uniform(r, w.length);
        for (const map of maps) {
          const x = mapInputs(d, map, 4, r);
          const dx = x.map((row) =>
            row.map((_, j) => (map === "decompress" ? 1 : d.inputNormalization.scale[j]) * (2 * r() - 1)),
          );
          const run = async (h: number) => {
            compressor.setWeights(w.map((v, j) => v + h * dw[j]));
            const xs = x.map((row, i) => row.map((v, j) => v + h * dx[i][j]));
            return map === "evaluate"
              ? compressor.evaluate(xs)
              : map === "compress"
                ? compressor.compress(xs)
                : compressor.decompress(xs);
          };
          const plus = await run(H);
          const minus = await run(-H);
          compressor.setWeights(w);
          const central = plus.data.map((v, i) => (v - minus.data[i]) / (2 * H));
          const dy = await compressor.forwardDerivative({ w, dw, x, dx, map });
          expect(dy.shape).toEqual(plus.shape);
          const scale = Math.max(1, ...central.map(Math.abs));
          expectClose(
            dy.data.map((v) => v / scale),
            central.map((v) => v / scale),
            1e-6,
            `${map} dy`,
          );
        }
        compressor.delete();
      }),
      { numRuns: 8, seed: 11 },
    );
  });

  it("⟨J·v, u⟩ = ⟨v, Jᵀ·u⟩ for each map, weights and inputs together", async () => {
    await fc.assert(
      fc.asyncProperty(shapes, async ({ seed, ...shape }) => {
        const d = sampleCompressor(shape, seed);
        const compressor = Compressor.fromDescription(d);
        const r = seededRandom(seed + 3);
        const w = uniform(r, compressor.info().weights);
        const dw = uniform(r, w.length);
        for (const map of maps) {
          const x = mapInputs(d, map, 5, r);
          const dx = x.map((row) => uniform(r, row.length));
          const outputs = map === "compress" ? shape.code : shape.columns;
          const py = Array.from({ length: 5 }, () => uniform(r, outputs));
          const jv = await compressor.forwardDerivative({ w, dw, x, dx, map });
          const g = await compressor.gradient({ w, x, py, map });
          expect(g.dw.shape).toEqual([w.length, 1]);
          expect(g.dx.shape).toEqual([5, x[0].length]);
          const left = dot(jv.data, py.flat());
          const right = dot(g.dw.data, dw) + dot(g.dx.data, dx.flat());
          expect(Math.abs(left - right)).toBeLessThan(1e-11 * Math.max(1, Math.abs(left)));
        }
        compressor.delete();
      }),
      { numRuns: 8, seed: 12 },
    );
  });

  it("compress does not depend on the decoder's weights, decompress not on the encoder's", async () => {
    const shape = { columns: 4, code: 2, hidden: 2 };
    const d = sampleCompressor(shape, 5);
    const compressor = Compressor.fromDescription(d);
    const info = compressor.info();
    const w = Array.from(compressor.getWeights().data);
    const x = mapInputs(d, "compress", 3, seededRandom(1));
    const codes = mapInputs(d, "decompress", 3, seededRandom(2));
    const ones = (rows: number, cols: number) => Array.from({ length: rows }, () => Array(cols).fill(1));
    const encoderSide = await compressor.gradient({ w, x, py: ones(3, 2), map: "compress" });
    expect(encoderSide.dw.data.subarray(info.encoderWeights).every((v) => v === 0)).toBe(true);
    expect(encoderSide.dw.data.subarray(0, info.encoderWeights).some((v) => v !== 0)).toBe(true);
    const decoderSide = await compressor.gradient({ w, x: codes, py: ones(3, 4), map: "decompress" });
    expect(decoderSide.dw.data.subarray(0, info.encoderWeights).every((v) => v === 0)).toBe(true);
    compressor.delete();
  });
});

describe("Compressor files", () => {
  it("toBytes → fromBytes and save → load keep both networks bit for bit", async () => {
    const d = sampleCompressor({ columns: 5, code: 2, hidden: 3 }, 21);
    const compressor = Compressor.fromDescription(d);
    const x = mapInputs(d, "compress", 6, seededRandom(4));
    const expected = await compressor.evaluate(x);
    const fromBytes = Compressor.fromBytes(compressor.toBytes());
    expect((await fromBytes.evaluate(x)).data).toEqual(expected.data);
    expect(fromBytes.getWeights().data).toEqual(compressor.getWeights().data);
    const path = join(dir, "sample");
    await compressor.save(path);
    const loaded = new Compressor();
    await loaded.load(path);
    expect((await loaded.evaluate(x)).data).toEqual(expected.data);
    expect((await loaded.compress(x)).data).toEqual((await compressor.compress(x)).data);
    const read = await readModel(path);
    expect(read).toBeInstanceOf(Compressor);
    // Weights set after loading are what is saved next.
    const w = Array.from(compressor.getWeights().data, (v) => v * 0.5);
    compressor.setWeights(w);
    await compressor.save(path);
    await loaded.load(path);
    expect(Array.from(loaded.getWeights().data)).toEqual(w);
    for (const c of [compressor, fromBytes, loaded, read]) c.delete();
  });

  it("a Regressor refuses a compressor's file and a Compressor a regressor's, naming the right class", async () => {
    const compressorPath = join(dir, "compressor.ednn");
    const regressorPath = join(dir, "regressor.ednn");
    const compressor = Compressor.fromDescription(sampleCompressor({ columns: 3, code: 1, hidden: 1 }, 3));
    await compressor.save(compressorPath);
    const regressor = Regressor.fromDescription(sampleModel(3));
    await regressor.save(regressorPath);
    await expect(new Regressor().load(compressorPath)).rejects.toThrow(
      /compressor's; load it with Tabular.Compressor/,
    );
    await expect(new Compressor().load(regressorPath)).rejects.toThrow(
      /regressor's; load it with Tabular.Regressor/,
    );
    compressor.delete();
    regressor.delete();
  });

  it("a decoder that does not fit the encoder is refused, naming both", () => {
    const d = sampleCompressor({ columns: 4, code: 2, hidden: 1 }, 8);
    const wrong = autoencoder({ columns: 4, code: 3, hidden: 1 }).decoder;
    expect(() =>
      Compressor.fromDescription({
        ...d,
        compression: { decoder: wrong, decoderWeights: new Float64Array(weightCount(wrong)) },
      }),
    ).toThrow(/encoder gives 2 codes from 4 inputs, but its decoder takes 3 codes to 4 columns/);
  });
});

/** The standard deviations of the curve's columns for t uniform on [−1, 1] (E t² = 1/3, …). */
const CURVE_SD = [
  Math.sqrt(1 / 3),
  Math.sqrt(1 / 5 - 1 / 9),
  Math.sqrt(0.5 - Math.sin(5) / 10),
  Math.sqrt(1 / 7 - 1 / 5 + 1 / 12),
];

/** Rows on a curve of one parameter t in four columns, with Gaussian noise of `noise` times each column's sd. */
function curve(n: number, seed: number, noise: number): number[][] {
  const r = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  return Array.from({ length: n }, () => {
    const t = 2 * r() - 1;
    return [t, t * t, Math.sin(2.5 * t), t * t * t - 0.5 * t].map(
      (v, j) => v + noise * CURVE_SD[j] * gauss(),
    );
  });
}

/** Test RMSE over all columns, in units of each column's training sd. */
function standardisedRmse(train: number[][], test: number[][], reconstructed: Matrix): number {
  const m = train[0].length;
  let s = 0;
  for (let j = 0; j < m; j++) {
    const mean = train.reduce((a, row) => a + row[j], 0) / train.length;
    const sd = Math.sqrt(train.reduce((a, row) => a + (row[j] - mean) ** 2, 0) / train.length);
    test.forEach((row, i) => {
      s += ((reconstructed.data[i * m + j] - row[j]) / sd) ** 2;
    });
  }
  return Math.sqrt(s / (test.length * m));
}

describe("Compressor build", () => {
  it("finds the one code of a curve that principal components need more for, and reconstructs it far better", async () => {
    const train = curve(500, 1, 0.02);
    const test = curve(300, 2, 0.02);
    const compressor = new Compressor();
    const history = await compressor.build({ inputData: train, seed: 0 });
    expect(history.codeSize).toBe(1);
    expect(compressor.info().codeSize).toBe(1);
    expect(compressor.info().hiddenNeurons).toBeGreaterThan(0);
    const ours = standardisedRmse(train, test, await compressor.evaluate(test));
    // Principal components with the same one code, on the same standardised columns.
    const pca = Compressor.fromDescription({
      ...compressor.toDescription(),
      ...linearCompressor(train, 1),
    });
    const linear = standardisedRmse(train, test, await pca.evaluate(test));
    expect(ours).toBeLessThan(linear / 3);
    // The codes are what decompress takes back.
    const codes = await compressor.compress(test);
    expect(codes.shape).toEqual([300, 1]);
    expect((await compressor.decompress(codes)).data).toEqual((await compressor.evaluate(test)).data);
    const scores = await compressor.score(test);
    expect(scores.rmse).toHaveLength(4);
    expect(scores.normalizedRmse).toBeCloseTo(ours, 10);
    compressor.delete();
    pca.delete();
  }, 120_000);

  it("a build stopped by its signal keeps the best network found so far", async () => {
    const x = curve(300, 5, 0.02);
    const controller = new AbortController();
    const compressor = new Compressor();
    const history = await compressor.build({
      inputData: x,
      seed: 0,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === "growth") controller.abort();
      },
    });
    const first = history.models.find((m) => m.phase === "growth");
    expect(history.aborted).toBe(true);
    expect(history.final).toBeNull();
    // Stopped while growing the first code's network: the first code's best so far, the grown one
    // when it beat the principal components by the growth gain.
    expect(history.codeSize).toBe(1);
    const kept = history.models[history.selectedModel];
    expect(kept.codeSize).toBe(1);
    const principal = history.models[0];
    expect(kept).toBe(
      first && first.validationError ** 2 < principal.validationError ** 2 * (1 - GROWTH_GAIN)
        ? first
        : principal,
    );
    expect(compressor.info().hiddenNeurons).toBe(kept.hiddenNeurons);
    expect((await compressor.evaluate(x)).shape).toEqual([300, 4]);
    compressor.delete();
  }, 120_000);

  it("a given compressionSize is kept", async () => {
    const compressor = new Compressor();
    const history = await compressor.build({ inputData: curve(120, 3, 0.05), compressionSize: 2, seed: 1 });
    expect(history.codeSize).toBe(2);
    expect(compressor.info().codeSize).toBe(2);
    compressor.delete();
  }, 120_000);

  it("a code suffices when it leaves at most 5 % of what the largest code explains", () => {
    // No code leaves 1, the largest 0.1: 0.9 is explained, and a code may leave 0.1 + 0.045.
    expect(codeSuffices(0.144, 0.1, 1)).toBe(true);
    expect(codeSuffices(0.146, 0.1, 1)).toBe(false);
    expect(codeSuffices(0.1, 0.1, 0.1)).toBe(true);
  });

  it("bad input gets errors that name it", async () => {
    const compressor = new Compressor();
    await expect(compressor.build({ inputData: [[1], [2], [3], [4]] })).rejects.toThrow(BuildDataError);
    await expect(compressor.build({ inputData: [[1], [2], [3], [4]] })).rejects.toThrow(
      /1 column; a compressor needs at least 2/,
    );
    const x = curve(20, 4, 0.1);
    await expect(compressor.build({ inputData: x, compressionSize: 4 })).rejects.toThrow(BuildSettingsError);
    await expect(compressor.build({ inputData: x, compressionSize: 4 })).rejects.toThrow(
      /compressionSize must be an integer from 1 to 3/,
    );
    const withNaN = x.map((row) => [...row]);
    withNaN[6][2] = Number.NaN;
    await expect(compressor.build({ inputData: withNaN })).rejects.toThrow(
      /inputData: value at row 6, column 2 is NaN/,
    );
    await expect(
      compressor.build({ inputData: x, outputData: x } as unknown as Parameters<Compressor["build"]>[0]),
    ).rejects.toThrow(/outputData does not apply to a compressor/);
    await expect(
      compressor.build({ inputData: x, checkpointAddress: "c" } as unknown as Parameters<
        Compressor["build"]
      >[0]),
    ).rejects.toThrow(/keeps no checkpoint/);
    await expect(compressor.compress(x)).rejects.toThrow(/no model yet/);
    const loaded = Compressor.fromDescription(sampleCompressor({ columns: 4, code: 2, hidden: 0 }, 9));
    await expect(loaded.compress([[1, 2, 3]])).rejects.toThrow("x: expected shape (any, 4), got (1, 3)");
    await expect(loaded.decompress([[1, 2, 3]])).rejects.toThrow(
      "codes: expected shape (any, 2), got (1, 3)",
    );
    await expect(
      loaded.forwardDerivative({
        w: loaded.getWeights(),
        dw: loaded.getWeights(),
        x: [[1, 2, 3, 4]],
        dx: null,
        map: "encode" as "compress",
      }),
    ).rejects.toThrow(/map must be one of "evaluate", "compress", "decompress", got "encode"/);
    await expect(
      loaded.forwardDerivative({ w: [1, 2], dw: [1, 2], x: [[1, 2, 3, 4]], dx: null }),
    ).rejects.toThrow("w: expected shape (22, 1), got (2, 1)");
    loaded.delete();
    compressor.delete();
  });
});

/** The compression of the c leading principal components of x's standardised columns, as the builder starts from. */
function linearCompressor(
  x: number[][],
  code: number,
): Pick<ModelDescription, "structure" | "weights" | "compression"> {
  const m = x[0].length;
  const n = x.length;
  const mean = Array.from({ length: m }, (_, j) => x.reduce((a, row) => a + row[j], 0) / n);
  const sd = mean.map((mu, j) => Math.sqrt(x.reduce((a, row) => a + (row[j] - mu) ** 2, 0) / n));
  const standardised = new Matrix(
    Float64Array.from(x.flatMap((row) => row.map((v, j) => (v - mean[j]) / sd[j]))),
    n,
    m,
  );
  const pca = principalComponents(inputRows(standardised));
  const { encoder, decoder } = autoencoder({ columns: m, code, hidden: 0 });
  const e = new Float64Array(weightCount(encoder));
  const dWeights = new Float64Array(weightCount(decoder));
  for (let j = 0; j < code; j++) {
    const v = pca.components[j];
    for (let i = 0; i < m; i++) {
      e[i * code + j] = v[i];
      e[m * code + j] -= v[i] * pca.mean[i];
      dWeights[j * m + i] = v[i];
    }
  }
  for (let i = 0; i < m; i++) dWeights[code * m + i] = pca.mean[i];
  return { structure: encoder, weights: e, compression: { decoder, decoderWeights: dWeights } };
}

describe("principal components", () => {
  it("symmetricEigen gives A·v = λ·v, orthonormal vectors, by decreasing λ, even for nearly equal eigenvalues", () => {
    const r = seededRandom(5);
    for (const d of [2, 5, 12]) {
      // Q·diag(λ)·Qᵀ with two eigenvalues 1e-9 apart, Q from the eigenvectors of a random symmetric matrix.
      const b = new Float64Array(d * d);
      for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) b[i * d + j] = b[j * d + i] = 2 * r() - 1;
      const q = symmetricEigen(b, d).vectors;
      const lambda = Array.from({ length: d }, (_, i) => (i < 2 ? 3 + i * 1e-9 : 1 / (i + 1)));
      const a = new Float64Array(d * d);
      for (let i = 0; i < d; i++)
        for (let j = 0; j < d; j++) for (let k = 0; k < d; k++) a[i * d + j] += q[k][i] * lambda[k] * q[k][j];
      const { values, vectors } = symmetricEigen(a, d);
      expectClose(
        values,
        [...lambda].sort((x, y) => y - x),
        1e-12,
        `d ${d} values`,
      );
      vectors.forEach((v, k) => {
        const av = Array.from({ length: d }, (_, i) => dot(a.subarray(i * d, (i + 1) * d), v));
        expectClose(
          av,
          Array.from(v, (x) => values[k] * x),
          1e-12,
          `d ${d} A·v${k}`,
        );
        vectors.forEach((u, l) => expect(Math.abs(dot(u, v) - (k === l ? 1 : 0))).toBeLessThan(1e-12));
      });
    }
  });
});
