/**
 * `buildModel`: from data to a compact trained network, with no
 * hyper-parameter to choose. The steps:
 *
 * 1. choose the validation rows (representative, see validation-split.ts)
 *    and the normalisation;
 * 2. train the linear model (every input → every output);
 * 3. grow hidden neurons while the validation error improves (search.ts);
 * 4. remove inputs, then links, that do not help;
 * 5. choose, among the accepted models, the one of highest log evidence, or
 *    a smaller one within EVIDENCE_TOLERANCE of it (`selectModel`);
 * 6. retrain its structure from `restartCount` fresh initialisations; the one of
 *    highest log evidence, if above the chosen model's, replaces it (a
 *    trained network is one local minimum of many, and the search only ever
 *    saw the one it grew into);
 * 7. remove the links of any weight group whose prior the evidence has
 *    switched off (β at its cap: weights pinned near 0 that compute
 *    nothing), kept if its log evidence stays within EVIDENCE_TOLERANCE;
 * 8. refit it on all rows (finalLearning).
 *
 * Why the evidence and not the validation error chooses in steps 5 to 7:
 * among networks the search accepted (each one already judged on the
 * validation rows) and among retrainings of one structure, the validation
 * error of a few hundred rows barely ranks the networks by their error on
 * new data, while the evidence of the training rows does (measured on the
 * bundled tasks; see apps/docs/concepts/builder.md, "Choosing by evidence").
 *
 * Each accepted model goes into the checkpoint, handed to
 * `io.saveCheckpoint` as bytes (the caller writes them, atomically). A build
 * can start from any model of a checkpoint (`io.resumeFrom` with
 * `startBuildFromModelNumber`), and `freezeStructure` retrains only its weights.
 *
 * Abort (`settings.signal`): the build stops at the next iteration and
 * resolves with the best model accepted so far (`history.aborted` is true,
 * no final refit; the checkpoint saved last stays valid). Aborted before the
 * first model was accepted, it rejects with an Error named "AbortError".
 */
import { cpu } from "@neureco/backend-cpu";
import type { Backend, DType } from "@neureco/core";
import type { ModelDescription } from "../model/description.js";
import { weightCount } from "../network/structure.js";
import {
  type Checkpoint,
  type CheckpointModel,
  checkpointModelDescription,
  decodeCheckpoint,
  encodeCheckpoint,
} from "./checkpoint.js";
import { BuildDataError, type BuildInput, checkBuildInput, type PreparedData, prepareData } from "./data.js";
import { FINAL_FIT, Fitter, overallRmse, SEARCH_FIT, type TrainedNetwork } from "./fit.js";
import { freshWeights } from "./moves.js";
import { linearNetwork, removeLinks } from "./network-edit.js";
import { DeviceData } from "./objective.js";
import { BETA_GROUPS, priorMetric } from "./prior.js";
import { seededRandom } from "./random.js";
import {
  enforceLinkCap,
  grow,
  pruneInputs,
  pruneLinks,
  type SearchContext,
  switchedOffLinks,
} from "./search.js";
import {
  type BuildPhase,
  type BuildProgress,
  type BuildSettings,
  BuildSettingsError,
  type ResolvedSettings,
  resolveSettings,
} from "./settings.js";
import { BuildAborted, throwIfAborted } from "./train.js";

/**
 * Log-evidence margin (nats) within which the smaller model is chosen: a
 * Bayes factor below e is not worth more than a bare mention (Kass and
 * Raftery's scale), so it does not buy extra weights.
 */
export const EVIDENCE_TOLERANCE = 1;
/** Fresh initialisations of the chosen structure tried before the final refit, for networks of up to RESTART_FULL_WEIGHTS weights. */
export const RESTARTS = 16;
/** Most weights for which all RESTARTS are tried. */
export const RESTART_FULL_WEIGHTS = 64;
/** Fewest restarts, however large the network. */
export const MIN_RESTARTS = 3;

/**
 * Restarts for a network of p weights. A restart costs a training, whose
 * Gauss–Newton matrix costs p² per row and iteration: above
 * RESTART_FULL_WEIGHTS the count falls as 1/p², so the restarts of a large
 * network cost about what 16 restarts of a 64-weight one do (never fewer
 * than MIN_RESTARTS).
 */
export function restartCount(p: number): number {
  if (p <= RESTART_FULL_WEIGHTS) return RESTARTS;
  return Math.max(MIN_RESTARTS, Math.round(RESTARTS * (RESTART_FULL_WEIGHTS / p) ** 2));
}

export interface BuildIO {
  /** Receives the whole checkpoint after every accepted model; write it atomically. */
  readonly saveCheckpoint?: (bytes: Uint8Array) => Promise<void>;
  /** A checkpoint to start from (see `startBuildFromModelNumber`, `freezeStructure`). */
  readonly resumeFrom?: Uint8Array;
  /** Name of `resumeFrom` in error messages (e.g. its path). Default "checkpoint". */
  readonly resumeSource?: string;
}

