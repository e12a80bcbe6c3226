/**
 * Levenberg–Marquardt on E(w) = ½·Σr² + ½·β·‖w‖², with adaptive damping μ
 * (Nielsen's update) and, optionally, the regularisation β re-estimated from
 * the evidence (MacKay): γ = p − β·tr((JᵀJ + βI)⁻¹) well-determined
 * parameters, β ← γ·Σr² / (‖w‖²·(N − γ)). On noiseless data β falls towards
 * 0 and the fit goes to machine precision; on noisy data it settles where
 * the weights stop explaining noise.
 */
import { addDiagonal, cholesky, choleskyInverse, choleskySolve, dot } from "./linalg.js";
import type { Objective } from "./objective.js";

export interface TrainOptions {
  readonly beta: number;
  readonly adaptBeta: boolean;
  readonly maxIterations: number;
  /** Stop after two accepted steps in a row that improve E by less than this fraction. */
  readonly tolerance: number;
  /** Checked every iteration; an aborted signal throws `BuildAborted`. */
  readonly signal?: AbortSignal;
}

export interface TrainResult {
  readonly weights: Float64Array;
  readonly beta: number;
  /** Σr² on the training rows at `weights`. */
  readonly sse: number;
  /** JᵀJ at `weights` (p × p row-major), for saliencies. */
  readonly jtj: Float64Array;
  readonly iterations: number;
}

/** Thrown inside the build when its AbortSignal fires; caught by `buildModel`. */
export class BuildAborted extends Error {
  override name = "BuildAborted";
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new BuildAborted("build aborted");
}

const BETA_MIN = 0;
const BETA_MAX = 1e4;

/** The evidence estimate of β at the current point (see the module comment). */
export function evidenceBeta(
  jtj: Float64Array,
  p: number,
  beta: number,
  sse: number,
  weightNorm2: number,
  residuals: number,
): number {
  const l = cholesky(addDiagonal(jtj, p, Math.max(beta, 1e-12)), p);
  if (!l) return beta;
  const inv = choleskyInverse(l, p);
  let trace = 0;
  for (let i = 0; i < p; i++) trace += inv[i * p + i];
  const gamma = Math.min(Math.max(p - beta * trace, 0.5), residuals - 1);
  if (!(gamma > 0) || !(weightNorm2 > 0)) return beta;
  const next = (gamma * sse) / (weightNorm2 * (residuals - gamma));
  return Number.isFinite(next) ? Math.min(Math.max(next, BETA_MIN), BETA_MAX) : beta;
}

export async function trainLevenbergMarquardt(
  objective: Objective,
  initialWeights: Float64Array,
  options: TrainOptions,
): Promise<TrainResult> {
  const p = objective.weightCount;
  const residuals = objective.data.rows * objective.data.outputs;
  let w = initialWeights.slice();
  let beta = options.beta;
  let { jtj, jtr, sse } = await objective.normalEquations(w);
  const energy = (s: number, weights: Float64Array) => 0.5 * s + 0.5 * beta * dot(weights, weights);
  let e = energy(sse, w);
  let maxDiag = 0;
  for (let i = 0; i < p; i++) maxDiag = Math.max(maxDiag, jtj[i * p + i]);
  let mu = 1e-3 * Math.max(maxDiag, 1e-12);
  let nu = 2;
  let smallSteps = 0;
  let iterations = 0;
  while (iterations < options.maxIterations) {
    throwIfAborted(options.signal);
    iterations++;
    const g = new Float64Array(p);
    for (let i = 0; i < p; i++) g[i] = jtr[i] + beta * w[i];
    const l = cholesky(addDiagonal(jtj, p, beta + mu), p);
    if (!l) {
      mu *= nu;
      nu *= 2;
      continue;
    }
    const step = choleskySolve(l, p, g).map((v) => -v);
    const trial = new Float64Array(p);
    for (let i = 0; i < p; i++) trial[i] = w[i] + step[i];
    const trialSse = await objective.sse(trial);
    const trialE = energy(trialSse, trial);
    // Reduction predicted by the quadratic model: ½·δᵀ(μ·δ − g).
    const predicted = 0.5 * (mu * dot(step, step) - dot(step, g));
    const rho = (e - trialE) / predicted;
    if (Number.isFinite(trialE) && predicted > 0 && rho > 0) {
      const relative = (e - trialE) / Math.max(e, Number.MIN_VALUE);
      w = trial;
      ({ jtj, jtr, sse } = await objective.normalEquations(w));
      mu *= Math.max(1 / 3, 1 - (2 * rho - 1) ** 3);
      nu = 2;
      if (options.adaptBeta) beta = evidenceBeta(jtj, p, beta, sse, dot(w, w), residuals);
      e = energy(sse, w);
      smallSteps = relative < options.tolerance ? smallSteps + 1 : 0;
      if (smallSteps >= 2 || sse === 0) break;
    } else {
      mu *= nu;
      nu *= 2;
      // The quadratic model no longer predicts any progress: a minimum to machine precision.
      if (!(predicted > Number.EPSILON * Math.max(e, Number.MIN_VALUE)) || mu > 1e20 * Math.max(maxDiag, 1))
        break;
    }
  }
  return { weights: w, beta, sse, jtj, iterations };
}
