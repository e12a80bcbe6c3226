/**
 * K-fold cross-validation of one network over all rows of a build
 * (training and validation rows together): each fold's rows are scored by
 * the network trained on the other folds. Used where one held-out third is
 * too few rows to tell settings apart (phases/output-prior.ts).
 */
import type { Backend, DType } from "@neureco/core";
import type { Matrix } from "../matrix.js";
import { type FitOptions, Fitter } from "./fit.js";
import type { Likelihood } from "./likelihood.js";
import type { WeightedNetwork } from "./network-edit.js";
import { DeviceData } from "./objective.js";
import type { Beta, PriorMetric } from "./prior.js";
import { selectedRows } from "./rows.js";

/**
 * A fold's error from its per-output errors (`TrainedNetwork.validationRmse`):
 * the sum over its rows of the mean square error over outputs, or of the
 * cross-entropy for a categorical likelihood.
 */
function foldError(perOutput: readonly number[], held: DeviceData): number {
  if (held.likelihood === "categorical") return perOutput[0] * held.rows;
  let meanSquare = 0;
  for (const rmse of perOutput) meanSquare += (rmse * rmse) / perOutput.length;
  return meanSquare * held.rows;
}

/**
 * The fold of every row: row i goes to fold i mod k, so that each fold
 * spans the whole file (rows sorted by time or by a column stay spread over
 * the folds), and the folds are the same for every network of a build.
 */
export function foldOfRow(row: number, folds: number): number {
  return row % folds;
}

/** What a phase needs of cross-validation; `CrossValidator` is the real one, a phase's tests may hand in another. */
export interface CrossValidation {
  /** Rows cross-validated over (0: none, the phases that need it skip). */
  readonly rows: number;
  /** Error (squared, or cross-entropy) of each of `folds` folds for each of `options` (see `CrossValidator.foldErrors`). */
  foldErrors(
    network: WeightedNetwork,
    beta: Beta,
    options: readonly FitOptions[],
    folds: number,
  ): Promise<number[][]>;
}

export class CrossValidator implements CrossValidation {
  constructor(
    private readonly backend: Backend,
    private readonly dtype: DType,
    /** All rows, normalised. */
    private readonly x: Matrix,
    private readonly y: Matrix,
    private readonly metric: PriorMetric,
    private readonly signal: AbortSignal | undefined,
    private readonly likelihood: Likelihood = "gaussian",
  ) {}

  get rows(): number {
    return this.x.shape[0];
  }

  /**
   * Squared error of every fold for each of `options`: the sum over the
   * fold's rows of the mean square error over outputs (normalised units),
   * so that the folds sum to the error of all rows whatever their sizes;
   * `network` trained from its weights on the other folds with `beta` and
   * that entry of `options` (result[o][f]: options o, fold f). Folds run one
   * after another, so that no more than one fold's data is on the backend
   * at a time; the trainings of one fold run concurrently (`Fitter.fitAll`'s
   * reason: a backend that queues work runs one's kernels while the host
   * solves another's step).
   */
  async foldErrors(
    network: WeightedNetwork,
    beta: Beta,
    options: readonly FitOptions[],
    folds: number,
  ): Promise<number[][]> {
    const errors: number[][] = options.map(() => []);
    for (let f = 0; f < folds; f++) {
      const inFold: number[] = [];
      const outOfFold: number[] = [];
      for (let row = 0; row < this.rows; row++) (foldOfRow(row, folds) === f ? inFold : outOfFold).push(row);
      const rows = (of: number[]) => selectedRows(this.x, this.y, null, null, Int32Array.from(of));
      const upload = { likelihood: this.likelihood };
      const train = DeviceData.upload(this.backend, this.dtype, rows(outOfFold), upload);
      const held = DeviceData.upload(this.backend, this.dtype, rows(inFold), upload);
      try {
        const fitter = new Fitter(this.backend, this.dtype, train, held, this.signal, this.metric);
        const settled = await Promise.allSettled(options.map((o) => fitter.fit(network, beta, o)));
        settled.forEach((s, o) => {
          if (s.status === "rejected") throw s.reason;
          errors[o].push(foldError(s.value.validationRmse, held));
        });
      } finally {
        train.dispose();
        held.dispose();
      }
    }
    return errors;
  }
}