export interface BuildHistory {
  /** Every model of the checkpoint, in order (those of a resumed checkpoint included). */
  readonly models: readonly BuildProgress[];
  /** Number of the model chosen. */
  readonly selectedModel: number;
  /** The refit on all rows, when finalLearning ran. */
  readonly final: BuildProgress | null;
  readonly aborted: boolean;
}

export interface BuildResult {
  readonly model: ModelDescription;
  readonly history: BuildHistory;
  /** The checkpoint as last saved. */
  readonly checkpoint: Checkpoint;
}

function abortError(): Error {
  const error = new Error("buildModel: aborted before the first model was trained");
  error.name = "AbortError";
  return error;
}

function progressOf(m: Omit<CheckpointModel, "number">, modelNumber: number): BuildProgress {
  return {
    modelNumber,
    weights: m.weights.length,
    trainingError: overallRmse(m.errors.training),
    validationError: overallRmse(m.errors.validation),
    elapsedMs: m.elapsedMs,
    phase: m.phase,
  };
}

function validationScore(m: CheckpointModel): number {
  return overallRmse(m.errors.validation);
}

/**
 * The model with the fewest weights among those whose log evidence is
 * within EVIDENCE_TOLERANCE of the highest (respecting the link cap; among
 * equals, the higher evidence). Models without an evidence (from a
 * checkpoint written before it was recorded) are chosen by validation error,
 * and only when no model has one.
 */
export function selectModel(models: readonly CheckpointModel[], linksMaximumNumber: number): CheckpointModel {
  const eligible = models.filter(
    (m) => linksMaximumNumber === 0 || m.structure.links.length <= linksMaximumNumber,
  );
  const pool = eligible.length > 0 ? eligible : models;
  const withEvidence = pool.filter((m) => Number.isFinite(m.logEvidence));
  if (withEvidence.length === 0) {
    return pool.reduce((a, b) => (validationScore(b) < validationScore(a) ? b : a));
  }
  const best = Math.max(...withEvidence.map((m) => m.logEvidence));
  return withEvidence
    .filter((m) => m.logEvidence >= best - EVIDENCE_TOLERANCE)
    .reduce((a, b) => {
      const wa = weightCount(a.structure);
      const wb = weightCount(b.structure);
      if (wb !== wa) return wb < wa ? b : a;
      return b.logEvidence > a.logEvidence ? b : a;
    });
}

/** The state of one build run: its record of accepted models and the checkpoint it writes. */
class BuildRecord {
  readonly models: CheckpointModel[];
  selected: number | null = null;
  final: Omit<CheckpointModel, "number"> | null = null;
  private readonly started = Date.now();

  constructor(
    private readonly base: Omit<Checkpoint, "models" | "selected" | "final">,
    kept: readonly CheckpointModel[],
    private readonly io: BuildIO,
    private readonly onProgress: BuildSettings["onProgress"],
  ) {
    this.models = [...kept];
  }

  get elapsedMs(): number {
    return Date.now() - this.started;
  }

  bestScore(): number {
    return Math.min(...this.models.map(validationScore));
  }

  entry(t: TrainedNetwork, phase: BuildPhase): Omit<CheckpointModel, "number"> {
    return {
      phase,
      structure: t.network.structure,
      weights: t.network.weights,
      beta: t.beta,
      errors: { training: t.trainingRmse, validation: t.validationRmse },
      logEvidence: t.evidence,
      elapsedMs: this.elapsedMs,
    };
  }

  async accept(t: TrainedNetwork, phase: BuildPhase): Promise<void> {
    const model = { number: this.models.length, ...this.entry(t, phase) };
    this.models.push(model);
    await this.save();
    this.onProgress?.(progressOf(model, model.number));
  }

  checkpoint(): Checkpoint {
    return { ...this.base, models: [...this.models], selected: this.selected, final: this.final };
  }

  async save(): Promise<void> {
    if (this.io.saveCheckpoint) await this.io.saveCheckpoint(encodeCheckpoint(this.checkpoint()));
  }
}

interface Start {
  readonly checkpoint: Checkpoint | null;
  /** Models kept from the checkpoint (0 … start). */
  readonly kept: readonly CheckpointModel[];
}

