/**
 * The build checkpoint: every accepted model of a build, in order, with its
 * errors, plus what is needed to continue the build (normalisation and the
 * validation rows). Stored in the `.ednn` container with kind "checkpoint";
 * the header schema is documented in docs/ednn-format.md ("Checkpoint header").
 */
import { decodeEdnn, EdnnKind, encodeEdnn } from "../format/index.js";
import type { ModelDescription, ModelErrors } from "../model/description.js";
import {
  at,
  descriptionMismatch,
  fail,
  finiteNumber,
  integer,
  list,
  modelErrors,
  normalization,
  numberOrNaN,
  object,
  oneOf,
  orNull,
  string,
  strings,
  structure as structureField,
  weightsArray,
} from "../model/header-fields.js";
import type { NetworkStructure } from "../network/structure.js";
import {
  type NormalizationStats,
  type NormalizationStatsJSON,
  normalizationToJSON,
} from "../normalization/index.js";
import type { BuildFingerprint } from "./fingerprint.js";
import { BETA_GROUPS } from "./prior.js";
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

/** What a phase keeps between its steps, recorded with each accepted model: numbers only. */
export type PhaseState = Readonly<Record<string, number | readonly number[]>>;

/**
 * Where the build stood right after it accepted its last model: enough for
 * a resumed build to go on exactly as the uninterrupted build did
 * (driver.ts, "Resuming").
 */
export interface ResumePoint {
  /** Version of the plan whose steps `step` counts (driver.ts `RESUME_PLAN`). */
  readonly plan: number;
  /** Number of the model accepted: the last of the checkpoint. */
  readonly model: number;
  /** Step that accepted it: 0 the start, then the search phases, the selection, the finishing phases. */
  readonly step: number;
  /** That phase's own state right after the acceptance. */
  readonly state: PhaseState;
  /** The state of the build's generator (random.ts). */
  readonly random: number;
  /** `PhaseContext.growthHeldBackAt`. */
  readonly heldBackAt: number | null;
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
  /** The data and settings of the build that wrote it (null in checkpoints written before it was recorded). */
  readonly origin: BuildFingerprint | null;
  /** Whether the build ran to its end (not aborted); false in checkpoints written before it was recorded. */
  readonly finished: boolean;
  /** Where to go on from the last model (null in checkpoints written before it was recorded). */
  readonly resume: ResumePoint | null;
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
  origin: BuildFingerprint | null;
  finished: boolean;
  resume: ResumePoint | null;
}

const PHASES: readonly BuildPhase[] = [
  "linear",
  "growth",
  "inputs",
  "links",
  "restart",
  "switched-off",
  "prior",
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
    origin: c.origin,
    finished: c.finished,
    resume: c.resume,
  };
  const arrays: Record<string, Float64Array> = { validationRows: Float64Array.from(c.validationRows) };
  for (const m of c.models) arrays[`model.${m.number}.weights`] = m.weights;
  if (c.final) arrays["final.weights"] = c.final.weights;
  return encodeEdnn({ kind: EdnnKind.checkpoint, header, arrays });
}

function boolean(v: unknown, path: string): boolean {
  if (typeof v !== "boolean") fail(`${path} is ${JSON.stringify(v) ?? "missing"}, expected true or false`);
  return v;
}

/** The `origin` entry: the shape and hash of the build's data and its settings (fingerprint.ts). */
function fingerprint(v: unknown, path: string): BuildFingerprint {
  const o = object(v, path);
  const data = string(o.data, at(path, "data"));
  if (!/^[0-9a-f]{16}$/.test(data))
    fail(`${at(path, "data")} is ${JSON.stringify(data)}, expected 16 hex digits`);
  const settingsObject = object(o.settings, at(path, "settings"));
  const settings: Record<string, string | number | boolean> = {};
  for (const [name, value] of Object.entries(settingsObject)) {
    const where = at(at(path, "settings"), name);
    if (typeof value === "number") settings[name] = finiteNumber(value, where);
    else if (typeof value === "string" || typeof value === "boolean") settings[name] = value;
    else fail(`${where} is ${JSON.stringify(value)}, expected a number, a string or true or false`);
  }
  return {
    rows: integer(o.rows, at(path, "rows"), 1),
    inputs: integer(o.inputs, at(path, "inputs"), 1),
    outputs: integer(o.outputs, at(path, "outputs"), 1),
    validationDataRows: integer(o.validationDataRows, at(path, "validationDataRows"), 0),
    data,
    settings,
  };
}

/** The `resume` entry, against the checkpoint's `models` count. */
function resumePoint(v: unknown, path: string, models: number): ResumePoint {
  const o = object(v, path);
  const model = integer(o.model, at(path, "model"), 0);
  if (model !== models - 1)
    fail(`${at(path, "model")} is ${model}, expected the checkpoint's last model (${models - 1})`);
  const random = integer(o.random, at(path, "random"), 0);
  if (random > 0xffffffff)
    fail(`${at(path, "random")} is ${random}, expected a 32-bit state (at most 4294967295)`);
  const stateObject = object(o.state, at(path, "state"));
  const state: Record<string, number | readonly number[]> = {};
  for (const [name, value] of Object.entries(stateObject)) {
    const where = at(at(path, "state"), name);
    state[name] = Array.isArray(value) ? list(value, where, finiteNumber) : finiteNumber(value, where);
  }
  return {
    plan: integer(o.plan, at(path, "plan"), 1),
    model,
    step: integer(o.step, at(path, "step"), 0),
    state,
    random,
    heldBackAt: orNull(o.heldBackAt, at(path, "heldBackAt"), (h, where) => {
      const n = integer(h, where, 0);
      if (n > models) fail(`${where} is ${n}, but the checkpoint holds ${models} models`);
      return n;
    }),
  };
}

