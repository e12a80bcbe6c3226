/**
 * Restarts: the chosen structure is trained from `restartCount` fresh
 * initialisations (the search's settings, the chosen model's β to start
 * from); the best retraining by rules.ts `bestRetraining` replaces it. A
 * trained network is one local minimum of many, and the search only ever
 * saw the one it grew into. A linear model has a single minimum and is
 * not restarted.
 *
 * The restarts are independent: all their initial weights are drawn first,
 * in order (so a seed gives the same bits), and they train concurrently, as
 * growth candidates do (`Trainer.fitAll`). On many rows they are screened
 * on a subset (screening.ts).
 */
import { SEARCH_FIT, type TrainedNetwork } from "../fit.js";
import { freshWeights } from "../moves.js";
import { bestRetraining } from "../rules.js";
import { throwIfAborted } from "../train.js";
import { type FinishingPhase, networkOf } from "./context.js";

/** Fresh initialisations of the chosen structure, for networks of up to RESTART_FULL_WEIGHTS weights. */
export const RESTARTS = 16;
/** Most weights for which all RESTARTS are tried. */
export const RESTART_FULL_WEIGHTS = 64;
/** Fewest restarts, however large the network. */
export const MIN_RESTARTS = 3;

/**
 * Restarts for a network of p weights. A restart costs a training, whose
 * Gauss–Newton matrix costs p² per row and iteration: above
 * RESTART_FULL_WEIGHTS the count falls as 1/p², so the restarts of a large
 * network cost about what 16 restarts of a 64-weight one do (never fewer
 * than MIN_RESTARTS).
 */
export function restartCount(p: number): number {
  if (p <= RESTART_FULL_WEIGHTS) return RESTARTS;
  return Math.max(MIN_RESTARTS, Math.round(RESTARTS * (RESTART_FULL_WEIGHTS / p) ** 2));
}

export const restart: FinishingPhase = async (ctx, chosen) => {
  if (chosen.structure.hidden === 0) return chosen;
  throwIfAborted(ctx.signal);
  const network = networkOf(chosen);
  const starts = Array.from({ length: restartCount(chosen.weights.length) }, () =>
    freshWeights(network, ctx.random),
  );
  let retrainings: TrainedNetwork[];
  if (ctx.screen === null) {
    retrainings = await ctx.trainer.fitAll(starts, chosen.beta, SEARCH_FIT);
  } else {
    // Screened (screening.ts): the restart of highest evidence on the subset is trained on every row.
    const screened = bestRetraining(
      await ctx.screen.fitAll(starts, chosen.beta, SEARCH_FIT),
      Number.NEGATIVE_INFINITY,
    );
    retrainings = screened ? [await ctx.trainer.fit(screened.network, chosen.beta, SEARCH_FIT)] : [];
  }
  const best = bestRetraining(retrainings, chosen.logEvidence);
  return best ? ctx.record.accept(best, "restart") : chosen;
};
