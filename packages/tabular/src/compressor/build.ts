/**
 * `buildCompressor`: from columns of data to an encoder and a decoder
 * (autoencoder.ts), the code size and the network chosen from the data.
 *
 * 1. The rows are normalised and split into training and validation rows
 *    as for a regressor (builder/data.ts), the columns being both the
 *    inputs and the targets.
 * 2. For each code size c (from 1, or only the one given): the linear
 *    model of the c leading principal components (pca.ts), then networks
 *    of HIDDEN_STEPS tanh neurons in encoder and decoder each, each
 *    network grown from the last and trained by Levenberg–Marquardt with
 *    evidence-updated priors (builder/train.ts), while the validation
 *    error falls by more than GROWTH_GAIN. The best of these is the code's
 *    model.
 * 3. The code size: the smallest whose best network's validation error
 *    exceeds the largest code's (the principal components of m − 1 codes)
 *    by at most CODE_VARIANCE_LEFT of the variance that code explains
 *    (`codeSuffices`): codes are tried from 1 up until one does.
 * 4. The chosen network is refit on all rows: the linear one is the
 *    principal components of all rows, a non-linear one is trained on
 *    them from its weights, with the priors it was chosen with.
 *
 * Fits run on at most FIT_VALUES values (rows × columns): more training
 * rows are thinned evenly for the search, and all rows too for the refit.
 */
import { cpu } from "@neureco/backend-cpu";
import type { Backend, DType } from "@neureco/core";
import { BuildDataError, prepareData } from "../builder/data.js";
import { DeviceData, Objective } from "../builder/objective.js";
import { type PriorMetric, priorMetric } from "../builder/prior.js";
import { builderRandom, type Random } from "../builder/random.js";
import { forEachBlock, matrixRows, pickRows, type RowSource } from "../builder/rows.js";
import { type BuildSettings, BuildSettingsError, resolveSettings } from "../builder/settings.js";
import { BuildAborted, trainLevenbergMarquardt } from "../builder/train.js";
import { Matrix } from "../matrix.js";
import { modelDtype } from "../model/bound-model.js";
import type { ModelDescription } from "../model/description.js";
import { weightCount } from "../network/structure.js";
import {
  type AutoencoderShape,
  autoencoder,
  autoencoderPrior,
  autoencoderWeightCount,
  grownWeights,
  pcaWeights,
  reconstruction,
} from "./autoencoder.js";
import { type PrincipalComponents, principalComponents } from "./pca.js";

/** What a compressor's build may be told: the regressor's settings that apply to it, and the code size. */
export interface CompressorSettings
  extends Pick<
    BuildSettings,
    | "validPercentage"
    | "validationIndices"
    | "inputsShifting"
    | "inputsScaling"
    | "inputsNormalizePerFeature"
    | "initialBetaReg"
    | "finalLearning"
    | "seed"
    | "signal"
    | "backend"
  > {
  /** The number of codes; absent: chosen from the data. */
  readonly compressionSize?: number;
  /** Called after every network trained, and after the final refit. */
  readonly onProgress?: (progress: CompressorProgress) => void;
}

/** One network of the search (or the final refit). */
export interface CompressorProgress {
  readonly codeSize: number;
  /** tanh neurons in the encoder (as many in the decoder); 0: the principal components. */
  readonly hiddenNeurons: number;
  readonly weights: number;
  /** Reconstruction RMSE over all columns, normalised units, on the training rows. */
  readonly trainingError: number;
  /** The same on the validation rows (NaN for the final refit). */
  readonly validationError: number;
  readonly elapsedMs: number;
  readonly phase: "principal-components" | "growth" | "final";
}

export interface CompressorHistory {
  /** Every network trained in the search, in order. */
  readonly models: readonly CompressorProgress[];
  /** The code size chosen (or given). */
  readonly codeSize: number;
  /** Index in `models` of the network chosen. */
  readonly selectedModel: number;
  /** The refit on all rows, when finalLearning ran. */
  readonly final: CompressorProgress | null;
  /** True when the build was stopped by its signal (the best network found so far is kept). */
  readonly aborted: boolean;
}

export interface CompressorBuildInput {
  readonly x: Matrix;
  readonly validationX?: Matrix;
  readonly inputNames?: readonly string[];
}

export interface CompressorBuildResult {
  readonly model: ModelDescription;
  readonly history: CompressorHistory;
}

