/**
 * Error bars of a model's predictions: the Laplace approximation at its
 * weights.
 *
 * The builder trains under the evidence framework (builder/fit.ts
 * `logEvidence`): noise precision b = (N − γ)/Σr², prior precisions α, and
 * the weights' posterior precision A = b·JᵀJ + diag(α) at the trained
 * weights. Linearising the network in its weights there (g = ∂y_j/∂w at a
 * row, from core's AD), the predictive variance of output j at that row is
 *
 *   σ_j² + gᵀ·A⁻¹·g      (normalised units, times the output's scale² in raw units),
 *
 * σ_j² the residual variance of output j on the rows of the fit, both
 * terms times ν/(ν − 2) for ν = N·k − γ residual degrees of freedom: every
 * term is proportional to the noise variance 1/b (A = b·(JᵀJ + D), D the
 * penalty diagonal, up to the biases' fixed prior), and with b integrated
 * over its posterior, a Gamma of ν degrees of freedom around b̂ =
 * ν/Σr², the prediction is a Student-t of that scale, whose variance is
 * ν/(ν − 2) times its scale² (≈ 1 on many rows, 1.2 at ν = 12). With
 * A = L·Lᵀ, gᵀA⁻¹g = ‖L⁻¹g‖², and (L⁻¹g)_k = g·v_k for v_k the k-th row of
 * L⁻¹: one forward-mode derivative of the model along each v_k gives that
 * term for every row and output at once. The linearisation ignores the
 * curvature of the network in its weights (the generalised Gauss–Newton
 * form of A, as in the training itself).
 */
import { noisePrecision, posteriorPrecision, priorPrecisions } from "../builder/fit.js";
import { cholesky, inverseLower } from "../builder/linalg.js";
import type { ModelPosterior } from "./description.js";

/** What a fit leaves that the posterior needs, all in normalised units. */
export interface FitSummary {
  /** JᵀJ at the weights (p × p, row-major) on the rows of the fit. */
  readonly jtj: Float64Array;
  /** The penalty diagonal the weights were trained with (β of each weight's group times its prior scale). */
  readonly penalty: Float64Array;
  /** Σr² per output on those rows. */
  readonly sseByOutput: readonly number[];
  readonly rows: number;
  /** Effective number of parameters γ. */
  readonly gamma: number;
}

/** The posterior of a fit, or null when its precision is not numerically positive definite. */
export function posteriorFromFit(fit: FitSummary): ModelPosterior | null {
  const p = fit.penalty.length;
  const k = fit.sseByOutput.length;
  const sse = fit.sseByOutput.reduce((a, b) => a + b, 0);
  const b = noisePrecision(sse, fit.gamma, fit.rows * k);
  const l = cholesky(posteriorPrecision(fit.jtj, priorPrecisions(fit.penalty, b), b), p);
  if (!l) return null;
  // Each output's share of the rows' degrees of freedom, as b shares them all.
  const dof = Math.max(fit.rows - fit.gamma / k, 1);
  const laplace = { noiseVariance: fit.sseByOutput.map((s) => s / dof), precisionFactor: packLower(l, p) };
  return scalePosterior(laplace, studentVarianceFactor(fit.rows * k - fit.gamma));
}

/**
 * Fewest residual degrees of freedom the predictive variance is computed
 * with: a Student-t of ν ≤ 2 has no finite variance, and ν/(ν − 2) is 3
 * at ν = 3.
 */
export const MIN_PREDICTIVE_DOF = 3;

/** ν/(ν − 2): the variance of a Student-t of ν degrees of freedom over its scale² (ν floored at MIN_PREDICTIVE_DOF). */
export function studentVarianceFactor(dof: number): number {
  const nu = Math.max(dof, MIN_PREDICTIVE_DOF);
  return nu / (nu - 2);
}

/** The lower triangle of a p × p row-major matrix, row by row: p(p + 1)/2 values. */
export function packLower(l: Float64Array, p: number): Float64Array {
  const packed = new Float64Array((p * (p + 1)) / 2);
  let at = 0;
  for (let i = 0; i < p; i++) for (let j = 0; j <= i; j++) packed[at++] = l[i * p + j];
  return packed;
}

/** The p × p row-major lower-triangular matrix of a packed lower triangle. */
export function unpackLower(packed: Float64Array, p: number): Float64Array {
  const l = new Float64Array(p * p);
  let at = 0;
  for (let i = 0; i < p; i++) for (let j = 0; j <= i; j++) l[i * p + j] = packed[at++];
  return l;
}

/** The rows v_k of L⁻¹: gᵀA⁻¹g = Σ_k (g·v_k)². */
export function posteriorDirections(posterior: ModelPosterior, p: number): Float64Array[] {
  const inverse = inverseLower(unpackLower(posterior.precisionFactor, p), p);
  return Array.from({ length: p }, (_, k) => inverse.slice(k * p, (k + 1) * p));
}

/** The posterior whose predictive variances are `scale` times those of `posterior`: σ² · scale, A / scale. */
export function scalePosterior(posterior: ModelPosterior, scale: number): ModelPosterior {
  if (scale === 1) return posterior;
  const root = Math.sqrt(scale);
  return {
    noiseVariance: posterior.noiseVariance.map((v) => v * scale),
    precisionFactor: posterior.precisionFactor.map((l) => l / root),
  };
}
