/**
 * `buildModel`: from data to a compact trained network, with no
 * hyper-parameter to choose. This file prepares a build — checks the
 * input, picks the checkpoint model to resume from, chooses the validation
 * rows (representative, see validation-split.ts) and the normalisation,
 * puts the data on the backend — and hands it to the driver (driver.ts),
 * which runs the phases of the method (phases/):
 *
 * 1. start: the linear model (every input → every output), or the model a
 *    checkpoint resumes from;
 * 2. grow hidden neurons while growth counts (phases/grow.ts);
 * 3. remove inputs, grow again if the weight budget held growth back, and
 *    remove links (phases/prune-inputs.ts, phases/prune-links.ts);
 * 4. select, among the accepted models, the one of highest log evidence or
 *    a smaller one within EVIDENCE_TOLERANCE of it (rules.ts);
 * 5. restart the chosen structure from fresh weights (phases/restart.ts),
 *    remove the links the evidence switched off (phases/switched-off.ts)
 *    and choose the strength of its output weights' prior by
 *    cross-validation (phases/output-prior.ts);
 * 6. refit it on all rows (finalLearning, phases/refit.ts).
 *
 * Every rule that accepts a move or compares models is in rules.ts.
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
import type { Backend } from "@neureco/core";
import { modelDtype } from "../model/bound-model.js";
import type { ModelDescription, ModelPosterior } from "../model/description.js";
import { posteriorFromFit } from "../model/posterior.js";
import {
  type Checkpoint,
  type CheckpointModel,
  checkpointModelDescription,
  decodeCheckpoint,
  type ResumePoint,
} from "./checkpoint.js";
import { CrossValidator } from "./cross-validation.js";
import { BuildDataError, type BuildInput, checkBuildInput, prepareData } from "./data.js";
import { abortError, planBuild, RESUME_PLAN, runPlan } from "./driver.js";
import { type BuildFingerprint, buildFingerprint, fingerprintDifferences } from "./fingerprint.js";
import { Fitter, type TrainedNetwork } from "./fit.js";
import { DeviceData, NORMAL_EQUATIONS_CHUNK } from "./objective.js";
import { priorMetric } from "./prior.js";
import { builderRandom } from "./random.js";
import { progressOf } from "./record.js";
import { matrixRows, pickRows, readAllRows } from "./rows.js";
import { screeningRows } from "./screening.js";
import {
  type BuildProgress,
  type BuildSettings,
  BuildSettingsError,
  checkStartSettings,
  type ResolvedSettings,
  resolveSettings,
} from "./settings.js";

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

interface Start {
  readonly checkpoint: Checkpoint | null;
  /** Models kept from the checkpoint (0 … start). */
  readonly kept: readonly CheckpointModel[];
}

/**
 * A resumed build must continue the build its checkpoint recorded: the
 * same data and the same settings (else it silently gives another model),
 * and a finished build is not rebuilt. Retraining a frozen structure may
 * use other data; an explicit start model may restart a finished build.
 */
function checkResume(
  checkpoint: Checkpoint,
  source: string,
  settings: ResolvedSettings,
  origin: BuildFingerprint,
  explicitStart: boolean,
): void {
  if (settings.freezeStructure) return;
  if (checkpoint.finished && !explicitStart) {
    const chosen = checkpoint.selected === null ? "" : ` (model ${checkpoint.selected} chosen)`;
    throw new BuildSettingsError(
      `${source}: the build it records is finished${chosen}; load its model, or give startBuildFromModelNumber to build again from one of its models`,
    );
  }
  if (checkpoint.origin === null) return;
  const differences = fingerprintDifferences(checkpoint.origin, origin);
  if (differences.length > 0) {
    throw new BuildSettingsError(
      `${source}: the build cannot be resumed with other data or settings than the checkpoint's — ${differences.join("; ")}`,
    );
  }
}

