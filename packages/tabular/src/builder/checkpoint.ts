/**
 * The build checkpoint: every accepted model of a build, in order, with its
 * errors, plus what is needed to continue the build (normalisation and the
 * validation rows). Stored in the `.ednn` container with kind "checkpoint";
 * the header schema is documented in docs/ednn-format.md ("Checkpoint header").
 */
import { decodeEdnn, EdnnFormatError, EdnnKind, encodeEdnn } from "../format/index.js";
import type { ModelDescription, ModelErrors } from "../model/description.js";
import { type NetworkStructure, validateStructure, weightCount } from "../network/structure.js";
import {
  type NormalizationStats,
  type NormalizationStatsJSON,
  normalizationFromJSON,
  normalizationToJSON,
} from "../normalization/index.js";
import type { BuildPhase } from "./settings.js";

export const CHECKPOINT_FORMAT = "neureco.checkpoint";
export const CHECKPOINT_HEADER_VERSION = 1;

export interface CheckpointModel {
  /** Position in the build, from 0. */
  readonly number: number;
  readonly phase: BuildPhase;
  readonly structure: NetworkStructure;
  readonly weights: Float64Array;
  /**
   * Prior strengths it was trained with, per weight group: [links into
   * hidden neurons, hidden → output links, input → output links] (see
   * prior.ts). Older checkpoints hold two: [into hidden, into outputs].
   */
  readonly beta: readonly number[];
  /** RMSE per output in normalised units (validation: NaN-free, on the held-out rows). */
  readonly errors: ModelErrors;
  /** Log evidence on the rows it was trained on (NaN when unknown: older checkpoints). */
  readonly logEvidence: number;
  /** Milliseconds from the start of the build (of the run that produced it). */
  readonly elapsedMs: number;
}

export interface Checkpoint {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputNormalization: NormalizationStats;
  readonly outputNormalization: NormalizationStats;
  /** Rows of the training data held out for validation (empty when validation data was given separately). */
  readonly validationRows: readonly number[];
  readonly seed: number;
  readonly models: readonly CheckpointModel[];
  /** Number of the model the build chose, once it has chosen. */
  readonly selected: number | null;
  /** The chosen structure refitted on all rows (finalLearning), once done. */
  readonly final: Omit<CheckpointModel, "number"> | null;
}

interface ModelEntryJSON {
  number?: number;
  phase: BuildPhase;
  structure: { inputs: number; hidden: number; outputs: number; links: [number, number][] };
  beta: number[];
  errors: { training: (number | null)[]; validation: (number | null)[] };
  logEvidence?: number | null;
  elapsedMs: number;
}

interface HeaderJSON {
  format: string;
  version: number;
  inputNames: string[];
  outputNames: string[];
  inputNormalization: NormalizationStatsJSON;
  outputNormalization: NormalizationStatsJSON;
  seed: number;
  models: ModelEntryJSON[];
  selected: number | null;
  final: ModelEntryJSON | null;
}

const PHASES: readonly BuildPhase[] = [
  "linear",
  "growth",
  "inputs",
  "links",
  "restart",
  "switched-off",
  "frozen",
  "final",
];
/**
 * Checkpoints written before link removal and the removal of switched-off
 * links had names of their own called both "pruning"; read as "links".
 */
const LEGACY_PHASES: Readonly<Record<string, BuildPhase>> = { pruning: "links" };

function entryJSON(m: Omit<CheckpointModel, "number"> & { number?: number }): ModelEntryJSON {
  const s = m.structure;
  return {
    ...(m.number === undefined ? {} : { number: m.number }),
    phase: m.phase,
    structure: {
      inputs: s.inputs,
      hidden: s.hidden,
      outputs: s.outputs,
      links: s.links.map(([a, b]) => [a, b]),
    },
    beta: [...m.beta],
    errors: { training: [...m.errors.training], validation: [...m.errors.validation] },
    logEvidence: Number.isFinite(m.logEvidence) ? m.logEvidence : null,
    elapsedMs: m.elapsedMs,
  };
}

export function encodeCheckpoint(c: Checkpoint): Uint8Array {
  const header: HeaderJSON = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_HEADER_VERSION,
    inputNames: [...c.inputNames],
    outputNames: [...c.outputNames],
    inputNormalization: normalizationToJSON(c.inputNormalization),
    outputNormalization: normalizationToJSON(c.outputNormalization),
    seed: c.seed,
    models: c.models.map(entryJSON),
    selected: c.selected,
    final: c.final ? entryJSON(c.final) : null,
  };
  const arrays: Record<string, Float64Array> = { validationRows: Float64Array.from(c.validationRows) };
  for (const m of c.models) arrays[`model.${m.number}.weights`] = m.weights;
  if (c.final) arrays["final.weights"] = c.final.weights;
  return encodeEdnn({ kind: EdnnKind.checkpoint, header, arrays });
}

function fail(message: string): never {
  throw new Error(message);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function numberList(v: unknown, what: string): number[] {
  if (!Array.isArray(v)) fail(`${what} is not a list`);
  // JSON writes NaN as null; errors may legitimately be NaN (no validation rows).
  return v.map((x, i) =>
    x === null ? Number.NaN : typeof x === "number" ? x : fail(`${what}[${i}] is not a number`),
  );
}

function stringList(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || !v.every((s) => typeof s === "string")) fail(`${what} is not a list of strings`);
  return v as string[];
}

