/**
 * Dense symmetric positive-definite algebra on the host, for the small
 * (p × p, p up to a few hundred) systems of Levenberg–Marquardt.
 * Matrices are row-major Float64Arrays.
 */

/**
 * Lower Cholesky factor L (A = L·Lᵀ) of the p × p matrix `a`, or null when
 * `a` is not numerically positive definite.
 */
export function cholesky(a: Float64Array, p: number): Float64Array | null {
  const l = new Float64Array(p * p);
  for (let j = 0; j < p; j++) {
    let d = a[j * p + j];
    for (let k = 0; k < j; k++) d -= l[j * p + k] * l[j * p + k];
    if (!(d > 0) || !Number.isFinite(d)) return null;
    const ljj = Math.sqrt(d);
    l[j * p + j] = ljj;
    for (let i = j + 1; i < p; i++) {
      let s = a[i * p + j];
      for (let k = 0; k < j; k++) s -= l[i * p + k] * l[j * p + k];
      l[i * p + j] = s / ljj;
    }
  }
  return l;
}

/** Solves L·Lᵀ·x = b. */
export function choleskySolve(l: Float64Array, p: number, b: ArrayLike<number>): Float64Array {
  const x = Float64Array.from(b);
  for (let i = 0; i < p; i++) {
    let s = x[i];
    for (let k = 0; k < i; k++) s -= l[i * p + k] * x[k];
    x[i] = s / l[i * p + i];
  }
  for (let i = p - 1; i >= 0; i--) {
    let s = x[i];
    for (let k = i + 1; k < p; k++) s -= l[k * p + i] * x[k];
    x[i] = s / l[i * p + i];
  }
  return x;
}

/**
 * L⁻¹ (lower triangular, row-major) by forward substitution, a row at a
 * time: row i = (e_i − Σ_{k<i} L_ik·row k) / L_ii, so every inner loop runs
 * along contiguous rows.
 */
function inverseLower(l: Float64Array, p: number): Float64Array {
  const li = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    const row = i * p;
    for (let k = 0; k < i; k++) {
      const c = l[row + k];
      if (c === 0) continue;
      const other = k * p;
      for (let j = 0; j <= k; j++) li[row + j] -= c * li[other + j];
    }
    const d = l[row + i];
    for (let j = 0; j < i; j++) li[row + j] /= d;
    li[row + i] = 1 / d;
  }
  return li;
}

/** The inverse of L·Lᵀ (symmetric, row-major): L⁻ᵀ·L⁻¹, summed a row of L⁻¹ at a time. */
export function choleskyInverse(l: Float64Array, p: number): Float64Array {
  const li = inverseLower(l, p);
  const inv = new Float64Array(p * p);
  for (let k = 0; k < p; k++) {
    const row = k * p;
    for (let i = 0; i <= k; i++) {
      const c = li[row + i];
      if (c === 0) continue;
      const out = i * p;
      for (let j = 0; j <= i; j++) inv[out + j] += c * li[row + j];
    }
  }
  for (let i = 0; i < p; i++) for (let j = 0; j < i; j++) inv[j * p + i] = inv[i * p + j];
  return inv;
}

/** The diagonal of (L·Lᵀ)⁻¹ alone: [A⁻¹]_jj = Σ_i (L⁻¹)_ij², half the work of the whole inverse. */
export function choleskyInverseDiagonal(l: Float64Array, p: number): Float64Array {
  const li = inverseLower(l, p);
  const diagonal = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    const row = i * p;
    for (let j = 0; j <= i; j++) diagonal[j] += li[row + j] * li[row + j];
  }
  return diagonal;
}

/** `a + d·I` as a new matrix. */
export function addDiagonal(a: Float64Array, p: number, d: number): Float64Array {
  const out = a.slice();
  for (let i = 0; i < p; i++) out[i * p + i] += d;
  return out;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