/** Most values (rows × columns) a fit runs on. */
export const FIT_VALUES = 8192;
/** The tanh neurons of each growth step's network, in the encoder and in the decoder each. */
export const HIDDEN_STEPS = [2, 4, 8, 16];
/** A growth step counts when it lowers the validation MSE by more than this fraction. */
export const GROWTH_GAIN = 0.02;
/** Most weights per training value: a network may not have more weights than a quarter of the values it fits. */
const WEIGHTS_PER_VALUE = 0.25;
/**
 * Most weights of a non-linear network: its Gauss–Newton matrix is p × p
 * and each step solves it, so wider data keep their principal components.
 */
export const MAX_FIT_WEIGHTS = 600;
/** Levenberg–Marquardt iterations of a search fit and of the refit. */
const SEARCH_ITERATIONS = 40;
const REFIT_ITERATIONS = 40;

/** See `codeSuffices`. */
export const CODE_VARIANCE_LEFT = 0.05;

/**
 * Whether a code size is enough, from validation MSEs (normalised units):
 * `mse` its best network's, `baseline` that of no code at all (every row
 * the training mean), `reference` that of the largest code. It is enough
 * when what it leaves beyond the reference is at most CODE_VARIANCE_LEFT of
 * what the reference explains: it reaches, to 5 % of the variance, what a
 * larger code gives.
 */
export function codeSuffices(mse: number, reference: number, baseline: number): boolean {
  return mse <= reference + CODE_VARIANCE_LEFT * Math.max(baseline - reference, 0);
}

function abortError(): Error {
  const error = new Error("build: aborted before a model was built");
  error.name = "AbortError";
  return error;
}

/** Evenly spaced positions of at most `most` of `rows` rows (all when they fit). */
function thinned(rows: number, most: number): number[] | null {
  if (rows <= most) return null;
  return Array.from({ length: most }, (_, i) => Math.floor(((i + 0.5) * rows) / most));
}

/** At most FIT_VALUES values of `source`, on the backend. */
function uploadFitRows(backend: Backend, dtype: DType, source: RowSource): DeviceData {
  const positions = thinned(source.rows, Math.max(1, Math.floor(FIT_VALUES / source.inputs)));
  if (!positions) return DeviceData.upload(backend, dtype, source);
  const picked = pickRows(source, positions);
  return DeviceData.upload(backend, dtype, matrixRows(picked.x, picked.y));
}

interface Candidate {
  readonly shape: AutoencoderShape;
  readonly weights: Float64Array;
  /** The priors it was trained with (absent: the principal components, unregularised). */
  readonly beta: readonly number[] | null;
  /** Validation MSE, mean over columns, normalised units. */
  readonly validationMse: number;
  readonly index: number;
}

function mean(values: Float64Array, rows: number): number {
  let s = 0;
  for (const v of values) s += v;
  return s / (rows * values.length);
}

class Search {
  readonly models: CompressorProgress[] = [];
  /** The best network of the code size being searched, so far (what an abort keeps when no code size is done). */
  current: Candidate | null = null;
  private readonly started = Date.now();
  constructor(
    private readonly backend: Backend,
    private readonly train: DeviceData,
    private readonly valid: DeviceData,
    private readonly metric: PriorMetric,
    private readonly initialBeta: number,
    private readonly random: Random,
    private readonly settings: CompressorSettings,
  ) {}

  /** Training and validation MSE per column of `weights`. */
  private async errors(shape: AutoencoderShape, weights: Float64Array, on: DeviceData) {
    return new Objective(this.backend, reconstruction(autoencoder(shape)), on).sseByOutput(weights);
  }

  private async record(
    shape: AutoencoderShape,
    weights: Float64Array,
    beta: readonly number[] | null,
    phase: CompressorProgress["phase"],
  ): Promise<Candidate> {
    const trainSse = await this.errors(shape, weights, this.train);
    const validSse = await this.errors(shape, weights, this.valid);
    const progress: CompressorProgress = {
      codeSize: shape.code,
      hiddenNeurons: shape.hidden,
      weights: weights.length,
      trainingError: Math.sqrt(mean(trainSse, this.train.rows)),
      validationError: Math.sqrt(mean(validSse, this.valid.rows)),
      elapsedMs: Date.now() - this.started,
      phase,
    };
    this.models.push(progress);
    this.settings.onProgress?.(progress);
    return {
      shape,
      weights,
      beta,
      validationMse: mean(validSse, this.valid.rows),
      index: this.models.length - 1,
    };
  }

