/**
 * Growth: adds hidden neurons one at a time. Each step trains, from the
 * current network, GROWTH_CANDIDATES networks that add a seeded neuron to it
 * and either GROWTH_FRESH_CANDIDATES fresh initialisations of the grown
 * structure or, on DIRECTED_GROWTH_INPUTS connected inputs or more,
 * GROWTH_DIRECTED_CANDIDATES that add a neuron along the residuals'
 * curvature; the candidate of lowest validation error is the step's pick.
 * A pick that counts (rules.ts `growthCounts`) is accepted; growth stops
 * after GROWTH_PATIENCE picks in a row that do not, or when no candidate
 * fits the weight budget. On many rows the candidates are screened on a
 * subset (screening.ts).
 */
import { connectedInputs, weightCount } from "../../network/structure.js";
import { SEARCH_FIT, type TrainedNetwork } from "../fit.js";
import { curvatureDirections, directedCandidates, freshWeights, growthCandidates } from "../moves.js";
import type { WeightedNetwork } from "../network-edit.js";
import type { Beta } from "../prior.js";
import { growthCounts, lowestValidationError } from "../rules.js";
import { throwIfAborted } from "../train.js";
import { linkCount, type PhaseContext, type SearchPhase, takeResumedState } from "./context.js";

/** Growth stops after this many steps in a row whose pick does not count. */
export const GROWTH_PATIENCE = 2;
/** Candidates per growth step that add the new neuron to the trained network. */
export const GROWTH_CANDIDATES = 3;
/**
 * Candidates per growth step that train the grown structure from fresh
 * weights: a network grown from a trained one stays in the basin of the
 * smaller network, and a fresh start often fits far better.
 */
export const GROWTH_FRESH_CANDIDATES = 2;
/**
 * Candidates per growth step whose new neuron starts along a direction the
 * residuals curve in (moves.ts `curvatureDirections`), on networks of
 * DIRECTED_GROWTH_INPUTS connected inputs or more, in place of the fresh
 * initialisations.
 */
export const GROWTH_DIRECTED_CANDIDATES = 2;
/**
 * Connected inputs from which growth tries directed candidates in place of
 * the fresh ones. A random direction among d inputs puts about k/d of its
 * weight on the k that matter: with 60 inputs of which 5 matter, a third of
 * the builds found no neuron at all from random starts alone. Below 16
 * inputs random starts find them; there, directed candidates added to the
 * five cost 40 % more training and moved the bundled tasks' errors both ways
 * (auto-mpg lower, boston higher).
 */
export const DIRECTED_GROWTH_INPUTS = 16;
/** Fewest weights the budget allows, however few the rows. */
export const MIN_WEIGHT_BUDGET = 8;

/** Weights a network may have: a quarter of the training residuals, so that it cannot just memorise them. */
export function weightBudget(ctx: PhaseContext): number {
  return Math.max(MIN_WEIGHT_BUDGET, Math.floor((ctx.trainer.trainingRows * ctx.outputs) / 4));
}

export interface Growth {
  /** The last network accepted (the start when none was). */
  readonly last: TrainedNetwork;
  /** The weight budget stopped growth right after an accepted step: it was still gaining. */
  readonly heldBackByBudget: boolean;
}

