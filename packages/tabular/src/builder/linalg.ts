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
    const rj = j * p;
    let d = a[rj + j];
    for (let k = 0; k < j; k++) d -= l[rj + k] * l[rj + k];
    if (!(d > 0) || !Number.isFinite(d)) return null;
    const ljj = Math.sqrt(d);
    l[rj + j] = ljj;
    let i = j + 1;
    // Four rows at a time share each load of row j (about twice as fast at
    // p = 250); every entry still sums the same terms in the same order.
    for (; i + 3 < p; i += 4) {
      const r0 = i * p;
      const r1 = r0 + p;
      const r2 = r1 + p;
      const r3 = r2 + p;
      let s0 = a[r0 + j];
      let s1 = a[r1 + j];
      let s2 = a[r2 + j];
      let s3 = a[r3 + j];
      for (let k = 0; k < j; k++) {
        const x = l[rj + k];
        s0 -= l[r0 + k] * x;
        s1 -= l[r1 + k] * x;
        s2 -= l[r2 + k] * x;
        s3 -= l[r3 + k] * x;
      }
      l[r0 + j] = s0 / ljj;
      l[r1 + j] = s1 / ljj;
      l[r2 + j] = s2 / ljj;
      l[r3 + j] = s3 / ljj;
    }
    for (; i < p; i++) {
      const r = i * p;
      let s = a[r + j];
      for (let k = 0; k < j; k++) s -= l[r + k] * l[rj + k];
      l[r + j] = s / ljj;
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
    let k = 0;
    // Four earlier rows per pass over row i (about 1.7 times as fast at
    // p = 250). Each entry takes the same terms in the same order, k
    // ascending; a row k' holds nothing past column k', so columns k+1 … k+3
    // take only the rows that reach them.
    for (; k + 3 < i; k += 4) {
      const c0 = l[row + k];
      const c1 = l[row + k + 1];
      const c2 = l[row + k + 2];
      const c3 = l[row + k + 3];
      const o0 = k * p;
      const o1 = o0 + p;
      const o2 = o1 + p;
      const o3 = o2 + p;
      for (let j = 0; j <= k; j++) {
        li[row + j] = li[row + j] - c0 * li[o0 + j] - c1 * li[o1 + j] - c2 * li[o2 + j] - c3 * li[o3 + j];
      }
      li[row + k + 1] = li[row + k + 1] - c1 * li[o1 + k + 1] - c2 * li[o2 + k + 1] - c3 * li[o3 + k + 1];
      li[row + k + 2] = li[row + k + 2] - c2 * li[o2 + k + 2] - c3 * li[o3 + k + 2];
      li[row + k + 3] = li[row + k + 3] - c3 * li[o3 + k + 3];
    }
    for (; k < i; k++) {
      const c = l[row + k];
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
