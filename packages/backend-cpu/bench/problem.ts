/**
 * The benchmark problem, shared by every implementation: an 8 → 16 (tanh) → 1
 * network, squared loss sum((tanh(X W1 + b1) W2 + b2 − y)²), and its gradient
 * w.r.t. the weights and the inputs. Data and weights come from a seeded
 * generator so that every process builds exactly the same problem.
 */
export const IN = 8;
export const HIDDEN = 16;

export interface Problem {
  readonly rows: number;
  readonly W1: Float64Array; // IN × HIDDEN, row-major
  readonly b1: Float64Array; // HIDDEN
  readonly W2: Float64Array; // HIDDEN × 1
  readonly b2: Float64Array; // 1
  readonly X: Float64Array; // rows × IN
  readonly y: Float64Array; // rows × 1
}

/** The loss and the gradients, each flattened row-major. */
export interface GradientResult {
  loss: number;
  dW1: Float64Array;
  db1: Float64Array;
  dW2: Float64Array;
  db2: Float64Array;
  dX: Float64Array;
}

export const RESULT_PARTS = ["dW1", "db1", "dW2", "db2", "dX"] as const;

/** splitmix32: small, fast, and identical in every process. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
}

export function makeProblem(rows: number, seed = 12345): Problem {
  const rand = random(seed);
  const uniform = (length: number, scale: number) =>
    Float64Array.from({ length }, () => (2 * rand() - 1) * scale);
  const W1 = uniform(IN * HIDDEN, 1 / Math.sqrt(IN));
  const b1 = uniform(HIDDEN, 0.1);
  const W2 = uniform(HIDDEN, 1 / Math.sqrt(HIDDEN));
  const b2 = uniform(1, 0.1);
  const X = uniform(rows * IN, 1);
  const y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < IN; j++) s += X[i * IN + j] * ((j % 3) - 1);
    y[i] = Math.sin(s);
  }
  return { rows, W1, b1, W2, b2, X, y };
}

/** The exact gradient in float64 by a hand-written loop: the reference. */
export function referenceGradient(p: Problem): GradientResult {
  const { rows, W1, b1, W2, b2, X, y } = p;
  const dW1 = new Float64Array(IN * HIDDEN);
  const db1 = new Float64Array(HIDDEN);
  const dW2 = new Float64Array(HIDDEN);
  const db2 = new Float64Array(1);
  const dX = new Float64Array(rows * IN);
  const h = new Float64Array(HIDDEN);
  const dz = new Float64Array(HIDDEN);
  let loss = 0;
  for (let i = 0; i < rows; i++) {
    let out = b2[0];
    for (let k = 0; k < HIDDEN; k++) {
      let z = b1[k];
      for (let j = 0; j < IN; j++) z += X[i * IN + j] * W1[j * HIDDEN + k];
      h[k] = Math.tanh(z);
      out += h[k] * W2[k];
    }
    const r = out - y[i];
    loss += r * r;
    const g = 2 * r;
    db2[0] += g;
    for (let k = 0; k < HIDDEN; k++) {
      dW2[k] += h[k] * g;
      dz[k] = g * W2[k] * (1 - h[k] * h[k]);
      db1[k] += dz[k];
    }
    for (let j = 0; j < IN; j++) {
      let s = 0;
      for (let k = 0; k < HIDDEN; k++) {
        dW1[j * HIDDEN + k] += X[i * IN + j] * dz[k];
        s += dz[k] * W1[j * HIDDEN + k];
      }
      dX[i * IN + j] = s;
    }
  }
  return { loss, dW1, db1, dW2, db2, dX };
}

/** Normwise relative difference ‖a − b‖ / ‖b‖ (0 when both are zero). */
export function relativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < a.length; i++) {
    diff += (a[i] - b[i]) ** 2;
    norm += b[i] ** 2;
  }
  if (!Number.isFinite(diff)) return Number.POSITIVE_INFINITY;
  return norm === 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
}

/** Packs a result into one array (loss first, then the parts in RESULT_PARTS order). */
export function packResult(r: GradientResult): Float64Array {
  const parts = RESULT_PARTS.map((k) => r[k]);
  const out = new Float64Array(1 + parts.reduce((n, a) => n + a.length, 0));
  out[0] = r.loss;
  let offset = 1;
  for (const a of parts) {
    out.set(a, offset);
    offset += a.length;
  }
  return out;
}

export function unpackResult(packed: Float64Array, rows: number): GradientResult {
  const sizes = { dW1: IN * HIDDEN, db1: HIDDEN, dW2: HIDDEN, db2: 1, dX: rows * IN };
  let offset = 1;
  const take = (n: number) => {
    const part = packed.slice(offset, offset + n);
    offset += n;
    return part;
  };
  return {
    loss: packed[0],
    dW1: take(sizes.dW1),
    db1: take(sizes.db1),
    dW2: take(sizes.dW2),
    db2: take(sizes.db2),
    dX: take(sizes.dX),
  };
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
