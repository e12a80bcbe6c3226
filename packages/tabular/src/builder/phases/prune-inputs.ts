/**
 * Input removal: removes whole inputs, least salient first (group OBS
 * saliency, moves.ts `inputsBySaliency`): a batch at a time while batches
 * are accepted, halving the batch on a rejection, then one input at a time;
 * an input whose single removal is rejected is kept for good, and the phase
 * ends after PRUNING_PATIENCE such rejections in a row. A removal is
 * judged by rules.ts `inputRemovalAccepted`. Never removes the last input.
 */
import { connectedInputs } from "../../network/structure.js";
import { SEARCH_FIT } from "../fit.js";
import { inputsBySaliency } from "../moves.js";
import { linksOfInput, removeLinks } from "../network-edit.js";
import { inputRemovalAccepted } from "../rules.js";
import { throwIfAborted } from "../train.js";
import { type SearchPhase, takeResumedState } from "./context.js";

/** Removal phases end after this many rejected single removals in a row. */
export const PRUNING_PATIENCE = 2;

/**
 * Inputs tried together in the first removal: this fraction of those
 * connected, at least 1 (so one at a time below 16 inputs). On wide data
 * most inputs are often noise, and removing them one training at a time
 * took most of the build.
 */
export const INPUT_BATCH_FRACTION = 1 / 8;

export const pruneInputs: SearchPhase = async (ctx, start) => {
  let current = start;
  let failures = 0;
  // Resumed at an accepted removal: the batch size and the inputs kept for good then.
  const resumed = takeResumedState(ctx);
  let batch =
    typeof resumed?.batch === "number"
      ? resumed.batch
      : Math.max(1, Math.floor(connectedInputs(start.network.structure).length * INPUT_BATCH_FRACTION));
  const kept = new Set<number>(Array.isArray(resumed?.kept) ? resumed.kept : []);
  while (failures < PRUNING_PATIENCE) {
    throwIfAborted(ctx.signal);
    // Never the last input.
    const room = connectedInputs(current.network.structure).length - 1;
    const chosen = inputsBySaliency(current)
      .filter((s) => !kept.has(s.input))
      .slice(0, Math.min(batch, room))
      .map((s) => s.input);
    if (chosen.length === 0) break;
    const links = chosen.flatMap((input) => linksOfInput(current.network, input));
    const trial = await ctx.trainer.fit(removeLinks(current.network, links), current.beta, SEARCH_FIT);
    if (inputRemovalAccepted(trial, current, ctx.record.bestScore())) {
      await ctx.record.accept(trial, "inputs", { batch, kept: [...kept] });
      current = trial;
      failures = 0;
    } else if (batch > 1) {
      batch = Math.floor(batch / 2);
    } else {
      kept.add(chosen[0]);
      failures++;
    }
  }
  return current;
};