function startFrom(
  settings: ResolvedSettings,
  io: BuildIO,
  input: BuildInput,
  origin: BuildFingerprint,
): Start {
  if (!io.resumeFrom) {
    checkStartSettings(settings);
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
  checkResume(checkpoint, source, settings, origin, settings.startBuildFromModelNumber !== -1);
  return { checkpoint, kept: checkpoint.models.slice(0, number + 1) };
}

/**
 * The resume point to continue exactly from (driver.ts, "Resuming"): the
 * checkpoint's, when the build goes on from its last model with the plan
 * that wrote it; null otherwise (the model is retrained and searched on).
 */
function exactResumePoint(start: Start, settings: ResolvedSettings): ResumePoint | null {
  const point = start.checkpoint?.resume ?? null;
  if (point === null || settings.freezeStructure || point.plan !== RESUME_PLAN) return null;
  return point.model === start.kept.length - 1 ? point : null;
}

/** The posterior of a network as `fit` or `assess` judged it on `rows` rows (see model/posterior.ts). */
function posteriorOf(judged: TrainedNetwork, rows: number): ModelPosterior | null {
  if (!Number.isFinite(judged.gamma)) return null;
  return posteriorFromFit({
    jtj: judged.jtj,
    penalty: judged.penalty,
    sseByOutput: judged.trainingRmse.map((r) => r * r * rows),
    rows,
    gamma: judged.gamma,
  });
}

export async function buildModel(
  input: BuildInput,
  settings: BuildSettings = {},
  io: BuildIO = {},
): Promise<BuildResult> {
  const resolved = resolveSettings(settings);
  checkBuildInput(input);
  const origin = buildFingerprint(input, resolved);
  const start = startFrom(resolved, io, input, origin);
  const data = prepareData(input, resolved, start.checkpoint ?? undefined);
  if (settings.signal?.aborted) throw abortError();
  const ownBackend = settings.backend === undefined;
  const backend: Backend = settings.backend ?? cpu();
  const dtype = modelDtype(backend);
  const likelihood = input.likelihood ?? "gaussian";
  const upload = { likelihood };
  const train = DeviceData.upload(backend, dtype, data.train, upload);
  const valid = DeviceData.upload(backend, dtype, data.valid, upload);
  // On many rows, choices among trainings are made on a subset (screening.ts).
  const screenRows = screeningRows(data.train);
  const screened = screenRows && pickRows(data.train, screenRows);
  const screen = screened
    ? DeviceData.upload(backend, dtype, matrixRows(screened.x, screened.y), upload)
    : null;
  const allScreenRows = screeningRows(data.all);
  const crossValidated = allScreenRows ? pickRows(data.all, allScreenRows) : readAllRows(data.all);
  // One prior metric for every fit of the build, the final refit's included, so that β keeps its meaning.
  const metric = priorMetric(data.train, likelihood);
  /**
   * All rows on the backend, for the final refit. Data of more than one chunk are the training and
   * validation chunks already there, joined: uploading the rows again would hold them twice until
   * the engine collects the freed ones. Data of one chunk (every benchmark task) are uploaded in
   * their own order, one chunk, so that the refit sums its rows exactly as it always has.
   */
  const allRows = (): DeviceData => {
    if (data.all.rows * data.all.outputs > NORMAL_EQUATIONS_CHUNK) return DeviceData.join(train, valid);
    train.dispose();
    valid.dispose();
    return DeviceData.upload(backend, dtype, data.all, upload);
  };
  const fitterOn = (rows: DeviceData) => new Fitter(backend, dtype, rows, null, settings.signal, metric);
  // Judging the result goes on after an abort.
  const judgeOn = (rows: DeviceData) => new Fitter(backend, dtype, rows, null, undefined, metric);
  /** All rows on the backend from the final refit on, and the refit's result (for the posterior). */
  const refit: { rows: DeviceData | null; trained: TrainedNetwork | null } = { rows: null, trained: null };
  try {
    const { record, chosen, final, aborted } = await runPlan({
      plan: planBuild(resolved, start.checkpoint !== null),
      context: {
        trainer: new Fitter(backend, dtype, train, valid, settings.signal, metric),
        screen: screen && new Fitter(backend, dtype, screen, valid, settings.signal, metric),
        crossValidation: new CrossValidator(
          backend,
          dtype,
          crossValidated.x,
          crossValidated.y,
          metric,
          settings.signal,
          likelihood,
        ),
        fitOnAllRows: async (network, beta, options) => {
          screen?.dispose();
          refit.rows ??= allRows();
          refit.trained = await fitterOn(refit.rows).fit(network, beta, options);
          return refit.trained;
        },
        random: builderRandom(resolved.seed),
        signal: settings.signal,
        inputs: input.x.shape[1],
        outputs: input.y.shape[1],
        linksMaximumNumber: resolved.linksMaximumNumber,
        disconnectInputsIfPossible: resolved.disconnectInputsIfPossible,
        initialBetaReg: resolved.initialBetaReg,
        ...(likelihood === "categorical" ? { likelihood } : {}),
      },
      checkpointBase: {
        inputNames: start.checkpoint?.inputNames ?? input.inputNames ?? [],
        outputNames: start.checkpoint?.outputNames ?? input.outputNames ?? [],
        inputNormalization: data.inputNormalization,
        outputNormalization: data.outputNormalization,
        validationRows: data.validationRows,
        seed: resolved.seed,
        origin,
      },
      kept: start.kept,
      resume: exactResumePoint(start, resolved),
      saveCheckpoint: io.saveCheckpoint,
      onProgress: settings.onProgress,
    });
    const checkpoint = record.checkpoint();
    const built = final ?? chosen;
    // The posterior on the rows the weights were last fitted to: the final refit judged them on all
    // rows already; otherwise the chosen model is judged on its training rows (or on all rows after
    // a refit stopped midway, whose training rows are freed already).
    const fitted = refit.rows ?? train;
    const judged =
      final && refit.trained
        ? refit.trained
        : await judgeOn(fitted).assess({ structure: built.structure, weights: built.weights }, built.beta);
    // Error bars are the Regressor's (a Gaussian's noise level and weight uncertainty).
    const posterior = likelihood === "gaussian" ? posteriorOf(judged, fitted.rows) : null;
    return {
      model: {
        ...checkpointModelDescription(checkpoint, built),
        ...(posterior ? { posterior } : {}),
      },
      history: {
        models: record.models.map((m) => progressOf(m, m.number)),
        selectedModel: chosen.number,
        final: final ? progressOf(final, -1) : null,
        aborted,
      },
      checkpoint,
    };
  } finally {
    train.dispose();
    valid.dispose();
    screen?.dispose();
    refit.rows?.dispose();
    if (ownBackend) backend.destroy();
  }
}
