/**
 * Training one candidate network and scoring it: the unit of work of the
 * search. A candidate is trained on the training rows by Levenberg–Marquardt
 * and scored by its RMSE on the validation rows (normalised units).
 */
import type { Backend, DType } from "@neureco/core";
import type { Matrix } from "../matrix.js";
import type { NetworkStructure } from "../network/structure.js";
import type { Likelihood } from "./likelihood.js";
import { cholesky } from "./linalg.js";
import type { WeightedNetwork } from "./network-edit.js";
import { type DeviceData, Objective } from "./objective.js";
import { type Beta, type PriorMetric, weightPrior } from "./prior.js";
import { readAllRows } from "./rows.js";
import { totalWellDetermined, trainLevenbergMarquardt, wellDeterminedWeights } from "./train.js";

export interface TrainedNetwork {
  readonly network: WeightedNetwork;
  /** Regularisation per weight group (see train.ts). */
  readonly beta: Beta;
  /** The penalty diagonal added to JᵀJ (β of each weight's group times its prior scale). */
  readonly penalty: Float64Array;
  /** JᵀJ on the training rows at the trained weights. */
  readonly jtj: Float64Array;
  /** RMSE per output on the training rows (categorical likelihood: the log-loss, in every entry). */
  readonly trainingRmse: readonly number[];
  /** RMSE per output on the validation rows (empty set: NaN; categorical: the log-loss, in every entry). */
  readonly validationRmse: readonly number[];
  /** The selection criterion: RMSE over all outputs on the validation rows (categorical: their log-loss). */
  readonly score: number;
  /** Effective number of parameters γ (see train.ts `effectiveParameters`). */
  readonly gamma: number;
  /** Log evidence of the training rows (see `logEvidence`). */
  readonly evidence: number;
  /** Log density of the validation rows as the network predicts them (see `validationLogLikelihood`); NaN without validation rows. */
  readonly validationLogLikelihood: number;
  /** What the outputs are (likelihood.ts); absent: gaussian. */
  readonly likelihood?: Likelihood;
}

/**
 * The evidence framework's noise precision b = (N − γ)/Σr²: N residuals
 * (rows × outputs), γ of the weights spent on fitting them.
 */
export function noisePrecision(sse: number, gamma: number, residuals: number): number {
  return Math.max(residuals - gamma, 1) / Math.max(sse, Number.MIN_VALUE);
}

/** The noise precision the evidence formulas use: `noisePrecision`'s, or 1 for a categorical likelihood (no noise level). */
function likelihoodPrecision(likelihood: Likelihood, sse: number, gamma: number, residuals: number): number {
  return likelihood === "categorical" ? 1 : noisePrecision(sse, gamma, residuals);
}

/**
 * ln p(rows | network) from their deviance D: a Gaussian's
 * −½·b·D + ½·n·ln(b/2π) (n residuals, noise precision b), or −½·D, minus
 * the cross-entropy, for a categorical likelihood.
 */
function logLikelihood(likelihood: Likelihood, deviance: number, residuals: number, b: number): number {
  return likelihood === "categorical" ? -0.5 * deviance : validationLogLikelihood(deviance, residuals, b);
}

/**
 * ln p(validation rows | training rows) ≈ −½·b·Σr_v² + ½·n_v·ln(b/2π): each
 * validation residual r_v scored as Gaussian noise of the training's
 * precision b around the network's prediction (n_v residuals).
 */
export function validationLogLikelihood(validationSse: number, residuals: number, b: number): number {
  return -0.5 * b * validationSse + 0.5 * residuals * Math.log(b / (2 * Math.PI));
}

/**
 * ln p(training rows) + ln p(validation rows | training rows): the log
 * evidence of all rows, the validation rows scored by prediction. Neither
 * half alone judges a small change well: the evidence of the training rows
 * rests on the Laplace approximation, the validation error of a few hundred
 * rows is noisy. Summed, the nats a change gains in evidence must outweigh
 * those the validation rows lose.
 */
