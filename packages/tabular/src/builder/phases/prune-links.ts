/**
 * Link removal: removes links by increasing OBS saliency (moves.ts
 * `linksBySaliency`): a batch at a time while batches are accepted, halving
 * the batch on a rejection, then single links, skipping past each single
 * link whose removal is rejected; the phase ends after PRUNING_PATIENCE
 * such rejections. A removal is judged by rules.ts `linkRemovalAccepted`.
 * When inputs must stay connected, no removal takes an input's last link.
 *
 * Also the link cap (`enforceLinkCap`), which removes without judging.
 */
import { connectedInputs } from "../../network/structure.js";
import { SEARCH_FIT, type TrainedNetwork } from "../fit.js";
import { linksBySaliency } from "../moves.js";
import { removeLinks, type WeightedNetwork } from "../network-edit.js";
import { linkRemovalAccepted } from "../rules.js";
import { throwIfAborted } from "../train.js";
import { linkCount, type PhaseContext, type SearchPhase, takeResumedState } from "./context.js";
import { PRUNING_PATIENCE } from "./prune-inputs.js";

/** Links tried together in the first removal: this fraction of the network's, at least 1. */
export const LINK_BATCH_FRACTION = 1 / 8;

/** Forces the link cap: removes the least salient links (no tolerance) and retrains, until the cap holds. */
export async function enforceLinkCap(ctx: PhaseContext, start: TrainedNetwork): Promise<TrainedNetwork> {
  let current = start;
  while (ctx.linksMaximumNumber > 0 && linkCount(current.network) > ctx.linksMaximumNumber) {
    throwIfAborted(ctx.signal);
    const excess = linkCount(current.network) - ctx.linksMaximumNumber;
    const drop = linksBySaliency(current)
      .slice(0, excess)
      .map((s) => s.position);
    current = await ctx.trainer.fit(removeLinks(current.network, drop), current.beta, SEARCH_FIT);
  }
  return current;
}

/**
 * Up to `count` links from `ranked` (in order, after the first `skip`);
 * when inputs must stay connected, never all the links of an input.
 */
export function chooseLinks(
  network: WeightedNetwork,
  ranked: readonly number[],
  skip: number,
  count: number,
  keepInputs: boolean,
): number[] {
  if (!keepInputs) return ranked.slice(skip, skip + count);
  const s = network.structure;
  const left = new Map<number, number>();
  for (const [from] of s.links) if (from < s.inputs) left.set(from, (left.get(from) ?? 0) + 1);
  const eligible = ranked.filter((q) => {
    const from = s.links[q][0];
    return from >= s.inputs || (left.get(from) ?? 0) > 1;
  });
  const chosen: number[] = [];
  for (const q of eligible.slice(skip)) {
    if (chosen.length === count) break;
    const from = s.links[q][0];
    if (from < s.inputs) {
      const n = left.get(from) ?? 0;
      if (n <= 1) continue;
      left.set(from, n - 1);
    }
    chosen.push(q);
  }
  return chosen;
}

/** Whether every input connected in `before` still is in `after` (dropping a dead neuron can take links with it). */
function keepsInputs(before: WeightedNetwork, after: WeightedNetwork): boolean {
  const kept = new Set(connectedInputs(after.structure));
  return connectedInputs(before.structure).every((i) => kept.has(i));
}

export const pruneLinks: SearchPhase = async (ctx, start) => {
  let current = start;
  // Resumed at an accepted removal: the batch size and the links skipped then.
  const resumed = takeResumedState(ctx);
  let batch =
    typeof resumed?.batch === "number"
      ? resumed.batch
      : Math.max(1, Math.floor(linkCount(current.network) * LINK_BATCH_FRACTION));
  let skip = typeof resumed?.skip === "number" ? resumed.skip : 0;
  const keepInputsConnected = !ctx.disconnectInputsIfPossible;
  while (skip < PRUNING_PATIENCE) {
    throwIfAborted(ctx.signal);
    const ranked = linksBySaliency(current).map((s) => s.position);
    const chosen = chooseLinks(current.network, ranked, skip, batch, keepInputsConnected);
    if (chosen.length === 0 || linkCount(current.network) <= 1) break;
    const pruned = removeLinks(current.network, chosen);
    const allowed = !keepInputsConnected || keepsInputs(current.network, pruned);
    const trial = allowed ? await ctx.trainer.fit(pruned, current.beta, SEARCH_FIT) : null;
    if (trial && linkRemovalAccepted(trial, ctx.record.bestScore())) {
      await ctx.record.accept(trial, "links", { batch, skip });
      current = trial;
    } else if (batch > 1) {
      batch = Math.floor(batch / 2);
    } else {
      skip++;
    }
  }
  return current;
};
