/**
 * Principal component analysis of rows (normalised units): the mean, and the
 * eigenvectors of the covariance with their variances, largest first. The
 * compressor's linear model, where its build starts (autoencoder.ts).
 */
import { symmetricEigen } from "../builder/linalg.js";
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