export function jointEvidence(t: TrainedNetwork): number {
  return t.evidence + t.validationLogLikelihood;
}

/**
 * Prior precision of the biases (not penalised in training): a unit
 * Gaussian in normalised units, where inputs and outputs span about ±1. An
 * absolute precision, not one relative to the noise: on noiseless data the
 * noise precision grows without bound and would pin the biases to 0.
 */
const BIAS_PRIOR_PRECISION = 1;
/** Smallest prior precision of a penalised weight. */
const MIN_PRIOR_PRECISION = 1e-12;

/** The prior precision α_i of every weight, for noise precision b (see `logEvidence`). */
export function priorPrecisions(penalty: Float64Array, b: number): Float64Array {
  return penalty.map((d) => (d > 0 ? Math.max(b * d, MIN_PRIOR_PRECISION) : BIAS_PRIOR_PRECISION));
}

/** The posterior precision of the weights, A = b·JᵀJ + diag(α) (p × p, row-major). */
export function posteriorPrecision(jtj: Float64Array, alphas: Float64Array, b: number): Float64Array {
  const p = alphas.length;
  const a = jtj.map((v) => v * b);
  for (let i = 0; i < p; i++) a[i * p + i] += alphas[i];
  return a;
}

/**
 * Laplace approximation of the log evidence ln p(D | structure, β) of a
 * trained network, in MacKay's form: noise precision b = (N − γ)/Σr²,
 * prior precision α_i = b·d_i (d the penalty diagonal; biases: a fixed
 * BIAS_PRIOR_PRECISION), A = b·JᵀJ + diag(α),
 * −½·b·Σr² − ½·Σα_i·w_i² − ½·ln det A + ½·Σ ln α_i + ½·N·ln(b/2π) + ln(h!·2^h),
 * the last term for the h! orderings and 2^h sign flips of the hidden
 * neurons that give the same function (h: the distinct hidden neurons, see
 * `distinctHiddenNeurons`). For a categorical likelihood, b = 1 and the
 * Gaussian's normalising term ½·N·ln(b/2π) is absent: −½·Σr² is then minus
 * the cross-entropy (Σr² the deviance, JᵀJ the Gauss–Newton matrix JᵀHJ).
 */
export function logEvidence(
  jtj: Float64Array,
  weights: Float64Array,
  penalty: Float64Array,
  sse: number,
  gamma: number,
  residuals: number,
  hidden: number,
  likelihood: Likelihood = "gaussian",
): number {
  const p = weights.length;
  const b = likelihoodPrecision(likelihood, sse, gamma, residuals);
  const alphas = priorPrecisions(penalty, b);
  let prior = 0;
  let logAlpha = 0;
  for (let i = 0; i < p; i++) {
    prior += alphas[i] * weights[i] * weights[i];
    logAlpha += Math.log(alphas[i]);
  }
  const l = cholesky(posteriorPrecision(jtj, alphas, b), p);
  if (!l) return Number.NEGATIVE_INFINITY;
  let logDet = 0;
  for (let i = 0; i < p; i++) logDet += 2 * Math.log(l[i * p + i]);
  let symmetry = 0;
  for (let h = 1; h <= hidden; h++) symmetry += Math.log(h) + Math.LN2;
  if (likelihood === "categorical")
    return -0.5 * sse - 0.5 * prior - 0.5 * logDet + 0.5 * logAlpha + symmetry;
  return (
    -0.5 * b * sse -
    0.5 * prior -
    0.5 * logDet +
    0.5 * logAlpha +
    0.5 * residuals * Math.log(b / (2 * Math.PI)) +
    symmetry
  );
}

/** Well-determined weights (Σγ_i over its links) a hidden neuron needs to count as distinct. */
export const DISTINCT_NEURON_GAMMA = 1;

