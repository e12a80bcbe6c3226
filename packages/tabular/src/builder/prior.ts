/**
 * The weight prior of a build: a Gaussian on the weights, isotropic in
 * standardised units (every input and output with unit variance), whatever
 * normalisation the model itself uses. A link's penalty is therefore scaled
 * by the variances of what it connects, so that an input with a small
 * spread in normalised units (a skewed column divided by its largest
 * deviation) is not left almost unregularised.
 *
 * In standardised units the objective is ½·Σr²/v_y + ½·β_g·Σ w_std²; in
 * normalised units, times v_y, each weight gets the penalty β_g·s_i with
 *   input j → hidden   s = v_y·v_j
 *   hidden → hidden    s = v_y
 *   hidden → output    s = 1
 *   input j → output   s = v_j
 * (v_j: variance of normalised input j, v_y: mean variance of the
 * normalised outputs). Biases are not penalised.
 */
import type { NetworkStructure } from "../network/structure.js";
import type { Likelihood } from "./likelihood.js";
import { forEachBlock, type RowSource } from "./rows.js";

/** Prior strengths, one per weight group (see `weightGroups`). */
export type Beta = readonly number[];

/** Weight groups, each with its own β: links into hidden neurons, hidden → output links, input → output links. */
export const BETA_GROUPS = 3;
export const GROUP_INTO_HIDDEN = 0;
export const GROUP_HIDDEN_TO_OUTPUT = 1;
export const GROUP_INPUT_TO_OUTPUT = 2;

/** Variances of the normalised data that scale the prior. */
export interface PriorMetric {
  readonly inputVariance: readonly number[];
  readonly outputVariance: number;
}

/** Smallest variance used: a constant column must not get an infinite prior precision (nor a zero one). */
const VARIANCE_FLOOR = 1e-12;

/**
 * Variance of every column of the rows' inputs and outputs, in one pass for
 * the means and one for the squares, each summed in row order.
 */
function columnVariances(source: RowSource): { inputs: Float64Array; outputs: Float64Array } {
  const n = source.rows;
  const { inputs: m, outputs: k } = source;
  const sums = (f: (v: number, mean: number) => number, means: [Float64Array, Float64Array] | null) => {
    const into: [Float64Array, Float64Array] = [new Float64Array(m), new Float64Array(k)];
    forEachBlock(source, (block, _first, rows) => {
      for (const [values, c, side] of [
        [block.x, m, 0],
        [block.y, k, 1],
      ] as const) {
        const out = into[side];
        const mean = means?.[side];
        for (let i = 0; i < rows; i++)
          for (let j = 0; j < c; j++) out[j] += f(values[i * c + j], mean ? mean[j] : 0);
      }
    });
    return into;
  };
  const means = sums((v) => v / n, null);
  const [vx, vy] = sums((v, mean) => (v - mean) ** 2 / n, means);
  const floor = (v: Float64Array) => v.map((x) => Math.max(x, VARIANCE_FLOOR));
  return { inputs: floor(vx), outputs: floor(vy) };
}

/**
 * The metric of normalised training rows. A categorical likelihood's
 * outputs are logits, not the class indicators the rows hold: their
 * variance is taken as 1 (a unit of log-odds).
 */
export function priorMetric(training: RowSource, likelihood: Likelihood = "gaussian"): PriorMetric {
  const variances = columnVariances(training);
  let outputVariance = 0;
  for (const v of variances.outputs) outputVariance += v / training.outputs;
  if (likelihood === "categorical") outputVariance = 1;
  return { inputVariance: Array.from(variances.inputs), outputVariance };
}

/** Group of every weight (-1 = bias, not penalised), in the weight layout of network/structure.ts. */
export function weightGroups(s: NetworkStructure): Int8Array {
  const groups = new Int8Array(s.links.length + s.hidden + s.outputs).fill(-1);
  const firstOutput = s.inputs + s.hidden;
  s.links.forEach(([from, to], i) => {
    groups[i] =
      to < firstOutput ? GROUP_INTO_HIDDEN : from < s.inputs ? GROUP_INPUT_TO_OUTPUT : GROUP_HIDDEN_TO_OUTPUT;
  });
  return groups;
}

/** Scale s_i of every weight's penalty (0 for biases). */
export function priorScales(s: NetworkStructure, metric: PriorMetric): Float64Array {
  const scales = new Float64Array(s.links.length + s.hidden + s.outputs);
  const firstOutput = s.inputs + s.hidden;
  const vy = metric.outputVariance;
  s.links.forEach(([from, to], i) => {
    const source = from < s.inputs ? metric.inputVariance[from] : 1;
    scales[i] = to < firstOutput ? vy * source : source;
  });
  return scales;
}

/** The weights' prior, ready for training: group and scale of each weight. */
export interface WeightPrior {
  readonly groups: Int8Array;
  readonly scales: Float64Array;
}

export function weightPrior(s: NetworkStructure, metric: PriorMetric): WeightPrior {
  return { groups: weightGroups(s), scales: priorScales(s, metric) };
}

/** β_g(i)·s_i for every weight: the diagonal added to JᵀJ. A β list shorter than BETA_GROUPS (older checkpoints) repeats its last entry. */
export function penaltyDiagonal(prior: WeightPrior, beta: Beta): Float64Array {
  const full = fullBeta(beta);
  return Float64Array.from(prior.groups, (g, i) => (g < 0 ? 0 : full[g] * prior.scales[i]));
}

/** A β list of BETA_GROUPS entries (older checkpoints hold fewer). */
export function fullBeta(beta: Beta): Beta {
  return Array.from({ length: BETA_GROUPS }, (_, g) => beta[g] ?? beta[beta.length - 1]);
}
