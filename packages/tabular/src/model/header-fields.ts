/**
 * Reading the JSON header of an `.ednn` file, model and checkpoint alike
 * (schemas in docs/ednn-format.md, "Header schemas"). Every reader takes a
 * value and its path in the header ("models[2].beta[0]") and throws a
 * `HeaderFieldError` naming that path and what it found; `decodeEdnn` turns
 * it into an `EdnnFormatError` ("invalid-header") naming the file.
 *
 * One rule for null: JSON cannot hold NaN or ±Infinity, so writers store
 * them as null. A field the schema types "number or null" reads null as NaN
 * (`numberOrNaN`), a field typed "… or null" reads null as null (`orNull`);
 * everywhere else null is refused like any other wrong type. A missing field
 * is refused unless the schema says it may be absent.
 */
import { type NetworkStructure, validateStructure, weightCount } from "../network/structure.js";
import { type NormalizationStats, normalizationFromJSON } from "../normalization/index.js";
import type { ModelDescription, ModelErrors, ModelPosterior } from "./description.js";

/** A header field that is missing, of the wrong type or inconsistent; the message starts with its path. */
export class HeaderFieldError extends Error {
  override readonly name = "HeaderFieldError";
}

export function fail(message: string): never {
  throw new HeaderFieldError(message);
}

/** The path of `key` inside the object at `path`. */
export function at(path: string, key: string | number): string {
  return typeof key === "number" ? `${path}[${key}]` : path === "" ? key : `${path}.${key}`;
}

/** How a wrong value is named in a message. */
function found(v: unknown): string {
  if (v === undefined) return "missing";
  if (v === null) return "null";
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === "object") return "an object";
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return String(v);
}

function refuse(v: unknown, path: string, expected: string): never {
  fail(`${path} is ${found(v)}, expected ${expected}`);
}

export function object(v: unknown, path: string): Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) refuse(v, path, "an object");
  return v as Record<string, unknown>;
}

/** A finite number (JSON text may still overflow to ±Infinity, as in 1e999). */
export function finiteNumber(v: unknown, path: string): number {
  if (typeof v !== "number" || !Number.isFinite(v)) refuse(v, path, "a number");
  return v;
}

/** An integer of at least `min`. */
export function integer(v: unknown, path: string, min = Number.NEGATIVE_INFINITY): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
    refuse(v, path, min === 0 ? "a non-negative integer" : min === 1 ? "a positive integer" : "an integer");
  }
  return v;
}

/** A number, or null standing for NaN (JSON writes NaN and ±Infinity as null). */
export function numberOrNaN(v: unknown, path: string): number {
  if (v === null) return Number.NaN;
  if (typeof v !== "number" || !Number.isFinite(v)) refuse(v, path, "a number or null");
  return v;
}

export function string(v: unknown, path: string): string {
  if (typeof v !== "string") refuse(v, path, "a string");
  return v;
}

/** One of `allowed`. */
export function oneOf<T extends string>(v: unknown, path: string, allowed: readonly T[]): T {
  if (!allowed.includes(v as T))
    refuse(v, path, `one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}`);
  return v as T;
}

export function list<T>(v: unknown, path: string, item: (v: unknown, path: string, index: number) => T): T[] {
  if (!Array.isArray(v)) refuse(v, path, "a list");
  return v.map((x, i) => item(x, at(path, i), i));
}

export function strings(v: unknown, path: string): string[] {
  return list(v, path, string);
}

/** null, or what `read` makes of the value; a missing field is refused (it must be written as null). */
export function orNull<T>(v: unknown, path: string, read: (v: unknown, path: string) => T): T | null {
  if (v === undefined) fail(`${path} is missing, expected a value or null`);
  return v === null ? null : read(v, path);
}