/** A finite number ≥ 0. */
function nonNegative(v: unknown, path: string): number {
  const n = finiteNumber(v, path);
  if (n < 0) fail(`${path} is ${n}, expected a number ≥ 0`);
  return n;
}

/** A model entry of the header (`path`: "models[3]" or "final") with its weights array. */
function parseEntry(
  json: unknown,
  path: string,
  arrays: Readonly<Record<string, Float64Array>>,
  weightsName: string,
): Omit<CheckpointModel, "number"> {
  const v = object(json, path);
  const phase = oneOf(
    typeof v.phase === "string" ? (LEGACY_PHASES[v.phase] ?? v.phase) : v.phase,
    at(path, "phase"),
    PHASES,
  );
  const structure = structureField(v.structure, at(path, "structure"));
  // β ≥ 0: the build starts from initialBetaReg (≥ 0, so 0 is possible) and caps it at BETA_MAX.
  const beta = list(v.beta, at(path, "beta"), nonNegative);
  if (beta.length !== BETA_GROUPS && beta.length !== 2) {
    fail(`${at(path, "beta")} has ${beta.length} values, expected ${BETA_GROUPS} (or 2 in older files)`);
  }
  return {
    phase,
    structure,
    weights: weightsArray(arrays, weightsName, structure, at(path, "structure")),
    beta,
    errors: modelErrors(v.errors, at(path, "errors")),
    // Absent in checkpoints written before the evidence was recorded.
    logEvidence:
      v.logEvidence === undefined ? Number.NaN : numberOrNaN(v.logEvidence, at(path, "logEvidence")),
    elapsedMs: nonNegative(v.elapsedMs, at(path, "elapsedMs")),
  };
}

/**
 * Validates the header with the field readers model files use
 * (header-fields.ts: the same types, the same rule for null), and the
 * weights and validation rows against it.
 */
function parseHeader(json: unknown, arrays: Readonly<Record<string, Float64Array>>): Checkpoint {
  const raw = object(json, "header");
  if (raw.format !== CHECKPOINT_FORMAT) {
    fail(`format is ${JSON.stringify(raw.format) ?? "missing"}, expected "${CHECKPOINT_FORMAT}"`);
  }
  const version = integer(raw.version, "version", 1);
  if (version > CHECKPOINT_HEADER_VERSION) {
    fail(
      `checkpoint header version ${version} is newer than this library reads (${CHECKPOINT_HEADER_VERSION}); update @neureco/tabular`,
    );
  }
  const inputNames = strings(raw.inputNames, "inputNames");
  const outputNames = strings(raw.outputNames, "outputNames");
  const inputNormalization = normalization(raw.inputNormalization, "inputNormalization");
  const outputNormalization = normalization(raw.outputNormalization, "outputNormalization");
  const seed = finiteNumber(raw.seed, "seed");
  const parts = { inputNames, outputNames, inputNormalization, outputNormalization };
  const agreeing = <M extends Omit<CheckpointModel, "number">>(model: M, path: string): M => {
    const mismatch = descriptionMismatch({ ...parts, structure: model.structure, weights: model.weights });
    if (mismatch !== undefined) fail(`${path}: ${mismatch}`);
    return model;
  };
  const models = list(raw.models, "models", (entry, path, i): CheckpointModel => {
    const number = integer(object(entry, path).number, at(path, "number"), 0);
    if (number !== i) fail(`${at(path, "number")} is ${number}, expected ${i}`);
    return { number: i, ...agreeing(parseEntry(entry, path, arrays, `model.${i}.weights`), path) };
  });
  const selected = orNull(raw.selected, "selected", (v, path) => {
    const n = integer(v, path, 0);
    if (n >= models.length) fail(`${path} is ${n}, but the checkpoint holds ${models.length} models`);
    return n;
  });
  const final = orNull(raw.final, "final", (v, path) =>
    agreeing(parseEntry(v, path, arrays, "final.weights"), path),
  );
  if (!Object.hasOwn(arrays, "validationRows")) fail('array "validationRows" is missing');
  // The header does not record the row count; the build checks the rows against its data.
  const validationRows = Array.from(arrays.validationRows);
  const seen = new Set<number>();
  validationRows.forEach((row, i) => {
    if (!Number.isSafeInteger(row) || row < 0)
      fail(`array "validationRows"[${i}] is ${row}, expected a row number (an integer ≥ 0)`);
    if (seen.has(row)) fail(`array "validationRows"[${i}] is ${row}, a row already held out`);
    seen.add(row);
  });
  // Both may be absent: checkpoints written before they were recorded.
  const origin = Object.hasOwn(raw, "origin") ? orNull(raw.origin, "origin", fingerprint) : null;
  const finished = Object.hasOwn(raw, "finished") ? boolean(raw.finished, "finished") : false;
  const resume = Object.hasOwn(raw, "resume")
    ? orNull(raw.resume, "resume", (v, path) => resumePoint(v, path, models.length))
    : null;
  return {
    inputNames,
    outputNames,
    inputNormalization,
    outputNormalization,
    validationRows,
    seed,
    models,
    selected,
    final,
    origin,
    finished,
    resume,
  };
}

/**
 * Reads a checkpoint. Every problem is an `EdnnFormatError` naming `source`:
 * those of the container, and a header or array that does not describe a
 * valid checkpoint ("invalid-header", the message naming the field), as for
 * a model file.
 */
export function decodeCheckpoint(bytes: Uint8Array, source: string): Checkpoint {
  return decodeEdnn(bytes, source, EdnnKind.checkpoint, parseHeader).header;
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