function startFrom(settings: ResolvedSettings, io: BuildIO, input: BuildInput): Start {
  if (!io.resumeFrom) {
    if (settings.freezeStructure)
      throw new BuildSettingsError("build settings: freezeStructure needs a checkpoint to start from");
    return { checkpoint: null, kept: [] };
  }
  const source = io.resumeSource ?? "checkpoint";
  const checkpoint = decodeCheckpoint(io.resumeFrom, source);
  const count = checkpoint.models.length;
  if (count === 0) throw new BuildDataError(`${source}: the checkpoint holds no model to start from`);
  const number = settings.startBuildFromModelNumber === -1 ? count - 1 : settings.startBuildFromModelNumber;
  if (number >= count) {
    throw new BuildSettingsError(
      `build settings: startBuildFromModelNumber ${number} is not in ${source} (models 0 … ${count - 1})`,
    );
  }
  const m = input.x.shape[1];
  const k = input.y.shape[1];
  const s = checkpoint.models[number].structure;
  if (s.inputs !== m || s.outputs !== k) {
    throw new BuildDataError(
      `buildModel: ${source} holds a model of ${s.inputs} inputs and ${s.outputs} outputs, the data has ${m} and ${k}`,
    );
  }
  return { checkpoint, kept: checkpoint.models.slice(0, number + 1) };
}

export async function buildModel(
  input: BuildInput,
  settings: BuildSettings = {},
  io: BuildIO = {},
): Promise<BuildResult> {
  const resolved = resolveSettings(settings);
  checkBuildInput(input);
  const start = startFrom(resolved, io, input);
  const data = prepareData(input, resolved, start.checkpoint ?? undefined);
  if (settings.signal?.aborted) throw abortError();
  const ownBackend = settings.backend === undefined;
  const backend: Backend = settings.backend ?? cpu();
  const dtype: DType = backend.dtypes.includes("float64") ? "float64" : "float32";
  const train = new DeviceData(backend, dtype, data.train.x, data.train.y);
  const valid = new DeviceData(backend, dtype, data.valid.x, data.valid.y);
  const metric = priorMetric(data.train.x, data.train.y);
  try {
    return await runBuild(
      input,
      resolved,
      settings,
      io,
      start,
      data,
      new Fitter(backend, dtype, train, valid, settings.signal, metric),
      backend,
      dtype,
    );
  } finally {
    train.dispose();
    valid.dispose();
    if (ownBackend) backend.destroy();
  }
}

async function runBuild(
  input: BuildInput,
  resolved: ResolvedSettings,
  settings: BuildSettings,
  io: BuildIO,
  start: Start,
  data: PreparedData,
  fitter: Fitter,
  backend: Backend,
  dtype: DType,
): Promise<BuildResult> {
  const m = input.x.shape[1];
  const k = input.y.shape[1];
  const record = new BuildRecord(
    {
      inputNames: start.checkpoint?.inputNames ?? input.inputNames ?? [],
      outputNames: start.checkpoint?.outputNames ?? input.outputNames ?? [],
      inputNormalization: data.inputNormalization,
      outputNormalization: data.outputNormalization,
      validationRows: data.validationRows,
      seed: resolved.seed,
    },
    start.kept,
    io,
    settings.onProgress,
  );
  const ctx: SearchContext = {
    fitter,
    random: seededRandom(resolved.seed),
    signal: settings.signal,
    linksMaximumNumber: resolved.linksMaximumNumber,
    disconnectInputsIfPossible: resolved.disconnectInputsIfPossible,
    bestScore: () => record.bestScore(),
    accept: (t, phase) => record.accept(t, phase),
  };
  let aborted = false;
  try {
    const from = start.kept[start.kept.length - 1];
    if (from && resolved.freezeStructure) {
      const retrained = await fitter.fit(
        { structure: from.structure, weights: from.weights },
        from.beta,
        FINAL_FIT,
      );
      await record.accept(retrained, "frozen");
    } else {
      let current: TrainedNetwork;
      if (from) {
        current = await fitter.fit(
          { structure: from.structure, weights: from.weights },
          from.beta,
          SEARCH_FIT,
        );
      } else {
        const linear = await fitter.fit(
          linearNetwork(m, k),
          new Array<number>(BETA_GROUPS).fill(resolved.initialBetaReg),
          SEARCH_FIT,
        );
        current = await enforceLinkCap(ctx, linear);
        await record.accept(current, "linear");
      }
      const growth = await grow(ctx, current);
      current = growth.last;
      if (resolved.disconnectInputsIfPossible) {
        const pruned = await pruneInputs(ctx, current);
        // Growth the weight budget held back may go on with fewer inputs.
        current = growth.heldBackByBudget && pruned !== current ? (await grow(ctx, pruned)).last : pruned;
      }
      await pruneLinks(ctx, current);
    }
  } catch (error) {
    if (!(error instanceof BuildAborted)) throw error;
    if (record.models.length === 0) throw abortError();
    aborted = true;
  }

  let chosen = resolved.freezeStructure
    ? record.models[record.models.length - 1]
    : selectModel(record.models, resolved.linksMaximumNumber);
  if (!aborted && !resolved.freezeStructure && chosen.structure.hidden > 0) {
    try {
      chosen = await restart(record, ctx, chosen);
    } catch (error) {
      if (!(error instanceof BuildAborted)) throw error;
      aborted = true;
    }
  }
  if (!aborted && !resolved.freezeStructure) {
    try {
      chosen = await dropSwitchedOff(record, ctx, chosen);
    } catch (error) {
      if (!(error instanceof BuildAborted)) throw error;
      aborted = true;
    }
  }
  record.selected = chosen.number;
  let result: Omit<CheckpointModel, "number"> = chosen;
  if (resolved.finalLearning && !aborted) {
    try {
      result = await finalRefit(record, chosen, data, fitter, backend, dtype, settings.signal);
      record.final = result;
    } catch (error) {
      if (!(error instanceof BuildAborted)) throw error;
      aborted = true;
    }
  }
  await record.save();
  const checkpoint = record.checkpoint();
  const final = record.final ? progressOf(record.final, -1) : null;
  if (final) settings.onProgress?.(final);
  return {
    model: checkpointModelDescription(checkpoint, result),
    history: {
      models: record.models.map((mm) => progressOf(mm, mm.number)),
      selectedModel: chosen.number,
      final,
      aborted,
    },
    checkpoint,
  };
}

