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
export function inverseLower(l: Float64Array, p: number): Float64Array {
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

/**
 * The Euclidean norm of `v`, as `norm(v)` computes it in V8 (the
 * largest magnitude factored out, the squares summed with Kahan's
 * compensation), bit for bit, without spreading `v` into arguments: a
 * vector of a hundred thousand entries would overflow the call stack.
 */
export function euclideanNorm(v: ArrayLike<number>): number {
  let max = 0;
  let nan = false;
  for (let i = 0; i < v.length; i++) {
    const a = Math.abs(v[i]);
    if (Number.isNaN(a)) nan = true;
    else if (a > max) max = a;
  }
  if (max === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
  if (nan) return Number.NaN;
  if (max === 0) return 0;
  let sum = 0;
  let compensation = 0;
  for (let i = 0; i < v.length; i++) {
    const n = Math.abs(v[i]) / max;
    const summand = n * n - compensation;
    const preliminary = sum + summand;
    compensation = preliminary - sum - summand;
    sum = preliminary;
  }
  return Math.sqrt(sum) * max;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** out += a·b, all three d × d row-major. */
export function addProduct(out: Float64Array, a: Float64Array, b: Float64Array, d: number): void {
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      let v = 0;
      for (let k = 0; k < d; k++) v += a[i * d + k] * b[k * d + j];
      out[i * d + j] += v;
    }
}

/** a·v for a d × d row-major matrix a. */
export function matVec(a: Float64Array, d: number, v: ArrayLike<number>): Float64Array {
  const out = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let t = 0;
    for (let j = 0; j < d; j++) t += a[i * d + j] * v[j];
    out[i] = t;
  }
  return out;
}

/** Removes from v, in place, its components along the orthonormal vectors of `basis` (Gram–Schmidt). */
export function orthogonalise(v: Float64Array, basis: readonly Float64Array[]): void {
  for (const u of basis) {
    const along = dot(v, u);
    for (let a = 0; a < v.length; a++) v[a] -= along * u[a];
  }
}

/** Most power iterations for one eigenvector. */
const POWER_ITERATION_LIMIT = 300;
/** Power iteration has converged when the direction moves by less than this (L1 norm of the change of a unit vector). */
const POWER_ITERATION_TOLERANCE = 1e-9;
/** An iterate shorter than this fraction of the trace is 0: no direction is left. */
const VANISHING_ITERATE = 1e-12;

/**
 * Unit eigenvectors of the largest eigenvalues of the symmetric positive
 * semi-definite d × d matrix s, largest first, by power iteration with
 * deflation (each iterate orthogonalised against those found). Each starts
 * from the longest column of s once the directions found are removed from
 * it. Stops at `count`, or at the first eigenvalue below `minShare` of the
 * trace (what is left is noise).
 */
export function leadingEigenvectors(
  s: Float64Array,
  d: number,
  count: number,
  minShare: number,
): Float64Array[] {
  let trace = 0;
  for (let a = 0; a < d; a++) trace += s[a * d + a];
  const found: Float64Array[] = [];
  for (let c = 0; c < Math.min(count, d) && trace > 0; c++) {
    let v: Float64Array = new Float64Array(d);
    let longest = -1;
    for (let b = 0; b < d; b++) {
      const column = Float64Array.from({ length: d }, (_, a) => s[a * d + b]);
      orthogonalise(column, found);
      const norm = euclideanNorm(column);
      if (norm > longest) {
        longest = norm;
        v = column;
      }
    }
    let lambda = 0;
    for (let iteration = 0; iteration < POWER_ITERATION_LIMIT; iteration++) {
      const norm = euclideanNorm(v);
      if (norm <= VANISHING_ITERATE * trace) break;
      for (let a = 0; a < d; a++) v[a] /= norm;
      const next = matVec(s, d, v);
      orthogonalise(next, found);
      lambda = dot(next, v);
      let change = 0;
      const nextNorm = euclideanNorm(next);
      for (let a = 0; a < d; a++) change += Math.abs(next[a] / nextNorm - v[a]);
      v = next;
      if (change < POWER_ITERATION_TOLERANCE) break;
    }
    const norm = euclideanNorm(v);
    if (!(norm > 0) || lambda < minShare * trace) break;
    for (let a = 0; a < d; a++) v[a] /= norm;
    found.push(v);
  }
  return found;
}

/** Most sweeps of Jacobi rotations (each halves the off-diagonal mass many times over; a handful suffice). */
const JACOBI_SWEEPS = 60;

/**
 * Eigenvalues and unit eigenvectors of the symmetric d × d matrix `a`, by
 * cyclic Jacobi rotations: exact to rounding whatever the gaps between the
 * eigenvalues, where `leadingEigenvectors`' power iteration stalls on two
 * close ones (the builder's moves keep it: their builds are fixed by it).
 * Returns them by decreasing eigenvalue. The compressor's principal
 * components use it.
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
