/**
 * The final refit (`finalLearning`): the chosen structure trained to
 * convergence on all rows, validation rows included, from the chosen
 * weights and with the chosen β (re-estimating β on all rows lets it drift
 * down and overfit). Its recorded training error is on all rows; its
 * validation error is the chosen model's, the estimate of generalisation,
 * since no row is held out any more. Not numbered: it is the checkpoint's
 * `final`, not one of its models.
 */
import type { CheckpointModel } from "../checkpoint.js";
import { FINAL_FIT } from "../fit.js";
import type { RecordedModel } from "../record.js";
import { networkOf, type PhaseContext } from "./context.js";

export async function refitOnAllRows(ctx: PhaseContext, chosen: CheckpointModel): Promise<RecordedModel> {
  const refit = await ctx.fitOnAllRows(networkOf(chosen), chosen.beta, FINAL_FIT);
  return {
    ...ctx.record.entry(refit, "final"),
    errors: { training: refit.trainingRmse, validation: chosen.errors.validation },
  };
}
