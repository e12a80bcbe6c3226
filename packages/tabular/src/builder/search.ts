/**
 * The structural search: grow the network neuron by neuron while the
 * validation error improves, then remove inputs and links that do not help.
 * Every improvement (growth) or harmless simplification (pruning) is
 * accepted into the build's record, which chooses the final model.
 */
import { connectedInputs, weightCount } from "../network/structure.js";
import { type Fitter, jointEvidence, linkCount, SEARCH_FIT, type TrainedNetwork } from "./fit.js";
import {
  curvatureDirections,
  directedCandidates,
  freshWeights,
  growthCandidates,
  inputsBySaliency,
  linksBySaliency,
} from "./moves.js";
import { linksOfInput, removeLinks, type WeightedNetwork } from "./network-edit.js";
import { type Beta, fullBeta, weightGroups } from "./prior.js";
import type { Random } from "./random.js";
import type { BuildPhase } from "./settings.js";
import { BETA_MAX, throwIfAborted } from "./train.js";

/**
 * A growth step must lower the best validation error by this fraction to
 * count. Small: a neuron that helps a little is worth keeping in the record,
 * since the final selection (build.ts) weighs size against error itself.
 */
export const GROWTH_GAIN = 0.002;
/** Growth stops after this many steps in a row without such a gain. */
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
 * the fresh ones. A
 * random direction among d inputs puts about k/d of its weight on the k
 * that matter: with 60 inputs of which 5 matter, a third of the builds
 * found no neuron at all from random starts alone. Below 16 inputs random
 * starts find them; there, directed candidates added to the five cost 40 %
 * more training and moved the bundled tasks' errors both ways (auto-mpg
 * lower, boston higher).
 */
export const DIRECTED_GROWTH_INPUTS = 16;
/** A pruning step is kept when the validation error stays within this fraction of the best (0: no worse). */
export const PRUNING_TOLERANCE = 0;
/**
 * Gain in joint evidence (nats) that removes an input the validation error
 * alone would keep: a Bayes factor above e³ ≈ 20, "strong" on Kass and
 * Raftery's scale. A removal the validation error objects to, however
 * slightly, must be clearly supported: on the bundled tasks useful inputs
 * correlated with others (boston's nox) gain up to 2.5 nats when removed.
 */
export const INPUT_REMOVAL_EVIDENCE = 3;
/** Pruning stops after this many rejected single-link removals in a row. */
export const PRUNING_PATIENCE = 2;

export interface SearchContext {
  readonly fitter: Fitter;
  readonly random: Random;
  readonly signal: AbortSignal | undefined;
  /** 0 = no cap. */
  readonly linksMaximumNumber: number;
  readonly disconnectInputsIfPossible: boolean;
  /** Lowest validation error of the accepted models so far. */
  bestScore(): number;
  /** Records an accepted model (checkpoint, progress). */
  accept(model: TrainedNetwork, phase: BuildPhase): Promise<void>;
}

/** Weights a network may have: a quarter of the training residuals, so that it cannot just memorise them. */
function weightBudget(ctx: SearchContext, outputs: number): number {
  return Math.max(8, Math.floor((ctx.fitter.trainingRows * outputs) / 4));
}

/** Forces the link cap: removes the least salient links (no tolerance) and retrains. */
export async function enforceLinkCap(ctx: SearchContext, start: TrainedNetwork): Promise<TrainedNetwork> {
  let current = start;
  while (ctx.linksMaximumNumber > 0 && linkCount(current.network) > ctx.linksMaximumNumber) {
    throwIfAborted(ctx.signal);
    const excess = linkCount(current.network) - ctx.linksMaximumNumber;
    const drop = linksBySaliency(current)
      .slice(0, excess)
      .map((s) => s.position);
    current = await ctx.fitter.fit(removeLinks(current.network, drop), current.beta, SEARCH_FIT);
  }
  return current;
}

export interface Growth {
  readonly last: TrainedNetwork;
  /** The weight budget stopped growth right after an accepted step: it was still gaining. */
  readonly heldBackByBudget: boolean;
}

/**
 * Adds hidden neurons one at a time, each the best (by validation error) of
 * GROWTH_CANDIDATES networks that add a seeded neuron to the current one,
 * and GROWTH_FRESH_CANDIDATES fresh initialisations of the grown structure
 * or, on many inputs, GROWTH_DIRECTED_CANDIDATES that add a neuron along the
 * residuals' curvature. A step counts when it lowers the
 * best validation error by GROWTH_GAIN, or when it raises the best log
 * evidence of the growth so far (the training rows' own judgement of the
 * extra neuron: on a small validation set a useful neuron can look flat).
 * Returns the last network accepted, and whether the weight budget stopped
 * growth while it was still gaining.
 */
export async function grow(ctx: SearchContext, start: TrainedNetwork): Promise<Growth> {
  let best = start;
  let base = start;
  let stale = 0;
  let bestEvidence = start.evidence;
  const outputs = start.network.structure.outputs;
  const allowed = (c: WeightedNetwork) =>
    weightCount(c.structure) <= weightBudget(ctx, outputs) &&
    (ctx.linksMaximumNumber === 0 || linkCount(c) <= ctx.linksMaximumNumber);
  const lowest = (trained: TrainedNetwork[]) => trained.reduce((a, b) => (b.score < a.score ? b : a));
  const counts = (t: TrainedNetwork) =>
    t.score < ctx.bestScore() * (1 - GROWTH_GAIN) || t.evidence > bestEvidence;
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
    const pick = lowest(await ctx.fitter.fitAll(candidates, base.beta, SEARCH_FIT));
    if (counts(pick)) {
      await ctx.accept(pick, "growth");
      best = pick;
      stale = 0;
    } else {
      stale++;
    }
    bestEvidence = Math.max(bestEvidence, pick.evidence);
    base = pick;
  }
  return { last: best, heldBackByBudget: false };
}

