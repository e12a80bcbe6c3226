/**
 * Test fixtures: small models with non-trivial normalisation, and a
 * neuron-by-neuron evaluation in raw units that is independent of core.
 */

import { seededRandom } from "@neureco/core/testing";
import type { Checkpoint } from "../src/builder/checkpoint.js";
import { type AutoencoderShape, autoencoder } from "../src/compressor/autoencoder.js";
import type { ModelDescription } from "../src/model/description.js";
import { type NetworkStructure, weightCount } from "../src/network/structure.js";

/**
 * 3 inputs (input 1 disconnected), 3 hidden neurons on two levels, 2 outputs;
 * links skip levels (input → output, hidden 1 → output).
 */
export const STRUCTURE: NetworkStructure = {
  inputs: 3,
  hidden: 3,
  outputs: 2,
  links: [
    [0, 3],
    [2, 3],
    [0, 4],
    [3, 5],
    [4, 5],
    [2, 5],
    [5, 6],
    [3, 6],
    [0, 7],
    [4, 7],
  ],
};

export function uniform(r: () => number, n: number, lo = -1, hi = 1): number[] {
  return Array.from({ length: n }, () => lo + (hi - lo) * r());
}

/**
 * A random link-level structure of m inputs, h hidden neurons and k outputs:
 * each neuron takes each input and earlier hidden neuron with probability
 * 0.6 (so links skip levels, hidden neurons feed hidden neurons, and some
 * neurons or inputs have no link at all), drawn from `seed`.
 */
export function randomStructure(m: number, h: number, k: number, seed: number): NetworkStructure {
  const r = seededRandom(seed);
  const links: [number, number][] = [];
  for (let to = m; to < m + h + k; to++) {
    const last = Math.min(to, m + h);
    for (let from = 0; from < last; from++) if (r() < 0.6) links.push([from, to]);
  }
  return { inputs: m, hidden: h, outputs: k, links };
}

/** A model on STRUCTURE (or `structure`) with seeded weights and raw units far from normalised ones. */
export function sampleModel(seed = 1, structure: NetworkStructure = STRUCTURE): ModelDescription {
  const r = seededRandom(seed);
  const p = weightCount(structure);
  return {
    structure,
    weights: Float64Array.from(uniform(r, p, -1.5, 1.5)),
    inputNormalization: {
      shift: Float64Array.from(uniform(r, structure.inputs, -50, 50)),
      scale: Float64Array.from(uniform(r, structure.inputs, 0.5, 20)),
    },
    outputNormalization: {
      shift: Float64Array.from(uniform(r, structure.outputs, -100, 100)),
      scale: Float64Array.from(uniform(r, structure.outputs, 0.1, 30)),
    },
    inputNames: Array.from({ length: structure.inputs }, (_, j) => `x${j}`),
    outputNames: Array.from({ length: structure.outputs }, (_, k) => `y${k}`),
    errors: {
      training: Array(structure.outputs).fill(0.01),
      validation: Array(structure.outputs).fill(0.02),
    },
  };
}

/** Inputs (n, m) in the raw range of `model`'s normalisation (shift ± 2·scale). */
export function sampleInputs(model: ModelDescription, n: number, seed = 2): number[][] {
  const r = seededRandom(seed);
  const { shift, scale } = model.inputNormalization;
  return Array.from({ length: n }, () => Array.from(shift, (s, j) => s + scale[j] * (4 * r() - 2)));
}

/** One sample through the model, neuron by neuron, in raw units: the definition. */
export function naiveEvaluate(model: ModelDescription, w: ArrayLike<number>, x: ArrayLike<number>): number[] {
  const s = model.structure;
  const value = new Float64Array(s.inputs + s.hidden + s.outputs);
  for (let j = 0; j < s.inputs; j++)
    value[j] = (x[j] - model.inputNormalization.shift[j]) / model.inputNormalization.scale[j];
  for (let n = s.inputs; n < value.length; n++) {
    let z = w[s.links.length + n - s.inputs];
    s.links.forEach(([from, to], li) => {
      if (to === n) z += w[li] * value[from];
    });
    value[n] = n < s.inputs + s.hidden ? Math.tanh(z) : z;
  }
  return Array.from(
    value.subarray(s.inputs + s.hidden),
    (v, k) => v * model.outputNormalization.scale[k] + model.outputNormalization.shift[k],
  );
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** |a − b| ≤ tol · max(1, |b|), elementwise, with a message naming the position. */
export function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  if (a.length !== b.length) throw new Error(`${what}: lengths ${a.length} and ${b.length}`);
  for (let i = 0; i < a.length; i++) {
    const err = Math.abs(a[i] - b[i]);
    if (!(err <= tol * Math.max(1, Math.abs(b[i])))) {
      throw new Error(`${what}[${i}]: ${a[i]} vs ${b[i]} (difference ${err}, tolerance ${tol})`);
    }
  }
}

/** A checkpoint of one model, `model` recorded as growth model 0 and chosen. */
export function sampleCheckpoint(model: ModelDescription, seed: number): Checkpoint {
  return {
    inputNames: model.inputNames,
    outputNames: model.outputNames,
    inputNormalization: model.inputNormalization,
    outputNormalization: model.outputNormalization,
    validationRows: [1, 4, 9],
    seed,
    models: [
      {
        number: 0,
        phase: "growth",
        structure: model.structure,
        weights: model.weights,
        beta: [0.5, 1, 2],
        errors: model.errors ?? { training: [], validation: [] },
        logEvidence: -12.5,
        elapsedMs: 30,
      },
    ],
    selected: 0,
    final: null,
    origin: null,
    finished: false,
    resume: null,
  };
}

/** A classifier of `classes` classes on a random structure of 3 inputs and 3 hidden neurons, inputs far from normalised. */
export function sampleClassifier(seed: number, classes: number): ModelDescription {
  const base = sampleModel(seed, randomStructure(3, 3, classes - 1, seed));
  return {
    ...base,
    outputNormalization: {
      shift: new Float64Array(classes - 1),
      scale: new Float64Array(classes - 1).fill(1),
    },
    outputNames: [],
    classification: { label: "kind", classes: Array.from({ length: classes }, (_, c) => `c${c}`) },
  };
}

/** A compressor of `shape` with seeded weights, inputs far from normalised. */
export function sampleCompressor(shape: AutoencoderShape, seed: number): ModelDescription {
  const { encoder, decoder } = autoencoder(shape);
  const base = sampleModel(seed, encoder);
  const r = seededRandom(seed + 1000);
  return {
    ...base,
    outputNormalization: { shift: new Float64Array(shape.code), scale: new Float64Array(shape.code).fill(1) },
    outputNames: [],
    errors: { training: [0.1], validation: [0.2] },
    compression: { decoder, decoderWeights: Float64Array.from(uniform(r, weightCount(decoder), -1.5, 1.5)) },
  };
}