/**
 * Hidden neurons that the data determine: those whose links (in and out)
 * hold at least DISTINCT_NEURON_GAMMA well-determined weights (see
 * `wellDeterminedWeights`). A neuron that its prior has switched off (a
 * group's β at its cap, its weights pinned near 0) is its own mirror image
 * and interchangeable with any other such neuron, so it must not earn the
 * evidence's symmetry factor: counted, it gave networks of dead neurons a
 * higher evidence than the linear model they compute.
 */
export function distinctHiddenNeurons(s: NetworkStructure, gammas: Float64Array): number {
  const perNeuron = new Float64Array(s.hidden);
  s.links.forEach(([from, to], i) => {
    if (from >= s.inputs && from < s.inputs + s.hidden) perNeuron[from - s.inputs] += gammas[i];
    if (to >= s.inputs && to < s.inputs + s.hidden) perNeuron[to - s.inputs] += gammas[i];
  });
  return perNeuron.filter((g) => g >= DISTINCT_NEURON_GAMMA).length;
}

export interface FitOptions {
  readonly maxIterations: number;
  readonly tolerance: number;
  readonly adaptBeta: boolean;
  /** Least β of each weight group (see train.ts `TrainOptions.betaFloor`). */
  readonly betaFloor?: Beta;
}

/** Search fits: enough iterations to rank candidates. */
export const SEARCH_FIT: FitOptions = { maxIterations: 30, tolerance: 1e-5, adaptBeta: true };
/**
 * The final refit and frozen-structure retraining: to convergence, with the
 * regularisation the model was chosen with (re-estimating it on all rows
 * lets it drift down and overfit).
 */
export const FINAL_FIT: FitOptions = { maxIterations: 300, tolerance: 1e-10, adaptBeta: false };

/** No iteration: the network judged at its weights and the β given (`Trainer.assess`). */
const ASSESS: FitOptions = { maxIterations: 0, tolerance: 0, adaptBeta: false };

/** RMSE over all outputs from per-output RMSEs. */
export function overallRmse(perOutput: readonly number[]): number {
  let s = 0;
  for (const v of perOutput) s += v * v;
  return Math.sqrt(s / perOutput.length);
}

/**
 * What the build's phases need from training: fit candidate networks on
 * the training rows (scored on the validation rows) and read the training
 * data they grow from. `Fitter` is the real one; a phase's tests may hand in
 * a stand-in.
 */
export interface Trainer {
  /** Rows the networks are trained on. */
  readonly trainingRows: number;
  /** Rows they are scored on (0: none). */
  readonly validationRows: number;
  /** Variances behind the weights' prior (see prior.ts). */
  readonly metric: PriorMetric;
  /** The normalised training inputs, (n, m), copied whole on each call: ask it of a subset (`PhaseContext.screen`) on many rows. */
  trainingInputs(): Matrix;
  /** Prediction − target of `network` on the training rows, (n, k) row-major. */
  trainingResiduals(network: WeightedNetwork): Promise<Float64Array>;
  /** Trains `network` from its weights with the prior strengths `beta`. */
  fit(network: WeightedNetwork, beta: Beta, options: FitOptions): Promise<TrainedNetwork>;
  /**
   * `network` as it is, judged as `fit` judges a trained one (JᵀJ, errors,
   * evidence) with the prior strengths `beta`, untrained: what `fit`
   * returned for these weights and β, bit for bit.
   */
  assess(network: WeightedNetwork, beta: Beta): Promise<TrainedNetwork>;
  /** Trains independent networks (concurrently where the backend allows), results in the order given. */
  fitAll(networks: readonly WeightedNetwork[], beta: Beta, options: FitOptions): Promise<TrainedNetwork[]>;
}

export class Fitter implements Trainer {
  constructor(
    private readonly backend: Backend,
    readonly dtype: DType,
    private readonly train: DeviceData,
    private readonly valid: DeviceData | null,
    private readonly signal: AbortSignal | undefined,
    /** Variances behind the weights' prior (see prior.ts); the same for every fit of a build. */
    readonly metric: PriorMetric,
  ) {}

  get trainingRows(): number {
    return this.train.rows;
  }

