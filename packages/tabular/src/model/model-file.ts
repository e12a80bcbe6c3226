/**
 * A `ModelDescription` as `.ednn` bytes and back: the header JSON (schema in
 * docs/ednn-format.md, "Header schemas") plus the weights as a float64 array
 * of the container. Bytes only, no file system: it runs everywhere.
 */
import { decodeEdnn, EdnnKind, encodeEdnn } from "../format/index.js";
import { type NetworkStructure, validateStructure, weightCount } from "../network/structure.js";
import {
  type NormalizationStatsJSON,
  normalizationFromJSON,
  normalizationToJSON,
} from "../normalization/index.js";
import type { ModelDescription, ModelErrors } from "./description.js";
import { LIBRARY_NAME, LIBRARY_VERSION } from "./library-version.js";

/** The `format` field of a model header. */
export const MODEL_HEADER_FORMAT = "neureco-model";
/** Version of the model header schema this library writes and the newest it reads. */
export const MODEL_HEADER_VERSION = 1;
/** The name of the container array holding the weights. */
export const WEIGHTS_ARRAY = "weights";

/** The JSON header of a model file (version 1). */
export interface ModelHeader {
  format: typeof MODEL_HEADER_FORMAT;
  formatVersion: number;
  /** What the model does; only "regression" so far. */
  task: "regression";
  /** The library that wrote the file (informative). */
  library: { name: string; version: string };
  structure: { inputs: number; hidden: number; outputs: number; links: [number, number][] };
  inputNormalization: NormalizationStatsJSON;
  outputNormalization: NormalizationStatsJSON;
  inputNames: string[];
  outputNames: string[];
  /** Training and validation RMSE per output (normalised units), or null. NaN is written as null. */
  errors: { training: (number | null)[]; validation: (number | null)[] } | null;
}