function parseEntry(
  v: unknown,
  what: string,
  weights: Float64Array | undefined,
): Omit<CheckpointModel, "number"> {
  if (!isRecord(v)) fail(`${what} is not an object`);
  const phase = (typeof v.phase === "string" ? (LEGACY_PHASES[v.phase] ?? v.phase) : v.phase) as BuildPhase;
  if (!PHASES.includes(phase)) fail(`${what}.phase is ${JSON.stringify(v.phase)}`);
  const s = v.structure;
  if (!isRecord(s) || !Array.isArray(s.links)) fail(`${what}.structure is missing its links`);
  const structure: NetworkStructure = {
    inputs: s.inputs as number,
    hidden: s.hidden as number,
    outputs: s.outputs as number,
    links: (s.links as unknown[]).map((l, i) =>
      Array.isArray(l) && l.length === 2
        ? ([l[0], l[1]] as const)
        : fail(`${what}.structure.links[${i}] is not a [from, to] pair`),
    ),
  };
  try {
    validateStructure(structure);
  } catch (error) {
    fail(`${what}.structure: ${(error as Error).message}`);
  }
  if (!weights) fail(`${what} has no weights array`);
  if (weights.length !== weightCount(structure))
    fail(`${what} has ${weights.length} weights, its structure needs ${weightCount(structure)}`);
  const errors = isRecord(v.errors) ? v.errors : fail(`${what}.errors is missing`);
  return {
    phase,
    structure,
    weights,
    beta: numberList(v.beta, `${what}.beta`),
    errors: {
      training: numberList(errors.training, `${what}.errors.training`),
      validation: numberList(errors.validation, `${what}.errors.validation`),
    },
    logEvidence:
      v.logEvidence === undefined || v.logEvidence === null
        ? Number.NaN
        : typeof v.logEvidence === "number"
          ? v.logEvidence
          : fail(`${what}.logEvidence is not a number`),
    elapsedMs: typeof v.elapsedMs === "number" ? v.elapsedMs : fail(`${what}.elapsedMs is not a number`),
  };
}

function parseHeader(raw: unknown, arrays: Readonly<Record<string, Float64Array>>): Checkpoint {
  if (!isRecord(raw) || raw.format !== CHECKPOINT_FORMAT) fail(`not a ${CHECKPOINT_FORMAT} header`);
  if (typeof raw.version !== "number" || raw.version > CHECKPOINT_HEADER_VERSION) {
    fail(
      `checkpoint header version ${String(raw.version)} is newer than this library reads (${CHECKPOINT_HEADER_VERSION}); update @neureco/tabular`,
    );
  }
  if (!Array.isArray(raw.models)) fail("models is not a list");
  const models = raw.models.map((entry, i): CheckpointModel => {
    const number = isRecord(entry) ? entry.number : undefined;
    if (number !== i) fail(`models[${i}] has number ${String(number)}, expected ${i}`);
    return { number: i, ...parseEntry(entry, `models[${i}]`, arrays[`model.${i}.weights`]) };
  });
  const selected = raw.selected;
  if (
    selected !== null &&
    !(typeof selected === "number" && Number.isInteger(selected) && selected >= 0 && selected < models.length)
  ) {
    fail(`selected (${String(selected)}) is not a model of the checkpoint`);
  }
  const validationRows = arrays.validationRows
    ? Array.from(arrays.validationRows)
    : fail("validationRows array is missing");
  return {
    inputNames: stringList(raw.inputNames, "inputNames"),
    outputNames: stringList(raw.outputNames, "outputNames"),
    inputNormalization: normalizationFromJSON(raw.inputNormalization, "inputNormalization"),
    outputNormalization: normalizationFromJSON(raw.outputNormalization, "outputNormalization"),
    validationRows,
    seed: typeof raw.seed === "number" ? raw.seed : fail("seed is not a number"),
    models,
    selected: selected as number | null,
    final:
      raw.final === null || raw.final === undefined
        ? null
        : parseEntry(raw.final, "final", arrays["final.weights"]),
  };
}

/** Reads a checkpoint; every problem is an EdnnFormatError naming `source`. */
export function decodeCheckpoint(bytes: Uint8Array, source: string): Checkpoint {
  const decoded = decodeEdnn<unknown>(bytes, source, EdnnKind.checkpoint);
  try {
    return parseHeader(decoded.header, decoded.arrays);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new EdnnFormatError(source, "invalid-header", `invalid checkpoint header: ${detail}`);
  }
}

/** A checkpoint model as a model description. */
export function checkpointModelDescription(
  c: Checkpoint,
  model: Omit<CheckpointModel, "number">,
): ModelDescription {
  return {
    structure: model.structure,
    weights: model.weights.slice(),
    inputNormalization: c.inputNormalization,
    outputNormalization: c.outputNormalization,
    inputNames: c.inputNames,
    outputNames: c.outputNames,
    errors: model.errors,
  };
}
