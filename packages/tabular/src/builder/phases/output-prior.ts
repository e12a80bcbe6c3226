/**
 * The strength of the output weights' prior, chosen by cross-validation.
 *
 * The evidence sets each group's β from the training rows alone, and for
 * the hidden → output links it sets it low: 3e-4 to 7e-3 on the suite's
 * tasks, where the grid-searched MLP's cross-validation picks an L2
 * strength α = 1 for most of them (β is α in the same units, see prior.ts).
 * Weak output priors let opposing output weights of 10 or more output SDs
 * cancel inside the data and blow up just outside it. A fixed floor at the
 * MLP's scale fixes that but costs the smooth few-neuron tasks, whose one
 * or two neurons need large output weights. So the data choose: the chosen
 * structure is trained with the hidden → output β floored at each of
 * OUTPUT_PRIOR_FLOORS (and without a floor), scored by CROSS_VALIDATION_FOLDS-fold
 * cross-validation over all rows, and the floor of lowest error over all
 * rows is kept (none: the chosen model stays).
 *
 * The folds are trained from the chosen weights, which the training rows
 * (two thirds of every fold) already shaped: that favours the chosen model
 * a little, which errs on the side of keeping it. Linear models have no
 * hidden → output links and are left alone, and so is a model whose data
 * hold its output weights too firmly for any floor to move them
 * (`floorsCannotMatter`): on many rows the 20 fold trainings cost more
 * than the rest of the build and could change nothing.
 */
import { SEARCH_FIT, type TrainedNetwork } from "../fit.js";
import { cholesky } from "../linalg.js";
import {
  BETA_GROUPS,
  type Beta,
  GROUP_HIDDEN_TO_OUTPUT,
  type PriorMetric,
  penaltyDiagonal,
  weightPrior,
} from "../prior.js";
import { throwIfAborted } from "../train.js";
import { type FinishingPhase, networkOf } from "./context.js";

/**
 * Floors tried for the hidden → output β, in standardised units (the L2
 * strength α of an MLP on standardised data): the decades from the MLP
 * grid's α = 0.01 to its α = 1, above the 3e-4 to 7e-3 the evidence sets. A
 * finer grid (0.003 to 1 in steps of √10) chose worse on the smallest
 * tasks: more candidates, more chances to pick one by the noise of 4-row
 * folds.
 */
export const OUTPUT_PRIOR_FLOORS: readonly number[] = [0.01, 0.1, 1];
/** Folds of the cross-validation. */
export const CROSS_VALIDATION_FOLDS = 5;

/**
 * The most a floor may move the output weights, as a share of themselves,
 * for the cross-validation to be skipped. A penalty δ added to a direction
 * the data hold with curvature λ moves the weights along it by about δ/λ
 * of themselves.
 */
export const NEGLIGIBLE_PRIOR_SHIFT = 1e-3;

/**
 * Whether no floor can move the hidden → output weights of `t` by more than
 * NEGLIGIBLE_PRIOR_SHIFT of themselves: the posterior precision H = JᵀJ +
 * penalty stays positive definite after taking, from the diagonal of those
 * weights, the strongest floor's penalty divided by NEGLIGIBLE_PRIOR_SHIFT.
 * By the Schur complement that bounds the curvature of every direction of
 * those weights, the others left free to follow: opposing output weights
 * that cancel inside the data (a direction of little curvature) keep the
 * cross-validation.
 */
export function floorsCannotMatter(t: TrainedNetwork, metric: PriorMetric): boolean {
  const p = t.network.weights.length;
  const prior = weightPrior(t.network.structure, metric);
  const strongest = penaltyDiagonal(prior, outputPriorFloor(Math.max(...OUTPUT_PRIOR_FLOORS)));
  const h = Float64Array.from(t.jtj);
  for (let i = 0; i < p; i++) {
    h[i * p + i] += t.penalty[i];
    if (prior.groups[i] === GROUP_HIDDEN_TO_OUTPUT) h[i * p + i] -= strongest[i] / NEGLIGIBLE_PRIOR_SHIFT;
  }
  return cholesky(h, p) !== null;
}

/** A β floor that raises only the hidden → output group to `floor`. */
export function outputPriorFloor(floor: number): Beta {
  return Array.from({ length: BETA_GROUPS }, (_, g) => (g === GROUP_HIDDEN_TO_OUTPUT ? floor : 0));
}

/** Index of the lowest total over the folds; the first of equals. */
function lowestError(foldErrors: readonly (readonly number[])[]): number {
  const totals = foldErrors.map((e) => e.reduce((a, b) => a + b, 0));
  let best = 0;
  for (let i = 1; i < totals.length; i++) if (totals[i] < totals[best]) best = i;
  return best;
}

export const chooseOutputPrior: FinishingPhase = async (ctx, chosen) => {
  if (chosen.structure.hidden === 0) return chosen;
  const folds = Math.min(CROSS_VALIDATION_FOLDS, ctx.crossValidation.rows);
  if (folds < 2) return chosen;
  const network = networkOf(chosen);
  if (floorsCannotMatter(await ctx.trainer.assess(network, chosen.beta), ctx.trainer.metric)) return chosen;
  const floors = [0, ...OUTPUT_PRIOR_FLOORS];
  throwIfAborted(ctx.signal);
  const options = floors.map((floor) => ({ ...SEARCH_FIT, betaFloor: outputPriorFloor(floor) }));
  const best = lowestError(await ctx.crossValidation.foldErrors(network, chosen.beta, options, folds));
  if (best === 0) return chosen;
  const retrained = await ctx.trainer.fit(network, chosen.beta, {
    ...SEARCH_FIT,
    betaFloor: outputPriorFloor(floors[best]),
  });
  return ctx.record.accept(retrained, "prior");
};
