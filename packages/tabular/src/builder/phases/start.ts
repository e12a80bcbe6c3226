/**
 * The first phase: the network the search starts from.
 *
 * - `startLinear`: a fresh build trains the linear model (every input →
 *   every output), cut to the link cap, and accepts it as model 0.
 * - `continueFromCheckpoint`: a resumed build retrains the last model kept
 *   from the checkpoint (search settings, its own β) and searches on from
 *   it; the model is already in the record, so nothing is accepted.
 * - `retrainFrozen`: with `freezeStructure`, the kept model's weights are
 *   trained to convergence with its β and the result accepted as "frozen";
 *   no search follows.
 */
import type { CheckpointModel } from "../checkpoint.js";
import { FINAL_FIT, SEARCH_FIT } from "../fit.js";
import { linearNetwork } from "../network-edit.js";
import { BETA_GROUPS } from "../prior.js";
import { networkOf, type StartPhase } from "./context.js";
import { enforceLinkCap } from "./prune-links.js";

export const startLinear: StartPhase = async (ctx) => {
  const linear = await ctx.trainer.fit(
    linearNetwork(ctx.inputs, ctx.outputs),
    new Array<number>(BETA_GROUPS).fill(ctx.initialBetaReg),
    SEARCH_FIT,
  );
  const capped = await enforceLinkCap(ctx, linear);
  await ctx.record.accept(capped, "linear");
  return capped;
};

function lastKept(models: readonly CheckpointModel[]): CheckpointModel {
  const from = models[models.length - 1];
  if (!from) throw new Error("buildModel: no model to continue from (the record is empty)");
  return from;
}

export const continueFromCheckpoint: StartPhase = (ctx) => {
  const from = lastKept(ctx.record.models);
  return ctx.trainer.fit(networkOf(from), from.beta, SEARCH_FIT);
};

export const retrainFrozen: StartPhase = async (ctx) => {
  const from = lastKept(ctx.record.models);
  const retrained = await ctx.trainer.fit(networkOf(from), from.beta, FINAL_FIT);
  await ctx.record.accept(retrained, "frozen");
  return retrained;
};