/**
 * Trains the structure of `chosen` from `restartCount` fresh initialisations (the
 * search's settings, its β to start from); the one of highest log evidence,
 * if above `chosen`'s, is accepted and returned, else `chosen`.
 *
 * The restarts are independent: all their initial weights are drawn first,
 * in order (so a seed gives the same bits), and they train concurrently, as
 * growth candidates do (`Fitter.fitAll`).
 */
async function restart(
  record: BuildRecord,
  ctx: SearchContext,
  chosen: CheckpointModel,
): Promise<CheckpointModel> {
  let best: TrainedNetwork | null = null;
  // A model from an older checkpoint has no evidence: any restart replaces it.
  let bestEvidence = Number.isFinite(chosen.logEvidence) ? chosen.logEvidence : Number.NEGATIVE_INFINITY;
  throwIfAborted(ctx.signal);
  const network = { structure: chosen.structure, weights: chosen.weights };
  const starts = Array.from({ length: restartCount(chosen.weights.length) }, () =>
    freshWeights(network, ctx.random),
  );
  const restarts = await ctx.fitter.fitAll(starts, chosen.beta, SEARCH_FIT);
  for (const trained of restarts) {
    if (trained.evidence > bestEvidence) {
      best = trained;
      bestEvidence = trained.evidence;
    }
  }
  if (!best) return chosen;
  await record.accept(best, "restart");
  return record.models[record.models.length - 1];
}

/**
 * Removes the links of the groups the evidence has switched off in the
 * chosen model (see `switchedOffLinks`) and retrains it; kept when its log
 * evidence stays within EVIDENCE_TOLERANCE of the chosen model's (the rule
 * by which `selectModel` prefers a smaller model).
 */
async function dropSwitchedOff(
  record: BuildRecord,
  ctx: SearchContext,
  chosen: CheckpointModel,
): Promise<CheckpointModel> {
  const network = { structure: chosen.structure, weights: chosen.weights };
  const drop = switchedOffLinks(network, chosen.beta, !ctx.disconnectInputsIfPossible);
  if (drop.length === 0) return chosen;
  throwIfAborted(ctx.signal);
  const trained = await ctx.fitter.fit(removeLinks(network, drop), chosen.beta, SEARCH_FIT);
  if (Number.isFinite(chosen.logEvidence) && !(trained.evidence >= chosen.logEvidence - EVIDENCE_TOLERANCE))
    return chosen;
  await record.accept(trained, "pruning");
  return record.models[record.models.length - 1];
}

/**
 * Refits the chosen structure on all rows. Its recorded training error is
 * on all rows; its validation error is the chosen model's (the estimate of
 * generalisation, since no row is held out any more).
 */
async function finalRefit(
  record: BuildRecord,
  chosen: CheckpointModel,
  data: PreparedData,
  search: Fitter,
  backend: Backend,
  dtype: DType,
  signal: AbortSignal | undefined,
): Promise<Omit<CheckpointModel, "number">> {
  const all = new DeviceData(backend, dtype, data.all.x, data.all.y);
  try {
    // The search's prior metric, so that the chosen β keeps its meaning.
    const fitter = new Fitter(backend, dtype, all, null, signal, search.metric);
    const refit = await fitter.fit(
      { structure: chosen.structure, weights: chosen.weights },
      chosen.beta,
      FINAL_FIT,
    );
    return {
      ...record.entry(refit, "final"),
      errors: { training: refit.trainingRmse, validation: chosen.errors.validation },
    };
  } finally {
    all.dispose();
  }
}
