/**
 * The least-squares problem of one network structure on one data set, as
 * compiled core graphs: the normal equations (JᵀJ, Jᵀr, Σr²) in batched
 * reverse passes over chunks of rows, and the per-output sum of squared
 * errors. Everything runs on the backend; only p² + p + 1 numbers per chunk
 * come back to the host, where they are summed in chunk order.
 */
import {
  type Backend,
  broadcastTo,
  type DType,
  jit,
  matmul,
  mul,
  sub,
  sum,
  type Tensor,
  tensor,
  transpose,
  vjp,
} from "@neureco/core";
import type { Matrix } from "../matrix.js";
import { networkFunction } from "../network/forward.js";
import { type NetworkStructure, weightCount } from "../network/structure.js";

/**
 * Stacked rows (rows × outputs) per chunk. A chunk's Jacobian and the
 * intermediates of its reverse pass are a few times (stacked rows ×
 * weights) doubles, and every compiled function works on one chunk at a
 * time: at this size 8 MB per hundred weights, whatever the row count,
 * where one pass over all rows grew with them (26 KB per row at 128,000
 * rows). Data of at most this many stacked rows — every task of the
 * benchmark — is one chunk, computed exactly as a single pass.
 */
export const NORMAL_EQUATIONS_CHUNK = 8192;

/**
 * A chunk of rows. For k > 1 outputs the normal equations need its rows
 * stacked k times, so that the network run on the stacked rows and masked
 * to output j in block j gives the chunk's (rows·k) × p Jacobian in one
 * pass; for one output the stacked rows are the rows themselves.
 */
export interface DeviceChunk {
  readonly rows: number;
  /** (rows, m) inputs. */
  readonly x: Tensor;
  /** (rows, k) targets. */
  readonly y: Tensor;
  /** (rows·k, m) inputs, block j = the chunk's rows. */
  readonly xStacked: Tensor;
  /** (rows·k, 1) targets, block j = output j. */
  readonly yStacked: Tensor;
  /** (rows·k, k) one-hot: row in block j selects output j. */
  readonly mask: Tensor;
}

/** The chunk of rows [from, to) of x (n, m) and y (n, k). */
function deviceChunk(
  backend: Backend,
  dtype: DType,
  x: Matrix,
  y: Matrix,
  from: number,
  to: number,
): DeviceChunk {
  const m = x.shape[1];
  const k = y.shape[1];
  const n = to - from;
  const rowsX = tensor(backend, x.data.subarray(from * m, to * m), [n, m], dtype);
  const rowsY = tensor(backend, y.data.subarray(from * k, to * k), [n, k], dtype);
  if (k === 1) {
    const ones = tensor(backend, new Float64Array(n).fill(1), [n, 1], dtype);
    return { rows: n, x: rowsX, y: rowsY, xStacked: rowsX, yStacked: rowsY, mask: ones };
  }
  const xs = new Float64Array(n * k * m);
  const ys = new Float64Array(n * k);
  const mask = new Float64Array(n * k * k);
  for (let j = 0; j < k; j++) {
    xs.set(x.data.subarray(from * m, to * m), j * n * m);
    for (let i = 0; i < n; i++) {
      ys[j * n + i] = y.data[(from + i) * k + j];
      mask[(j * n + i) * k + j] = 1;
    }
  }
  return {
    rows: n,
    x: rowsX,
    y: rowsY,
    xStacked: tensor(backend, xs, [n * k, m], dtype),
    yStacked: tensor(backend, ys, [n * k, 1], dtype),
    mask: tensor(backend, mask, [n * k, k], dtype),
  };
}

/** A data set on the backend, in normalised units, in chunks of rows (nothing of it is held whole). */
export class DeviceData {
  readonly rows: number;
  readonly outputs: number;
  readonly dtype: DType;
  /** The (n, m) inputs on the host. */
  readonly hostX: Matrix;
  /** The rows in chunks of at most NORMAL_EQUATIONS_CHUNK stacked rows, in order. */
  readonly chunks: readonly DeviceChunk[];

  constructor(
    backend: Backend,
    dtype: DType,
    x: Matrix,
    y: Matrix,
    chunkStackedRows = NORMAL_EQUATIONS_CHUNK,
  ) {
    const n = x.shape[0];
    const k = y.shape[1];
    this.rows = n;
    this.outputs = k;
    this.dtype = dtype;
    this.hostX = x;
    const chunkRows = Math.max(1, Math.floor(chunkStackedRows / k));
    const chunks: DeviceChunk[] = [];
    for (let from = 0; from < n; from += chunkRows)
      chunks.push(deviceChunk(backend, dtype, x, y, from, Math.min(n, from + chunkRows)));
    this.chunks = chunks;
  }

  #disposed = false;

  /** Frees the chunks; a second call does nothing. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    const all = new Set<Tensor>();
    for (const c of this.chunks) for (const t of [c.x, c.y, c.xStacked, c.yStacked, c.mask]) all.add(t);
    for (const t of all) t.dispose();
  }
}

export interface NormalEquations {
  /** JᵀJ, p × p row-major. */
  readonly jtj: Float64Array;
  /** Jᵀr, length p (r = prediction − target). */
  readonly jtr: Float64Array;
  /** Σ r² over all rows and outputs. */
  readonly sse: number;
}

