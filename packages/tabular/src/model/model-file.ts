/**
 * A `ModelDescription` as `.ednn` bytes and back: the header JSON (schema in
 * docs/ednn-format.md, "Header schemas") plus the weights as a float64 array
 * of the container. Bytes only, no file system: it runs everywhere.
 */
import { decodeEdnn, EdnnKind, encodeEdnn } from "../format/index.js";
import { validateStructure } from "../network/structure.js";
import { type NormalizationStatsJSON, normalizationToJSON } from "../normalization/index.js";
import type { ModelDescription } from "./description.js";
import {
  badWeight,
  descriptionMismatch,
  fail,
  finiteNumber,
  integer,
  list,
  modelErrors,
  normalization,
  object,
  oneOf,
  orNull,
  string,
  strings,
  structure,
  weightsArray,
} from "./header-fields.js";
import { LIBRARY_NAME, LIBRARY_VERSION } from "./library-version.js";

/** The `format` field of a model header. */
export const MODEL_HEADER_FORMAT = "neureco-model";
/** Version of the model header schema this library writes and the newest it reads. */
export const MODEL_HEADER_VERSION = 1;
/** The name of the container array holding the weights. */
export const WEIGHTS_ARRAY = "weights";
/** The container array holding the posterior precision factor (present with the header's `uncertainty`). */
export const POSTERIOR_FACTOR_ARRAY = "posteriorFactor";
/** The container array holding a compressor's decoder weights (present with the header's `compression`). */
export const DECODER_WEIGHTS_ARRAY = "decoderWeights";

/** The JSON header of a model file (version 1). */
export interface ModelHeader {
  format: typeof MODEL_HEADER_FORMAT;
  formatVersion: number;
  /**
   * What the model does: a Regressor's, a Classifier's (then
   * `classification` says its classes) or a Compressor's (then `structure`
   * is its encoder and `compression` holds its decoder).
   */
  task: ModelTask;
  /** The library that wrote the file (informative). */
  library: { name: string; version: string };
  structure: { inputs: number; hidden: number; outputs: number; links: [number, number][] };
  inputNormalization: NormalizationStatsJSON;
  outputNormalization: NormalizationStatsJSON;
  inputNames: string[];
  outputNames: string[];
  /** Training and validation RMSE per output (normalised units), or null. NaN is written as null. */
  errors: { training: (number | null)[]; validation: (number | null)[] } | null;
  /**
   * What error bars need beside the `posteriorFactor` array: the noise
   * variance per output (normalised units). Absent in files without error
   * bars (older ones, or a model whose weights were set after its build).
   */
  uncertainty?: { noiseVariance: number[] };
  /** With task "classification": the label column and the class names (see `ModelClassification`). */
  classification?: { label: string; classes: string[] };
  /** With task "compression": the decoder's structure (its weights: array `decoderWeights`). */
  compression?: { decoder: ModelHeader["structure"] };
}

export type ModelTask = "regression" | "classification" | "compression";

function headerStructure(s: ModelDescription["structure"]): ModelHeader["structure"] {
  return {
    inputs: s.inputs,
    hidden: s.hidden,
    outputs: s.outputs,
    links: s.links.map(([from, to]) => [from, to]),
  };
}

export function modelHeader(model: ModelDescription): ModelHeader {
  const { structure } = model;
  return {
    format: MODEL_HEADER_FORMAT,
    formatVersion: MODEL_HEADER_VERSION,
    task: model.classification ? "classification" : model.compression ? "compression" : "regression",
    library: { name: LIBRARY_NAME, version: LIBRARY_VERSION },
    structure: headerStructure(structure),
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
    ...(model.posterior ? { uncertainty: { noiseVariance: [...model.posterior.noiseVariance] } } : {}),
    ...(model.classification
      ? {
          classification: {
            label: model.classification.label,
            classes: [...model.classification.classes],
          },
        }
      : {}),
    ...(model.compression ? { compression: { decoder: headerStructure(model.compression.decoder) } } : {}),
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
    arrays: {
      [WEIGHTS_ARRAY]: model.weights,
      ...(model.posterior ? { [POSTERIOR_FACTOR_ARRAY]: model.posterior.precisionFactor } : {}),
      ...(model.compression ? { [DECODER_WEIGHTS_ARRAY]: model.compression.decoderWeights } : {}),
    },
  });
}

/**
 * Reads a model from `.ednn` bytes. `source` (usually the file path) is named
 * in every error: an `EdnnFormatError` for a truncated, corrupted, foreign or
 * newer-version file, and for a header or weights array that does not
 * describe a valid model ("invalid-header", the message naming the field).
 */
export function modelFromBytes(bytes: Uint8Array, source: string): ModelDescription {
  return decodeEdnn(bytes, source, EdnnKind.model, (json, arrays) =>
    modelFromHeader(parseModelHeader(json), arrays),
  ).header;
}