export function modelHeader(model: ModelDescription): ModelHeader {
  const { structure } = model;
  return {
    format: MODEL_HEADER_FORMAT,
    formatVersion: MODEL_HEADER_VERSION,
    task: "regression",
    library: { name: LIBRARY_NAME, version: LIBRARY_VERSION },
    structure: {
      inputs: structure.inputs,
      hidden: structure.hidden,
      outputs: structure.outputs,
      links: structure.links.map(([from, to]) => [from, to]),
    },
    inputNormalization: normalizationToJSON(model.inputNormalization),
    outputNormalization: normalizationToJSON(model.outputNormalization),
    inputNames: [...model.inputNames],
    outputNames: [...model.outputNames],
    errors: model.errors
      ? {
          training: model.errors.training.map(finiteOrNull),
          validation: model.errors.validation.map(finiteOrNull),
        }
      : null,
  };
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/** Serialises a model to `.ednn` bytes. */
export function modelToBytes(model: ModelDescription): Uint8Array {
  checkDescription(model, "modelToBytes");
  return encodeEdnn({
    kind: EdnnKind.model,
    header: modelHeader(model),
    arrays: { [WEIGHTS_ARRAY]: model.weights },
  });
}

/**
 * Reads a model from `.ednn` bytes. `source` (usually the file path) is named
 * in every error; the container reports truncated, corrupted, foreign and
 * newer-version files as an `EdnnFormatError`.
 */
export function modelFromBytes(bytes: Uint8Array, source: string): ModelDescription {
  const decoded = decodeEdnn(bytes, source, EdnnKind.model, parseModelHeader);
  const header = decoded.header;
  const weights = decoded.arrays[WEIGHTS_ARRAY];
  const structure = header.structure;
  const description: ModelDescription = {
    structure,
    weights: weights ?? new Float64Array(0),
    inputNormalization: normalizationFromJSON(header.inputNormalization, "inputNormalization"),
    outputNormalization: normalizationFromJSON(header.outputNormalization, "outputNormalization"),
    inputNames: header.inputNames,
    outputNames: header.outputNames,
    ...(header.errors ? { errors: errorsFromJSON(header.errors) } : {}),
  };
  try {
    if (!weights) throw new Error(`no "${WEIGHTS_ARRAY}" array`);
    checkDescription(description, "model");
  } catch (error) {
    throw new Error(`${source}: invalid model: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  return description;
}

function errorsFromJSON(errors: NonNullable<ModelHeader["errors"]>): ModelErrors {
  const toNumber = (v: number | null) => (v === null ? Number.NaN : v);
  return { training: errors.training.map(toNumber), validation: errors.validation.map(toNumber) };
}

/** Checks that the parts of a description agree with each other (sizes of weights, normalisation, names). */
export function checkDescription(model: ModelDescription, where: string): void {
  const s = model.structure;
  validateStructure(s);
  const p = weightCount(s);
  if (!(model.weights instanceof Float64Array)) {
    throw new TypeError(`${where}: weights must be a Float64Array`);
  }
  if (model.weights.length !== p) {
    throw new RangeError(`${where}: the structure has ${p} weights, got ${model.weights.length}`);
  }
  const sizes: [string, number, number][] = [
    ["inputNormalization.shift", model.inputNormalization.shift.length, s.inputs],
    ["inputNormalization.scale", model.inputNormalization.scale.length, s.inputs],
    ["outputNormalization.shift", model.outputNormalization.shift.length, s.outputs],
    ["outputNormalization.scale", model.outputNormalization.scale.length, s.outputs],
  ];
  for (const [name, got, want] of sizes) {
    if (got !== want) throw new RangeError(`${where}: ${name} has ${got} values, expected ${want}`);
  }
  if (model.inputNames.length !== 0 && model.inputNames.length !== s.inputs) {
    throw new RangeError(`${where}: ${model.inputNames.length} input names for ${s.inputs} inputs`);
  }
  if (model.outputNames.length !== 0 && model.outputNames.length !== s.outputs) {
    throw new RangeError(`${where}: ${model.outputNames.length} output names for ${s.outputs} outputs`);
  }
}

/** Validates the header JSON of a model file; throws with the first problem found. */
export function parseModelHeader(json: unknown): ModelHeader {
  const h = asObject(json, "header");
  if (h.format !== MODEL_HEADER_FORMAT) {
    throw new Error(`format is ${JSON.stringify(h.format)}, expected "${MODEL_HEADER_FORMAT}"`);
  }
  const version = h.formatVersion;
  if (typeof version !== "number" || !Number.isInteger(version) || version < 1) {
    throw new Error("formatVersion must be a positive integer");
  }
  if (version > MODEL_HEADER_VERSION) {
    throw new Error(
      `model header version ${version} is newer than this library reads (up to ${MODEL_HEADER_VERSION}); update ${LIBRARY_NAME}`,
    );
  }
  if (h.task !== "regression") throw new Error(`task is ${JSON.stringify(h.task)}, expected "regression"`);
  const library = asObject(h.library, "library");
  const s = asObject(h.structure, "structure");
  const links = s.links;
  if (!Array.isArray(links)) throw new Error("structure.links must be an array");
  links.forEach((link: unknown, i) => {
    if (!Array.isArray(link) || link.length !== 2 || !link.every((v) => typeof v === "number")) {
      throw new Error(`structure.links[${i}] must be [from, to]`);
    }
  });
  const structure: NetworkStructure = {
    inputs: asNumber(s.inputs, "structure.inputs"),
    hidden: asNumber(s.hidden, "structure.hidden"),
    outputs: asNumber(s.outputs, "structure.outputs"),
    links: links as [number, number][],
  };
  validateStructure(structure);
  return {
    format: MODEL_HEADER_FORMAT,
    formatVersion: version,
    task: "regression",
    library: { name: String(library.name), version: String(library.version) },
    structure: { ...structure, links: links as [number, number][] },
    inputNormalization: normalizationToJSON(
      normalizationFromJSON(h.inputNormalization, "inputNormalization"),
    ),
    outputNormalization: normalizationToJSON(
      normalizationFromJSON(h.outputNormalization, "outputNormalization"),
    ),
    inputNames: asStrings(h.inputNames, "inputNames"),
    outputNames: asStrings(h.outputNames, "outputNames"),
    errors: h.errors === null || h.errors === undefined ? null : parseErrors(h.errors),
  };
}

function parseErrors(json: unknown): NonNullable<ModelHeader["errors"]> {
  const e = asObject(json, "errors");
  const list = (v: unknown, name: string): (number | null)[] => {
    if (!Array.isArray(v) || !v.every((x) => x === null || typeof x === "number")) {
      throw new Error(`errors.${name} must be an array of numbers (or null)`);
    }
    return v as (number | null)[];
  };
  return { training: list(e.training, "training"), validation: list(e.validation, "validation") };
}

function asObject(v: unknown, name: string): Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Error(`${name} must be an object`);
  return v as Record<string, unknown>;
}

function asNumber(v: unknown, name: string): number {
  if (typeof v !== "number") throw new Error(`${name} must be a number`);
  return v;
}

function asStrings(v: unknown, name: string): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) {
    throw new Error(`${name} must be an array of strings`);
  }
  return [...v] as string[];
}
