/**
 * Principal component analysis of rows (normalised units): the mean, and the
 * eigenvectors of the covariance with their variances, largest first. The
 * compressor's linear model, where its build starts (autoencoder.ts).
 */
import { forEachBlock, type RowSource } from "../builder/rows.js";

export interface PrincipalComponents {
  /** Column means, length m. */
  readonly mean: Float64Array;
  /** Unit eigenvectors of the covariance, largest variance first (at most m; fewer when the rest is 0). */
  readonly components: readonly Float64Array[];
  /** The variance along each component (the eigenvalues, population covariance). */
  readonly variances: readonly number[];
}

/** Smallest variance of a component, as a share of the total: directions below are left out. */
const MIN_COMPONENT_SHARE = 1e-12;
/** Most sweeps of Jacobi rotations (each halves the off-diagonal mass many times over; a handful suffice). */
const JACOBI_SWEEPS = 60;

/**
 * Eigenvalues and unit eigenvectors of the symmetric d × d matrix `a`, by
 * cyclic Jacobi rotations: exact to rounding whatever the gaps between the
 * eigenvalues (power iteration stalls where two are close). Returns them
 * by decreasing eigenvalue.
 */
export function symmetricEigen(a: Float64Array, d: number): { values: number[]; vectors: Float64Array[] } {
  const s = a.slice();
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  let scale = 0;
  for (const x of s) scale += x * x;
  for (let sweep = 0; sweep < JACOBI_SWEEPS; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += s[p * d + q] ** 2;
    if (!(off > 1e-30 * scale)) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = s[p * d + q];
        if (apq === 0) continue;
        const theta = (s[q * d + q] - s[p * d + p]) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const sn = t * c;
        for (let k = 0; k < d; k++) {
          const kp = s[k * d + p];
          const kq = s[k * d + q];
          s[k * d + p] = c * kp - sn * kq;
          s[k * d + q] = sn * kp + c * kq;
        }
        for (let k = 0; k < d; k++) {
          const pk = s[p * d + k];
          const qk = s[q * d + k];
          s[p * d + k] = c * pk - sn * qk;
          s[q * d + k] = sn * pk + c * qk;
        }
        for (let k = 0; k < d; k++) {
          const kp = v[k * d + p];
          const kq = v[k * d + q];
          v[k * d + p] = c * kp - sn * kq;
          v[k * d + q] = sn * kp + c * kq;
        }
      }
    }
  }
  const order = Array.from({ length: d }, (_, i) => i).sort((i, j) => s[j * d + j] - s[i * d + i]);
  return {
    values: order.map((i) => s[i * d + i]),
    vectors: order.map((i) => Float64Array.from({ length: d }, (_, k) => v[k * d + i])),
  };
}

/** The principal components of the inputs of `source`, summed in row order. */
export function principalComponents(source: RowSource): PrincipalComponents {
  const m = source.inputs;
  const n = source.rows;
  const mean = new Float64Array(m);
  forEachBlock(source, (block, _first, rows) => {
    for (let i = 0; i < rows; i++) for (let j = 0; j < m; j++) mean[j] += block.x[i * m + j] / n;
  });
  const covariance = new Float64Array(m * m);
  const centred = new Float64Array(m);
  forEachBlock(source, (block, _first, rows) => {
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < m; j++) centred[j] = block.x[i * m + j] - mean[j];
      for (let a = 0; a < m; a++) {
        const va = centred[a] / n;
        if (va === 0) continue;
        for (let b = a; b < m; b++) covariance[a * m + b] += va * centred[b];
      }
    }
  });
  for (let a = 0; a < m; a++) for (let b = 0; b < a; b++) covariance[a * m + b] = covariance[b * m + a];
  const { values, vectors } = symmetricEigen(covariance, m);
  let total = 0;
  for (const v of values) total += Math.max(v, 0);
  const kept = values.filter((v) => v > MIN_COMPONENT_SHARE * total).length;
  const components = vectors.slice(0, kept);
  const variances = values.slice(0, kept);
  return { mean, components, variances };
}