/** The model a valid header describes, with its weights from the container's arrays. */
function modelFromHeader(
  header: ModelHeader,
  arrays: Readonly<Record<string, Float64Array>>,
): ModelDescription {
  const structure = header.structure;
  const description: ModelDescription = {
    structure,
    weights: weightsArray(arrays, WEIGHTS_ARRAY, structure, "structure"),
    inputNormalization: normalization(header.inputNormalization, "inputNormalization"),
    outputNormalization: normalization(header.outputNormalization, "outputNormalization"),
    inputNames: header.inputNames,
    outputNames: header.outputNames,
    ...(header.errors ? { errors: modelErrors(header.errors, "errors") } : {}),
    ...(header.uncertainty
      ? {
          posterior: {
            noiseVariance: header.uncertainty.noiseVariance,
            precisionFactor: posteriorFactorArray(arrays),
          },
        }
      : {}),
    ...(header.classification ? { classification: header.classification } : {}),
    ...(header.compression
      ? {
          compression: {
            decoder: header.compression.decoder,
            decoderWeights: weightsArray(
              arrays,
              DECODER_WEIGHTS_ARRAY,
              header.compression.decoder,
              "compression.decoder",
            ),
          },
        }
      : {}),
  };
  const mismatch = descriptionMismatch(description);
  if (mismatch !== undefined) fail(mismatch);
  return description;
}

/** The container's posterior factor array (its values are checked with the description). */
function posteriorFactorArray(arrays: Readonly<Record<string, Float64Array>>): Float64Array {
  const factor = Object.hasOwn(arrays, POSTERIOR_FACTOR_ARRAY) ? arrays[POSTERIOR_FACTOR_ARRAY] : undefined;
  if (factor === undefined) fail(`uncertainty is given but array "${POSTERIOR_FACTOR_ARRAY}" is missing`);
  return factor;
}

/**
 * Checks that the parts of a description agree with each other (sizes of
 * weights, normalisation, names) and that its weights are ones a reader
 * accepts (finite, magnitude ≤ `MAX_WEIGHT`).
 */
export function checkDescription(model: ModelDescription, where: string): void {
  validateStructure(model.structure);
  if (!(model.weights instanceof Float64Array)) {
    throw new TypeError(`${where}: weights must be a Float64Array`);
  }
  const mismatch = descriptionMismatch(model);
  if (mismatch !== undefined) throw new RangeError(`${where}: ${mismatch}`);
  // What a reader would refuse is not written.
  const bad = badWeight(model.weights);
  if (bad !== undefined) throw new RangeError(`${where}: weights${bad}`);
}

/**
 * Validates the header JSON of a model file (field readers of
 * header-fields.ts: null only where the schema allows it); throws a
 * `HeaderFieldError` naming the first field found wrong.
 */
export function parseModelHeader(json: unknown): ModelHeader {
  const h = object(json, "header");
  if (h.format !== MODEL_HEADER_FORMAT) {
    fail(`format is ${JSON.stringify(h.format) ?? "missing"}, expected "${MODEL_HEADER_FORMAT}"`);
  }
  const version = integer(h.formatVersion, "formatVersion", 1);
  if (version > MODEL_HEADER_VERSION) {
    fail(
      `model header version ${version} is newer than this library reads (up to ${MODEL_HEADER_VERSION}); update ${LIBRARY_NAME}`,
    );
  }
  const task = oneOf(h.task, "task", ["regression", "classification", "compression"] as const);
  let classification: ModelHeader["classification"];
  if (task === "classification") {
    const c = object(h.classification, "classification");
    classification = {
      label: string(c.label, "classification.label"),
      classes: strings(c.classes, "classification.classes"),
    };
  }
  const compression =
    task === "compression"
      ? { decoder: structure(object(h.compression, "compression").decoder, "compression.decoder") }
      : undefined;
  const library = object(h.library, "library");
  const libraryName = string(library.name, "library.name");
  const libraryVersion = string(library.version, "library.version");
  const s = structure(h.structure, "structure");
  const inputNormalization = normalization(h.inputNormalization, "inputNormalization");
  const outputNormalization = normalization(h.outputNormalization, "outputNormalization");
  const inputNames = strings(h.inputNames, "inputNames");
  const outputNames = strings(h.outputNames, "outputNames");
  const errors = orNull(h.errors, "errors", modelErrors);
  const uncertainty =
    h.uncertainty === undefined
      ? undefined
      : {
          noiseVariance: list(
            object(h.uncertainty, "uncertainty").noiseVariance,
            "uncertainty.noiseVariance",
            finiteNumber,
          ),
        };
  return {
    format: MODEL_HEADER_FORMAT,
    formatVersion: version,
    task,
    library: { name: libraryName, version: libraryVersion },
    structure: { ...s, links: s.links.map(([from, to]) => [from, to]) },
    inputNormalization: normalizationToJSON(inputNormalization),
    outputNormalization: normalizationToJSON(outputNormalization),
    inputNames,
    outputNames,
    errors: errors && {
      training: errors.training.map(finiteOrNull),
      validation: errors.validation.map(finiteOrNull),
    },
    ...(uncertainty ? { uncertainty } : {}),
    ...(classification ? { classification } : {}),
    ...(compression
      ? {
          compression: {
            decoder: {
              ...compression.decoder,
              links: compression.decoder.links.map(([from, to]) => [from, to]),
            },
          },
        }
      : {}),
  };
}