/** Grows from `start` (see the file's header). */
export async function growFrom(ctx: PhaseContext, start: TrainedNetwork): Promise<Growth> {
  let best = start;
  let base = start;
  let stale = 0;
  // Resumed at an accepted step: `start` is that step's pick; the best evidence seen may be an earlier pick's.
  const resumed = takeResumedState(ctx);
  let bestEvidence = typeof resumed?.bestEvidence === "number" ? resumed.bestEvidence : start.evidence;
  const budget = weightBudget(ctx);
  const allowed = (c: WeightedNetwork) =>
    weightCount(c.structure) <= budget &&
    (ctx.linksMaximumNumber === 0 || linkCount(c) <= ctx.linksMaximumNumber);
  while (stale < GROWTH_PATIENCE) {
    throwIfAborted(ctx.signal);
    const grown = growthCandidates(base.network, GROWTH_CANDIDATES, ctx.random);
    // On many inputs directed candidates take the fresh ones' place: a fresh
    // start draws every neuron's direction at random, which many inputs defeat.
    const wide = connectedInputs(base.network.structure).length >= DIRECTED_GROWTH_INPUTS;
    const directed = wide ? await directedGrowth(ctx, base) : [];
    const freshCount = wide ? 0 : GROWTH_FRESH_CANDIDATES;
    const fresh = Array.from({ length: freshCount }, () => freshWeights(grown[0], ctx.random));
    const candidates = [...grown, ...fresh, ...directed].filter(allowed);
    if (candidates.length === 0) return { last: best, heldBackByBudget: stale === 0 };
    const pick = await trainAndPick(ctx, candidates, base.beta);
    const counts = growthCounts(
      pick,
      ctx.record.bestScore(),
      bestEvidence,
      ctx.trainer.validationRows * ctx.outputs,
    );
    bestEvidence = Math.max(bestEvidence, pick.evidence);
    if (counts) {
      await ctx.record.accept(pick, "growth", { bestEvidence });
      best = pick;
      stale = 0;
    } else {
      stale++;
    }
    base = pick;
  }
  return { last: best, heldBackByBudget: false };
}

/**
 * The candidate of lowest validation error, trained on the training rows.
 * On many rows all are trained on the screening subset and only the pick
 * on every row, from the weights the subset gave it (screening.ts).
 */
async function trainAndPick(
  ctx: PhaseContext,
  candidates: readonly WeightedNetwork[],
  beta: Beta,
): Promise<TrainedNetwork> {
  if (ctx.screen === null)
    return lowestValidationError(await ctx.trainer.fitAll(candidates, beta, SEARCH_FIT));
  const screened = lowestValidationError(await ctx.screen.fitAll(candidates, beta, SEARCH_FIT));
  return ctx.trainer.fit(screened.network, beta, SEARCH_FIT);
}

/**
 * Growth candidates whose new neuron starts along a direction the base
 * network's training residuals curve in (moves.ts `curvatureDirections`).
 * Where the first neuron reading every input would not fit the weight
 * budget, it reads the inputs the direction weighs most: otherwise inputs
 * would be removed from the linear model, which drops an input whose effect
 * is only curved.
 */
async function directedGrowth(ctx: PhaseContext, base: TrainedNetwork): Promise<WeightedNetwork[]> {
  const inputs = connectedInputs(base.network.structure);
  const outputs = base.network.structure.outputs;
  // Input links a new neuron may have within the budget (besides its bias and output links).
  const room = weightBudget(ctx) - weightCount(base.network.structure) - 1 - outputs;
  // Only the first neuron reads fewer inputs; later ones wait for input removal (`growAfterInputRemoval`).
  if (room < 1 || (room < inputs.length && base.network.structure.hidden > 0)) return [];
  // On many rows the directions are read off the screening subset, on which the candidates train.
  const rows = ctx.screen ?? ctx.trainer;
  const residuals = await rows.trainingResiduals(base.network);
  const directions = curvatureDirections(
    rows.trainingInputs(),
    residuals,
    outputs,
    inputs,
    GROWTH_DIRECTED_CANDIDATES,
  );
  return directedCandidates(base.network, directions, ctx.random, room);
}

/** The growth phase: grows, and notes for `growAfterInputRemoval` whether the budget held it back. */
export const grow: SearchPhase = async (ctx, current) => {
  const growth = await growFrom(ctx, current);
  ctx.growthHeldBackAt = growth.heldBackByBudget ? ctx.record.models.length : null;
  return growth.last;
};

/**
 * Growth the weight budget held back goes on once input removal has freed
 * weights: only when growth stopped on the budget while still gaining, and
 * inputs were removed since (models were accepted after growth stopped).
 */
export const growAfterInputRemoval: SearchPhase = async (ctx, current) => {
  const heldBackAt = ctx.growthHeldBackAt;
  if (heldBackAt === null || ctx.record.models.length === heldBackAt) return current;
  return grow(ctx, current);
};