/**
 * Growth candidates whose new neuron starts along a direction the base
 * network's training residuals curve in (moves.ts `curvatureDirections`).
 * Where the first neuron reading every input would not fit the weight
 * budget, it reads the inputs the direction weighs most: otherwise inputs
 * would be removed from the linear model, which drops an input whose effect
 * is only curved.
 */
async function directedGrowth(ctx: SearchContext, base: TrainedNetwork): Promise<WeightedNetwork[]> {
  const inputs = connectedInputs(base.network.structure);
  const outputs = base.network.structure.outputs;
  // Input links a new neuron may have within the budget (besides its bias and output links).
  const room = weightBudget(ctx, outputs) - weightCount(base.network.structure) - 1 - outputs;
  // Only the first neuron reads fewer inputs; later ones wait for the removals (`heldBackByBudget`).
  if (room < 1 || (room < inputs.length && base.network.structure.hidden > 0)) return [];
  const residuals = await ctx.fitter.trainingResiduals(base.network);
  const directions = curvatureDirections(
    ctx.fitter.trainingInputs,
    residuals,
    outputs,
    inputs,
    GROWTH_DIRECTED_CANDIDATES,
  );
  return directedCandidates(base.network, directions, ctx.random, room);
}

function withinTolerance(ctx: SearchContext, t: TrainedNetwork): boolean {
  return t.score <= ctx.bestScore() * (1 + PRUNING_TOLERANCE);
}

/**
 * Inputs tried together in the first removal: this fraction of those
 * connected, at least 1 (so one at a time below 16 inputs). On wide data
 * most inputs are often noise, and removing them one training at a time
 * took most of the build.
 */
export const INPUT_BATCH_FRACTION = 1 / 8;

/**
 * Removes whole inputs, least salient first: a batch at a time while
 * batches are accepted, halving the batch on a rejection, then one input at
 * a time; stops after PRUNING_PATIENCE single inputs in a row are kept.
 * A removal is kept when the validation error stays within
 * PRUNING_TOLERANCE of the best, or when it raises the joint evidence of
 * training and validation rows (`jointEvidence`) by more than
 * INPUT_REMOVAL_EVIDENCE: removing an input of pure noise moves the
 * validation error of noisy rows up or down by chance, so the validation
 * error alone keeps such inputs about half the time, while the evidence
 * gains several nats for every weight no longer needed.
 */
export async function pruneInputs(ctx: SearchContext, start: TrainedNetwork): Promise<TrainedNetwork> {
  let current = start;
  let failures = 0;
  let batch = Math.max(1, Math.floor(connectedInputs(start.network.structure).length * INPUT_BATCH_FRACTION));
  const kept = new Set<number>();
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
    const trial = await ctx.fitter.fit(removeLinks(current.network, links), current.beta, SEARCH_FIT);
    if (
      withinTolerance(ctx, trial) ||
      jointEvidence(trial) > jointEvidence(current) + INPUT_REMOVAL_EVIDENCE
    ) {
      await ctx.accept(trial, "inputs");
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
}

/**
 * Up to `count` links from `ranked` (in order, after the first `skip`);
 * when inputs must stay connected, never all the links of an input.
 */
function chooseLinks(
  ctx: SearchContext,
  network: WeightedNetwork,
  ranked: readonly number[],
  skip: number,
  count: number,
): number[] {
  if (ctx.disconnectInputsIfPossible) return ranked.slice(skip, skip + count);
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

/**
 * Removes links by increasing saliency: a batch at a time while batches are
 * accepted, halving the batch on a rejection, then single links; stops
 * after PRUNING_PATIENCE rejected single links in a row.
 */
export async function pruneLinks(ctx: SearchContext, start: TrainedNetwork): Promise<TrainedNetwork> {
  let current = start;
  let batch = Math.max(1, Math.floor(linkCount(current.network) / 8));
  let skip = 0;
  while (skip < PRUNING_PATIENCE) {
    throwIfAborted(ctx.signal);
    const ranked = linksBySaliency(current).map((s) => s.position);
    const chosen = chooseLinks(ctx, current.network, ranked, skip, batch);
    if (chosen.length === 0 || linkCount(current.network) <= 1) break;
    const pruned = removeLinks(current.network, chosen);
    const allowed = ctx.disconnectInputsIfPossible || keepsInputs(current.network, pruned);
    const trial = allowed ? await ctx.fitter.fit(pruned, current.beta, SEARCH_FIT) : null;
    if (trial && withinTolerance(ctx, trial)) {
      await ctx.accept(trial, "pruning");
      current = trial;
    } else if (batch > 1) {
      batch = Math.floor(batch / 2);
    } else {
      skip++;
    }
  }
  return current;
}

/**
 * Links of the weight groups whose β is at BETA_MAX: the evidence has
 * switched the group off, and training pins its weights near 0, so they
 * cost weights and compute nothing. With `keepInputs`, an input whose links
 * are all switched off keeps them (it must stay connected). Never every
 * link of the network.
 */
export function switchedOffLinks(network: WeightedNetwork, beta: Beta, keepInputs: boolean): number[] {
  const s = network.structure;
  const full = fullBeta(beta);
  const groups = weightGroups(s);
  const off = new Set<number>();
  s.links.forEach((_, i) => {
    if (full[groups[i]] >= BETA_MAX) off.add(i);
  });
  if (keepInputs) {
    for (const input of connectedInputs(s)) {
      const links = linksOfInput(network, input);
      if (links.every((q) => off.has(q))) for (const q of links) off.delete(q);
    }
  }
  return off.size === s.links.length ? [] : [...off];
}