  get validationRows(): number {
    return this.valid?.rows ?? 0;
  }

  trainingInputs(): Matrix {
    return readAllRows(this.train.source).x;
  }

  /** Prediction − target of `network` on the training rows, (n, k) row-major. */
  trainingResiduals(network: WeightedNetwork): Promise<Float64Array> {
    return new Objective(this.backend, network.structure, this.train).residuals(network.weights);
  }

  /**
   * Trains independent networks concurrently (a backend that queues work,
   * like WebGPU, runs one network's kernels while the host solves another's
   * step), in the order given. Settles only when every training has
   * stopped, so that none still uses the backend when the build ends; then
   * throws the first error, if any (an abort stops them all within one
   * iteration).
   */
  async fitAll(
    networks: readonly WeightedNetwork[],
    beta: Beta,
    options: FitOptions,
  ): Promise<TrainedNetwork[]> {
    const settled = await Promise.allSettled(networks.map((n) => this.fit(n, beta, options)));
    const trained: TrainedNetwork[] = [];
    for (const s of settled) {
      if (s.status === "rejected") throw s.reason;
      trained.push(s.value);
    }
    return trained;
  }

  assess(network: WeightedNetwork, beta: Beta): Promise<TrainedNetwork> {
    return this.fit(network, beta, ASSESS);
  }

  async fit(network: WeightedNetwork, beta: Beta, options: FitOptions): Promise<TrainedNetwork> {
    const objective = new Objective(this.backend, network.structure, this.train);
    const prior = weightPrior(network.structure, this.metric);
    const result = await trainLevenbergMarquardt(objective, network.weights, {
      ...options,
      beta,
      prior,
      signal: this.signal,
    });
    const trained: WeightedNetwork = { structure: network.structure, weights: result.weights };
    const { likelihood } = this.train;
    const trainingRmse = errorPerOutput(await objective.sseByOutput(result.weights), this.train);
    const { penalty } = result;
    const gammas = wellDeterminedWeights(result.jtj, penalty);
    const gamma = gammas ? totalWellDetermined(gammas) : Number.NaN;
    const distinct = gammas ? distinctHiddenNeurons(network.structure, gammas) : network.structure.hidden;
    const residuals = this.train.rows * this.train.outputs;
    let validationRmse: number[];
    let validationLikelihood = Number.NaN;
    if (this.valid) {
      const validSse = await new Objective(this.backend, network.structure, this.valid).sseByOutput(
        result.weights,
      );
      validationRmse = errorPerOutput(validSse, this.valid);
      validationLikelihood = logLikelihood(
        likelihood,
        validSse.reduce((a, b) => a + b, 0),
        this.valid.rows * this.valid.outputs,
        likelihoodPrecision(likelihood, result.sse, gamma, residuals),
      );
    } else {
      validationRmse = trainingRmse.map(() => Number.NaN);
    }
    return {
      evidence: logEvidence(
        result.jtj,
        result.weights,
        penalty,
        result.sse,
        gamma,
        residuals,
        distinct,
        likelihood,
      ),
      validationLogLikelihood: validationLikelihood,
      ...(likelihood === "categorical" ? { likelihood } : {}),
      penalty,
      network: trained,
      beta: result.beta,
      jtj: result.jtj,
      trainingRmse,
      validationRmse,
      score: overallRmse(validationRmse),
      gamma,
    };
  }
}

/**
 * The error per output from the deviance per output (`Objective.sseByOutput`):
 * the RMSE, or for a categorical likelihood the mean cross-entropy per row
 * (the log-loss) in every entry, so that `overallRmse` of them is the
 * log-loss too.
 */
function errorPerOutput(deviance: Float64Array, data: DeviceData): number[] {
  if (data.likelihood === "categorical") {
    let total = 0;
    for (const d of deviance) total += d;
    return Array.from(deviance, () => total / (2 * data.rows));
  }
  return Array.from(deviance, (s) => Math.sqrt(s / data.rows));
}