  /** Trains `weights` of `shape` on the training rows. */
  async fit(
    shape: AutoencoderShape,
    weights: Float64Array,
    beta: readonly number[],
    iterations: number,
    on = this.train,
  ) {
    const net = autoencoder(shape);
    return trainLevenbergMarquardt(new Objective(this.backend, reconstruction(net), on), weights, {
      beta,
      prior: autoencoderPrior(net, this.metric),
      adaptBeta: on === this.train,
      maxIterations: iterations,
      tolerance: 1e-6,
      signal: this.settings.signal,
    });
  }

  /** The validation MSE of no code at all: every row the training mean. */
  baselineError(pca: PrincipalComponents): number {
    return meanSquare(this.valid.source, pca.mean);
  }

  /** The validation MSE of the principal components of `code` codes (not recorded: a reference). */
  async linearError(pca: PrincipalComponents, code: number): Promise<number> {
    const shape = { columns: pca.mean.length, code, hidden: 0 };
    return mean(await this.errors(shape, pcaWeights(pca, code), this.valid), this.valid.rows);
  }

  /** The best network of `code` codes: the principal components, grown while growth counts. */
  async bestOfCode(pca: PrincipalComponents, code: number): Promise<Candidate> {
    const m = pca.mean.length;
    let shape: AutoencoderShape = { columns: m, code, hidden: 0 };
    let best = await this.record(shape, pcaWeights(pca, code), null, "principal-components");
    this.current = best;
    const budget = Math.min(WEIGHTS_PER_VALUE * this.train.rows * m, MAX_FIT_WEIGHTS);
    let weights = best.weights;
    let beta: readonly number[] = [this.initialBeta];
    for (const hidden of HIDDEN_STEPS) {
      const next: AutoencoderShape = { columns: m, code, hidden };
      if (autoencoderWeightCount(next) > budget) break;
      const start = grownWeights(shape, weights, hidden - shape.hidden, this.random);
      const trained = await this.fit(next, start, beta, SEARCH_ITERATIONS);
      const candidate = await this.record(next, trained.weights, trained.beta, "growth");
      shape = next;
      weights = trained.weights;
      beta = trained.beta;
      if (!(candidate.validationMse < best.validationMse * (1 - GROWTH_GAIN))) break;
      best = candidate;
      this.current = best;
    }
    return best;
  }

  /** The chosen network refit on `all` rows (see the file's comment), with its training error. */
  async refit(
    best: Candidate,
    allPca: PrincipalComponents,
    all: DeviceData,
  ): Promise<{
    weights: Float64Array;
    progress: CompressorProgress;
  }> {
    const weights =
      best.beta === null
        ? pcaWeights(allPca, best.shape.code)
        : (await this.fit(best.shape, best.weights, best.beta, REFIT_ITERATIONS, all)).weights;
    const sse = await this.errors(best.shape, weights, all);
    const progress: CompressorProgress = {
      codeSize: best.shape.code,
      hiddenNeurons: best.shape.hidden,
      weights: weights.length,
      trainingError: Math.sqrt(mean(sse, all.rows)),
      validationError: Number.NaN,
      elapsedMs: Date.now() - this.started,
      phase: "final",
    };
    this.settings.onProgress?.(progress);
    return { weights, progress };
  }
}

/** Mean over rows and columns of (x − centre)² on the rows of `source`. */
function meanSquare(source: RowSource, centre: Float64Array): number {
  let s = 0;
  const m = source.inputs;
  forEachBlock(source, (block, _first, rows) => {
    for (let i = 0; i < rows; i++) for (let j = 0; j < m; j++) s += (block.x[i * m + j] - centre[j]) ** 2;
  });
  return s / (source.rows * m);
}

function checkCompressionSize(size: number | undefined, columns: number): void {
  if (size === undefined) return;
  if (!Number.isInteger(size) || size < 1 || size >= columns) {
    throw new BuildSettingsError(
      `build settings: compressionSize must be an integer from 1 to ${columns - 1} (fewer codes than the ${columns} columns), got ${size}`,
    );
  }
}

