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
import { networkFunction } from "../network/forward.js";
import { type NetworkStructure, weightCount } from "../network/structure.js";
import { concatRows, type RowSource } from "./rows.js";

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

/** Host arrays a DeviceData reads every chunk into before uploading it (see `RowSource.readInto`). */
interface ChunkScratch {
  readonly x: Float64Array;
  readonly y: Float64Array;
  /** For k > 1 outputs: the stacked inputs and targets. */
  readonly xStacked: Float64Array;
  readonly yStacked: Float64Array;
}

function chunkScratch(rows: number, m: number, k: number): ChunkScratch {
  const stacked = k > 1 ? rows * k : 0;
  return {
    x: new Float64Array(rows * m),
    y: new Float64Array(rows * k),
    xStacked: new Float64Array(stacked * m),
    yStacked: new Float64Array(stacked),
  };
}

/** The mask of a chunk of `n` rows and k outputs: ones for k = 1, else one-hot rows (block j selects output j). */
function chunkMask(backend: Backend, dtype: DType, n: number, k: number): Tensor {
  const mask = new Float64Array(n * k * k);
  for (let j = 0; j < k; j++) for (let i = 0; i < n; i++) mask[(j * n + i) * k + j] = 1;
  return tensor(backend, mask, [n * k, k], dtype);
}

/** The chunk of rows [from, to) of `source` on the backend, read through `scratch`, with the mask given. */
function deviceChunk(
  backend: Backend,
  dtype: DType,
  source: RowSource,
  from: number,
  to: number,
  scratch: ChunkScratch,
  mask: Tensor,
): DeviceChunk {
  const m = source.inputs;
  const k = source.outputs;
  const n = to - from;
  const x = scratch.x.subarray(0, n * m);
  const y = scratch.y.subarray(0, n * k);
  source.readInto(from, to, x, y);
  const rowsX = tensor(backend, x, [n, m], dtype);
  const rowsY = tensor(backend, y, [n, k], dtype);
  if (k === 1) return { rows: n, x: rowsX, y: rowsY, xStacked: rowsX, yStacked: rowsY, mask };
  const xs = scratch.xStacked.subarray(0, n * k * m);
  const ys = scratch.yStacked.subarray(0, n * k);
  for (let j = 0; j < k; j++) {
    xs.set(x, j * n * m);
    for (let i = 0; i < n; i++) ys[j * n + i] = y[i * k + j];
  }
  return {
    rows: n,
    x: rowsX,
    y: rowsY,
    xStacked: tensor(backend, xs, [n * k, m], dtype),
    yStacked: tensor(backend, ys, [n * k, 1], dtype),
    mask,
  };
}

/**
 * A data set on the backend, in normalised units, in chunks of rows: the
 * host holds none of it (each chunk is read from its source into the same
 * host arrays and uploaded from there).
 */
export class DeviceData {
  readonly rows: number;
  readonly outputs: number;
  readonly dtype: DType;
  /** Where the rows came from (read again only for subsets, see `Fitter.trainingInputs`). */
  readonly source: RowSource;
  /** The rows in chunks of at most NORMAL_EQUATIONS_CHUNK stacked rows, in order. */
  readonly chunks: readonly DeviceChunk[];
  /** What `dispose` frees: the chunks' tensors, or the sets joined. */
  readonly #owned: readonly Tensor[] | readonly DeviceData[];
  #disposed = false;

  private constructor(
    dtype: DType,
    source: RowSource,
    chunks: readonly DeviceChunk[],
    owned: readonly Tensor[] | readonly DeviceData[],
  ) {
    this.rows = source.rows;
    this.outputs = source.outputs;
    this.dtype = dtype;
    this.source = source;
    this.chunks = chunks;
    this.#owned = owned;
  }

  /** The rows of `source` put on the backend, chunk by chunk. */
  static upload(
    backend: Backend,
    dtype: DType,
    source: RowSource,
    chunkStackedRows = NORMAL_EQUATIONS_CHUNK,
  ): DeviceData {
    const n = source.rows;
    const k = source.outputs;
    const chunkRows = Math.max(1, Math.floor(chunkStackedRows / k));
    const scratch = chunkScratch(Math.min(chunkRows, n), source.inputs, k);
    // Chunks of one length share their mask.
    const masks = new Map<number, Tensor>();
    const chunks: DeviceChunk[] = [];
    for (let from = 0; from < n; from += chunkRows) {
      const to = Math.min(n, from + chunkRows);
      let mask = masks.get(to - from);
      if (!mask) {
        mask = chunkMask(backend, dtype, to - from, k);
        masks.set(to - from, mask);
      }
      chunks.push(deviceChunk(backend, dtype, source, from, to, scratch, mask));
    }
    const owned = new Set<Tensor>();
    for (const c of chunks) for (const t of [c.x, c.y, c.xStacked, c.yStacked, c.mask]) owned.add(t);
    return new DeviceData(dtype, source, chunks, [...owned]);
  }

  /**
   * The rows of `first` then those of `second`, from the chunks already on
   * the backend (nothing is uploaded); it owns both: disposing it disposes
   * them.
   */
  static join(first: DeviceData, second: DeviceData): DeviceData {
    return new DeviceData(
      first.dtype,
      concatRows(first.source, second.source),
      [...first.chunks, ...second.chunks],
      [first, second],
    );
  }

  /** Frees the chunks; a second call does nothing. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const owned of this.#owned) owned.dispose();
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