async function readAndDispose(t: Tensor): Promise<Float64Array> {
  const values = await t.read();
  t.dispose();
  return values instanceof Float64Array ? values : Float64Array.from(values);
}

/** The compiled functions of one structure on one data set. */
export class Objective {
  readonly structure: NetworkStructure;
  readonly data: DeviceData;
  readonly weightCount: number;
  private readonly backend: Backend;
  private readonly normal: (w: Tensor, xStacked: Tensor, yStacked: Tensor, mask: Tensor) => Tensor[];
  private readonly errors: (w: Tensor, x: Tensor, y: Tensor) => Tensor;
  private readonly residualsOf: (w: Tensor, x: Tensor, y: Tensor) => Tensor;

  constructor(backend: Backend, structure: NetworkStructure, data: DeviceData) {
    this.backend = backend;
    this.structure = structure;
    this.data = data;
    const p = weightCount(structure);
    this.weightCount = p;
    const f = networkFunction(structure);
    const k = data.outputs;
    // One compiled graph per chunk shape (the last chunk may be shorter).
    this.normal = jit((w: Tensor, xStacked: Tensor, yStacked: Tensor, mask: Tensor) => {
      const wRows = broadcastTo(w, [xStacked.shape[0], p]);
      const [y, pullback] = vjp((wr: Tensor) => f(wr, xStacked), [wRows]);
      // One pullback with the one-hot mask: row i of the result is the
      // gradient of its own (masked) output w.r.t. its own weight row.
      const [jac] = pullback(mask);
      const prediction = k === 1 ? y : sum(mul(y, mask), 1, true);
      const r = sub(prediction, yStacked);
      const jt = transpose(jac);
      return [matmul(jt, jac), matmul(jt, r), sum(mul(r, r))];
    });
    // The data are arguments, never closed over: a traced function computes
    // what it can from captured tensors at once and keeps the results with
    // its graph (here the inputs gathered per link, rows × links doubles),
    // which no one frees when the objective is dropped.
    const residual = (w: Tensor, x: Tensor, y: Tensor) => sub(f(w, x), y);
    this.residualsOf = jit(residual);
    this.errors = jit((w: Tensor, x: Tensor, y: Tensor) => {
      const r = residual(w, x, y);
      return sum(mul(r, r), 0, true);
    });
  }

  private weights(w: ArrayLike<number>): Tensor {
    return tensor(this.backend, w, [1, this.weightCount], this.data.dtype);
  }

  /** JᵀJ, Jᵀr and Σr² at `w`: each chunk's, summed in chunk order (one chunk: exactly its own). */
  async normalEquations(w: ArrayLike<number>): Promise<NormalEquations> {
    const wt = this.weights(w);
    try {
      let jtjSum: Float64Array | null = null;
      let jtrSum: Float64Array | null = null;
      let sseSum = 0;
      for (const chunk of this.data.chunks) {
        const [jtjT, jtrT, sseT] = this.normal(wt, chunk.xStacked, chunk.yStacked, chunk.mask);
        const [jtj, jtr, sse] = await Promise.all([
          readAndDispose(jtjT),
          readAndDispose(jtrT),
          readAndDispose(sseT),
        ]);
        if (jtjSum === null || jtrSum === null) {
          jtjSum = jtj;
          jtrSum = jtr;
        } else {
          for (let i = 0; i < jtj.length; i++) jtjSum[i] += jtj[i];
          for (let i = 0; i < jtr.length; i++) jtrSum[i] += jtr[i];
        }
        sseSum += sse[0];
      }
      if (jtjSum === null || jtrSum === null) throw new Error("normalEquations: the data has no rows");
      return { jtj: jtjSum, jtr: jtrSum, sse: sseSum };
    } finally {
      wt.dispose();
    }
  }

  /** Prediction − target, (n, k) row-major. */
  async residuals(w: ArrayLike<number>): Promise<Float64Array> {
    const wt = this.weights(w);
    try {
      const out = new Float64Array(this.data.rows * this.data.outputs);
      let offset = 0;
      for (const chunk of this.data.chunks) {
        const values = await readAndDispose(this.residualsOf(wt, chunk.x, chunk.y));
        out.set(values, offset);
        offset += values.length;
      }
      return out;
    } finally {
      wt.dispose();
    }
  }

  /** Σ r² per output (length k): each chunk's, summed in chunk order. */
  async sseByOutput(w: ArrayLike<number>): Promise<Float64Array> {
    const wt = this.weights(w);
    try {
      const total = new Float64Array(this.data.outputs);
      for (const chunk of this.data.chunks) {
        const values = await readAndDispose(this.errors(wt, chunk.x, chunk.y));
        for (let j = 0; j < total.length; j++) total[j] += values[j];
      }
      return total;
    } finally {
      wt.dispose();
    }
  }

  async sse(w: ArrayLike<number>): Promise<number> {
    const byOutput = await this.sseByOutput(w);
    let s = 0;
    for (const v of byOutput) s += v;
    return s;
  }
}