export async function buildCompressor(
  input: CompressorBuildInput,
  settings: CompressorSettings = {},
): Promise<CompressorBuildResult> {
  const m = input.x instanceof Matrix ? input.x.shape[1] : 0;
  if (m < 2)
    throw new BuildDataError(
      `buildCompressor: x has ${m} column${m === 1 ? "" : "s"}; a compressor needs at least 2`,
    );
  checkCompressionSize(settings.compressionSize, m);
  const { onProgress: _progress, compressionSize: _size, ...shared } = settings;
  const resolved = resolveSettings({
    ...shared,
    // Standardised columns by default: the principal components of the correlations, every column counted alike.
    inputsShifting: settings.inputsShifting ?? "mean",
    inputsScaling: settings.inputsScaling ?? "std",
    outputsShifting: settings.inputsShifting ?? "mean",
    outputsScaling: settings.inputsScaling ?? "std",
    outputsNormalizePerFeature: settings.inputsNormalizePerFeature,
  });
  const data = prepareData(
    {
      x: input.x,
      y: input.x,
      ...(input.validationX ? { validationX: input.validationX, validationY: input.validationX } : {}),
      ...(input.inputNames ? { inputNames: input.inputNames, outputNames: input.inputNames } : {}),
    },
    resolved,
  );
  if (settings.signal?.aborted) throw abortError();
  const ownBackend = settings.backend === undefined;
  const backend = settings.backend ?? cpu();
  const dtype = modelDtype(backend);
  const train = uploadFitRows(backend, dtype, data.train);
  const valid = uploadFitRows(backend, dtype, data.valid);
  let all: DeviceData | null = null;
  try {
    const search = new Search(
      backend,
      train,
      valid,
      priorMetric(data.train),
      resolved.initialBetaReg,
      builderRandom(resolved.seed),
      settings,
    );
    const pca = principalComponents(data.train);
    // Directions of no variance cannot be coded.
    const largest = Math.min(m - 1, pca.components.length);
    if (largest < 1)
      throw new BuildDataError(
        "buildCompressor: every column of x is constant: there is nothing to compress",
      );
    const given = settings.compressionSize;
    if (given !== undefined && given > largest) {
      throw new BuildDataError(
        `buildCompressor: compressionSize ${given} is more than the ${largest} directions in which x varies`,
      );
    }
    let chosen: Candidate | null = null;
    let aborted = false;
    try {
      if (given !== undefined) chosen = await search.bestOfCode(pca, given);
      else {
        const baseline = search.baselineError(pca);
        const reference = await search.linearError(pca, largest);
        for (let c = 1; c <= largest; c++) {
          chosen = await search.bestOfCode(pca, c);
          if (codeSuffices(chosen.validationMse, reference, baseline)) break;
        }
      }
    } catch (error) {
      if (!(error instanceof BuildAborted)) throw error;
      aborted = true;
    }
    // Aborted before a code size was done: the best network of the one being searched.
    chosen ??= search.current;
    if (chosen === null) throw abortError();
    let weights = chosen.weights;
    let final: CompressorProgress | null = null;
    if (resolved.finalLearning && !aborted) {
      train.dispose();
      valid.dispose();
      all = uploadFitRows(backend, dtype, data.all);
      try {
        const refit = await search.refit(chosen, principalComponents(data.all), all);
        weights = refit.weights;
        final = refit.progress;
      } catch (error) {
        // Stopped during the refit: the chosen network as the search trained it.
        if (!(error instanceof BuildAborted)) throw error;
        aborted = true;
      }
    }
    const model = compressorDescription(
      chosen.shape,
      weights,
      data.inputNormalization,
      input.inputNames ?? [],
      search.models[chosen.index],
      final,
    );
    return {
      model,
      history: {
        models: search.models,
        codeSize: chosen.shape.code,
        selectedModel: chosen.index,
        final,
        aborted,
      },
    };
  } finally {
    train.dispose();
    valid.dispose();
    all?.dispose();
    if (ownBackend) backend.destroy();
  }
}

/** The model description of a compressor (see `ModelCompression`). */
function compressorDescription(
  shape: AutoencoderShape,
  weights: Float64Array,
  normalization: ModelDescription["inputNormalization"],
  inputNames: readonly string[],
  chosen: CompressorProgress | undefined,
  final: CompressorProgress | null,
): ModelDescription {
  const { encoder, decoder } = autoencoder(shape);
  const pe = weightCount(encoder);
  const c = shape.code;
  return {
    structure: encoder,
    weights: weights.slice(0, pe),
    inputNormalization: normalization,
    outputNormalization: { shift: new Float64Array(c), scale: new Float64Array(c).fill(1) },
    inputNames: [...inputNames],
    outputNames: [],
    ...(chosen
      ? {
          errors: {
            training: [final ? final.trainingError : chosen.trainingError],
            validation: [chosen.validationError],
          },
        }
      : {}),
    compression: { decoder, decoderWeights: weights.slice(pe) },
  };
}
