/**
 * Training one candidate network and scoring it: the unit of work of the
 * search. A candidate is trained on the training rows by Levenberg–Marquardt
 * and scored by its RMSE on the validation rows (normalised units).
 */
import type { Backend, DType } from "@neureco/core";
import { weightCount } from "../network/structure.js";
import type { WeightedNetwork } from "./network-edit.js";
import { type DeviceData, Objective } from "./objective.js";
import { type Beta, effectiveParameters, trainLevenbergMarquardt, weightGroups } from "./train.js";

export interface TrainedNetwork {
  readonly network: WeightedNetwork;
  /** Regularisation per weight group (see train.ts). */
  readonly beta: Beta;
  /** JᵀJ on the training rows at the trained weights. */
  readonly jtj: Float64Array;
  /** RMSE per output on the training rows. */
  readonly trainingRmse: readonly number[];
  /** RMSE per output on the validation rows (empty set: NaN). */
  readonly validationRmse: readonly number[];
  /** The selection criterion: RMSE over all outputs on the validation rows. */
  readonly score: number;
  /** Effective number of parameters γ (see train.ts `effectiveParameters`). */
  readonly gamma: number;
}

export interface FitOptions {
  readonly maxIterations: number;
  readonly tolerance: number;
  readonly adaptBeta: boolean;
}

/** Search fits: enough iterations to rank candidates. */
export const SEARCH_FIT: FitOptions = { maxIterations: 30, tolerance: 1e-5, adaptBeta: true };
/**
 * The final refit and frozen-structure retraining: to convergence, with the
 * regularisation the model was chosen with (re-estimating it on all rows
 * lets it drift down and overfit).
 */
export const FINAL_FIT: FitOptions = { maxIterations: 300, tolerance: 1e-10, adaptBeta: false };

/** RMSE over all outputs from per-output RMSEs. */
export function overallRmse(perOutput: readonly number[]): number {
  let s = 0;
  for (const v of perOutput) s += v * v;
  return Math.sqrt(s / perOutput.length);
}

export class Fitter {
  constructor(
    private readonly backend: Backend,
    readonly dtype: DType,
    private readonly train: DeviceData,
    private readonly valid: DeviceData | null,
    private readonly signal: AbortSignal | undefined,
  ) {}

  get trainingRows(): number {
    return this.train.rows;
  }

  async fit(network: WeightedNetwork, beta: Beta, options: FitOptions): Promise<TrainedNetwork> {
    const objective = new Objective(this.backend, network.structure, this.train);
    const result = await trainLevenbergMarquardt(objective, network.weights, {
      ...options,
      beta,
      signal: this.signal,
    });
    const trained: WeightedNetwork = { structure: network.structure, weights: result.weights };
    const trainingSse = await objective.sseByOutput(result.weights);
    const trainingRmse = Array.from(trainingSse, (s) => Math.sqrt(s / this.train.rows));
    let validationRmse: number[];
    if (this.valid) {
      const validSse = await new Objective(this.backend, network.structure, this.valid).sseByOutput(
        result.weights,
      );
      validationRmse = Array.from(validSse, (s) => Math.sqrt(s / (this.valid as DeviceData).rows));
    } else {
      validationRmse = trainingRmse.map(() => Number.NaN);
    }
    return {
      network: trained,
      beta: result.beta,
      jtj: result.jtj,
      trainingRmse,
      validationRmse,
      score: overallRmse(validationRmse),
      gamma: effectiveParameters(result.jtj, weightGroups(network.structure), result.beta),
    };
  }
}

export function linkCount(n: WeightedNetwork): number {
  return n.structure.links.length;
}

export function parameterCount(n: WeightedNetwork): number {
  return weightCount(n.structure);
}