/** `{ inputs, hidden, outputs, links: [from, to][] }`, a valid network. */
export function structure(v: unknown, path: string): NetworkStructure {
  const s = object(v, path);
  const links = list(s.links, at(path, "links"), (link, p): [number, number] => {
    if (!Array.isArray(link) || link.length !== 2) refuse(link, p, "a [from, to] pair");
    return [integer(link[0], at(p, 0)), integer(link[1], at(p, 1))];
  });
  const parsed: NetworkStructure = {
    inputs: integer(s.inputs, at(path, "inputs"), 1),
    hidden: integer(s.hidden, at(path, "hidden"), 0),
    outputs: integer(s.outputs, at(path, "outputs"), 1),
    links,
  };
  try {
    validateStructure(parsed);
  } catch (error) {
    fail(`${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return parsed;
}

/**
 * Smallest normalisation scale a file may hold: the smallest normal float64,
 * 2^−1022. The normalisation code never writes a smaller one (a zero,
 * subnormal or non-finite scale becomes 1); dividing by a subnormal such as
 * 5e-324 turns every ordinary value into ±Infinity.
 */
export const MIN_SCALE = 2 ** -1022;

/**
 * Largest weight magnitude a file may hold. Builds work in normalised units
 * with a Gaussian prior on the weights, so trained weights stay many orders
 * of magnitude below it; at 1e100 a neuron's sum of w·input stays finite for
 * normalised inputs up to 1e200 over any number of links, whereas a weight
 * of 1e308 overflows to ±Infinity (then NaN) at the first product > 1.
 */
export const MAX_WEIGHT = 1e100;

/**
 * `{ shift: number[], scale: number[] }`: finite shifts, finite scales of at
 * least `MIN_SCALE` (the normalisation code only writes positive ones), as
 * many of each.
 */
export function normalization(v: unknown, path: string): NormalizationStats {
  let stats: NormalizationStats;
  try {
    stats = normalizationFromJSON(v, path);
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  stats.scale.forEach((scale, j) => {
    if (!(scale >= MIN_SCALE)) {
      fail(`${at(at(path, "scale"), j)} is ${scale}, expected a number ≥ ${MIN_SCALE} (2^-1022)`);
    }
  });
  return stats;
}

/** An RMSE: a non-negative number, or null standing for NaN. */
function rmse(v: unknown, path: string): number {
  const e = numberOrNaN(v, path);
  if (e < 0) refuse(v, path, "a non-negative number or null");
  return e;
}

/** `{ training, validation }`: RMSE per output, each a non-negative number or null (NaN). */
export function modelErrors(v: unknown, path: string): ModelErrors {
  const e = object(v, path);
  return {
    training: list(e.training, at(path, "training"), rmse),
    validation: list(e.validation, at(path, "validation"), rmse),
  };
}

/**
 * The first weight that is not finite or of magnitude above `MAX_WEIGHT`, as
 * `[i] is v, expected …` to follow the array's name; undefined when all are fine.
 */
export function badWeight(weights: Float64Array): string | undefined {
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i];
    if (!(Math.abs(w) <= MAX_WEIGHT))
      return `[${i}] is ${w}, expected a finite weight of magnitude ≤ ${MAX_WEIGHT}`;
  }
  return undefined;
}

/**
 * The named array holding the weights of the network `s` (described at
 * `structurePath`): as many as it needs, each finite and of magnitude at most
 * `MAX_WEIGHT`.
 */
export function weightsArray(
  arrays: Readonly<Record<string, Float64Array>>,
  name: string,
  s: NetworkStructure,
  structurePath: string,
): Float64Array {
  const weights = Object.hasOwn(arrays, name) ? arrays[name] : undefined;
  if (weights === undefined) fail(`array "${name}" is missing`);
  const p = weightCount(s);
  if (weights.length !== p) {
    fail(`array "${name}" has ${weights.length} values, ${structurePath} needs ${p} weights`);
  }
  const bad = badWeight(weights);
  if (bad !== undefined) fail(`array "${name}"${bad}`);
  return weights;
}

/**
 * What in a model disagrees with its structure, or undefined: the weight
 * count, the normalisation entries (one per input, one per output) and the
 * names (as many as inputs and outputs, or none).
 */
export function descriptionMismatch(model: ModelDescription): string | undefined {
  const s = model.structure;
  const p = weightCount(s);
  if (model.weights.length !== p) return `the structure has ${p} weights, got ${model.weights.length}`;
  const sizes: [string, number, number][] = [
    ["inputNormalization.shift", model.inputNormalization.shift.length, s.inputs],
    ["inputNormalization.scale", model.inputNormalization.scale.length, s.inputs],
    ["outputNormalization.shift", model.outputNormalization.shift.length, s.outputs],
    ["outputNormalization.scale", model.outputNormalization.scale.length, s.outputs],
  ];
  for (const [name, got, want] of sizes) {
    if (got !== want) return `${name} has ${got} values, expected ${want}`;
  }
  if (model.inputNames.length !== 0 && model.inputNames.length !== s.inputs) {
    return `${model.inputNames.length} input names for ${s.inputs} inputs`;
  }
  if (model.outputNames.length !== 0 && model.outputNames.length !== s.outputs) {
    return `${model.outputNames.length} output names for ${s.outputs} outputs`;
  }
  if (model.classification && model.compression) return "a model is a classifier or a compressor, not both";
  if (model.classification) return classificationMismatch(model);
  if (model.compression) return compressionMismatch(model);
  return model.posterior && posteriorMismatch(model.posterior, p, s.outputs);
}

/** What is wrong with a classifier's description, if anything (see `ModelClassification`). */
function classificationMismatch(model: ModelDescription): string | undefined {
  const { classes } = model.classification ?? { classes: [] };
  const k = model.structure.outputs;
  if (classes.length !== k + 1)
    return `a classifier of ${k} network outputs has ${k + 1} classes, got ${classes.length} class names`;
  const seen = new Set<string>();
  for (const c of classes) {
    if (seen.has(c)) return `class ${JSON.stringify(c)} is named twice`;
    seen.add(c);
  }
  if (model.outputNames.length !== 0)
    return "a classifier's output names must be empty (its outputs are its classes)";
  if (model.posterior) return "a classifier carries no error bars";
  return undefined;
}

/** What is wrong with a compressor's description, if anything (see `ModelCompression`). */
function compressionMismatch(model: ModelDescription): string | undefined {
  const { decoder, decoderWeights } = model.compression ?? { decoder: model.structure, decoderWeights: [] };
  const { inputs: m, outputs: c } = model.structure;
  if (decoder.inputs !== c || decoder.outputs !== m)
    return `a compressor's encoder gives ${c} codes from ${m} inputs, but its decoder takes ${decoder.inputs} codes to ${decoder.outputs} columns`;
  const p = weightCount(decoder);
  if (decoderWeights.length !== p) return `the decoder has ${p} weights, got ${decoderWeights.length}`;
  const bad = badWeight(Float64Array.from(decoderWeights));
  if (bad !== undefined) return `decoder weights${bad}`;
  if (model.outputNames.length !== 0)
    return "a compressor's output names must be empty (its outputs are codes)";
  if (model.posterior) return "a compressor carries no error bars";
  return undefined;
}

/** What is wrong with a posterior for p weights and k outputs, if anything. */
function posteriorMismatch(posterior: ModelPosterior, p: number, k: number): string | undefined {
  const { noiseVariance, precisionFactor } = posterior;
  if (noiseVariance.length !== k)
    return `posterior noise variances: ${noiseVariance.length} for ${k} outputs`;
  const bad = noiseVariance.findIndex((v) => !(Number.isFinite(v) && v >= 0));
  if (bad >= 0)
    return `posterior noise variance ${bad} is ${noiseVariance[bad]}, expected a finite value ≥ 0`;
  const packed = (p * (p + 1)) / 2;
  if (precisionFactor.length !== packed) {
    return `posterior precision factor has ${precisionFactor.length} values, expected ${packed} (p(p + 1)/2 for ${p} weights)`;
  }
  if (!precisionFactor.every(Number.isFinite)) return "posterior precision factor has a non-finite value";
  for (let i = 0; i < p; i++) {
    // Row i of the packed lower triangle starts at i(i + 1)/2; its diagonal entry is its last.
    if (!(precisionFactor[(i * (i + 1)) / 2 + i] > 0))
      return `posterior precision factor: diagonal entry ${i} is not positive`;
  }
  return undefined;
}
