import { cpu } from "@neureco/backend-cpu";
import { tensor } from "@neureco/core";
import { Matrix } from "../src/matrix.js";
import type { ModelDescription } from "../src/model/description.js";
import { networkFunction } from "../src/network/forward.js";
import { denormalize, normalize } from "../src/normalization/index.js";

/** A small deterministic generator for test data (independent of the builder's). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** A standard normal draw from a uniform generator (Box–Muller). */
export function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** n rows of m inputs uniform in [-1, 1] and the outputs of `f`. */
export function sampleFunction(
  n: number,
  m: number,
  f: (x: Float64Array) => number[],
  seed: number,
): { x: Matrix; y: Matrix } {
  const r = lcg(seed);
  const x = new Float64Array(n * m).map(() => 2 * r() - 1);
  const first = f(x.subarray(0, m));
  const k = first.length;
  const y = new Float64Array(n * k);
  for (let i = 0; i < n; i++) y.set(f(x.subarray(i * m, (i + 1) * m)), i * k);
  return { x: new Matrix(x, n, m), y: new Matrix(y, n, k) };
}

/**
 * Friedman's first function of inputs 0–4 (mapped from [-1, 1] to [0, 1])
 * plus Gaussian noise of σ `sigma`; the other inputs are pure noise.
 */
export function friedmanWithNoiseInputs(
  rows: number,
  inputs: number,
  sigma: number,
  seed: number,
): { x: Matrix; y: Matrix } {
  const noise = lcg(seed + 1000);
  return sampleFunction(
    rows,
    inputs,
    (x) => {
      const u = Array.from(x.subarray(0, 5), (v) => (v + 1) / 2);
      return [
        10 * Math.sin(Math.PI * u[0] * u[1]) +
          20 * (u[2] - 0.5) ** 2 +
          10 * u[3] +
          5 * u[4] +
          sigma * gaussian(noise),
      ];
    },
    seed,
  );
}

/** The model's predictions in raw units. */
export function predict(model: ModelDescription, x: Matrix): Matrix {
  const backend = cpu();
  try {
    const xn = normalize(x, model.inputNormalization);
    const p = model.weights.length;
    const y = networkFunction(model.structure)(
      tensor(backend, model.weights, [1, p]),
      tensor(backend, xn.data, [...xn.shape]),
    );
    return denormalize(
      new Matrix(Float64Array.from(y.readSync()), x.shape[0], model.structure.outputs),
      model.outputNormalization,
    );
  } finally {
    backend.destroy();
  }
}

export function rmse(a: Matrix, b: Matrix): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += (a.data[i] - b.data[i]) ** 2;
  return Math.sqrt(s / a.data.length);
}
