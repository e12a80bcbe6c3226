/**
 * The fitting problem of one network structure on one data set, as
 * compiled core graphs: the normal equations (the Gauss–Newton matrix, the
 * gradient, the deviance) in batched reverse passes over chunks of rows,
 * and the errors. For a Gaussian likelihood these are JᵀJ, Jᵀr and Σr²; for
 * a categorical one (likelihood.ts) JᵀHJ with H the softmax's Hessian,
 * Jᵀ(q − y) and twice the cross-entropy. Everything runs on the backend;
 * only p² + p + 1 numbers per chunk come back to the host, where they are
 * summed in chunk order.
 */
import {
  add,
  type Backend,
  broadcastTo,
  type DType,
  div,
  jit,
  matmul,
  mul,
  slice,
  sqrt,
  sub,
  sum,
  type Tensor,
  tensor,
  transpose,
  vjp,
} from "@neureco/core";
import { classProbabilities, crossEntropy } from "../network/class-probabilities.js";
import { type NetworkFunction, networkFunction } from "../network/forward.js";
import { type NetworkStructure, weightCount } from "../network/structure.js";
import type { Likelihood } from "./likelihood.js";
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

export interface UploadOptions {
  /** What the outputs are (default gaussian). */
  readonly likelihood?: Likelihood;
  /** Stacked rows per chunk (default NORMAL_EQUATIONS_CHUNK). */
  readonly chunkStackedRows?: number;
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
  /** What the outputs are (likelihood.ts). */
  readonly likelihood: Likelihood;
  /** Where the rows came from (read again only for subsets, see `Fitter.trainingInputs`). */
  readonly source: RowSource;
  /** The rows in chunks of at most NORMAL_EQUATIONS_CHUNK stacked rows, in order. */
  readonly chunks: readonly DeviceChunk[];
  /** What `dispose` frees: the chunks' tensors, or the sets joined. */
  readonly #owned: readonly Tensor[] | readonly DeviceData[];
  #disposed = false;

  private constructor(
    dtype: DType,
    likelihood: Likelihood,
    source: RowSource,
    chunks: readonly DeviceChunk[],
    owned: readonly Tensor[] | readonly DeviceData[],
  ) {
    this.rows = source.rows;
    this.outputs = source.outputs;
    this.dtype = dtype;
    this.likelihood = likelihood;
    this.source = source;
    this.chunks = chunks;
    this.#owned = owned;
  }

  /** The rows of `source` put on the backend, chunk by chunk (of `chunkStackedRows` stacked rows at most). */
  static upload(
    backend: Backend,
    dtype: DType,
    source: RowSource,
    { likelihood = "gaussian", chunkStackedRows = NORMAL_EQUATIONS_CHUNK }: UploadOptions = {},
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
    return new DeviceData(dtype, likelihood, source, chunks, [...owned]);
  }

  /**
   * The rows of `first` then those of `second`, from the chunks already on
   * the backend (nothing is uploaded); it owns both: disposing it disposes
   * them.
   */
  static join(first: DeviceData, second: DeviceData): DeviceData {
    return new DeviceData(
      first.dtype,
      first.likelihood,
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
  /** The Gauss–Newton matrix JᵀJ (categorical: JᵀHJ), p × p row-major. */
  readonly jtj: Float64Array;
  /** Jᵀr, length p (r = prediction − target; categorical: the gradient of the cross-entropy, r = q − y). */
  readonly jtr: Float64Array;
  /** The deviance: Σ r² over all rows and outputs (categorical: 2·Σ cross-entropy). */
  readonly sse: number;
}

/**
 * The tensors `compute` gives for each chunk, summed element by element in
 * chunk order on the backend (one chunk: its own), so that a call reads its
 * result once however many chunks there are; empty when there are none.
 */
function sumOverChunks(chunks: readonly DeviceChunk[], compute: (chunk: DeviceChunk) => Tensor[]): Tensor[] {
  let sums: Tensor[] = [];
  try {
    for (const chunk of chunks) {
      const parts = compute(chunk);
      if (sums.length === 0) {
        sums = parts;
        continue;
      }
      const previous = sums;
      sums = previous.map((sum, i) => add(sum, parts[i]));
      for (const t of [...previous, ...parts]) t.dispose();
    }
    return sums;
  } catch (error) {
    for (const t of sums) t.dispose();
    throw error;
  }
}

async function readFloat64(t: Tensor): Promise<Float64Array> {
  const values = await t.read();
  return values instanceof Float64Array ? values : Float64Array.from(values);
}

async function readAndDispose(t: Tensor): Promise<Float64Array> {
  try {
    return await readFloat64(t);
  } finally {
    t.dispose();
  }
}

/**
 * A function to fit that is not one network structure (a compressor's
 * encoder and decoder in one, compressor/autoencoder.ts): the function of
 * the weights (1 or n rows, see `NetworkFunction`) and its weight count.
 */
export interface TrainableFunction {
  readonly f: NetworkFunction;
  readonly weightCount: number;
}

/** The compiled functions of one structure (or trainable function) on one data set. */
export class Objective {
  readonly data: DeviceData;
  readonly weightCount: number;
  private readonly backend: Backend;
  private readonly normal: NormalGraph;
  private readonly errors: (w: Tensor, x: Tensor, y: Tensor) => Tensor;
  private readonly residualsOf: (w: Tensor, x: Tensor, y: Tensor) => Tensor;

  constructor(backend: Backend, network: NetworkStructure | TrainableFunction, data: DeviceData) {
    this.backend = backend;
    this.data = data;
    const trainable =
      "f" in network ? network : { f: networkFunction(network), weightCount: weightCount(network) };
    const p = trainable.weightCount;
    this.weightCount = p;
    const f = trainable.f;
    const k = data.outputs;
    const compiled = data.likelihood === "categorical" ? categoricalGraphs(f, p, k) : gaussianGraphs(f, p, k);
    this.normal = compiled.normal;
    this.residualsOf = jit(compiled.residual);
    this.errors = jit(compiled.errors);
  }

  private weights(w: ArrayLike<number>): Tensor {
    return tensor(this.backend, w, [1, this.weightCount], this.data.dtype);
  }

  /**
   * JᵀJ, Jᵀr and Σr² at `w`: each chunk's, summed in chunk order on the
   * backend (one chunk: exactly its own), then read once — one round trip
   * per call, however many chunks.
   */
  async normalEquations(w: ArrayLike<number>): Promise<NormalEquations> {
    const wt = this.weights(w);
    let sums: Tensor[] = [];
    try {
      sums = sumOverChunks(this.data.chunks, (chunk) => this.normal(wt, chunk));
      if (sums.length === 0) throw new Error("normalEquations: the data has no rows");
      const [jtj, jtr, sse] = await Promise.all(sums.map(readFloat64));
      return { jtj, jtr, sse: sse[0] };
    } finally {
      wt.dispose();
      for (const t of sums) t.dispose();
    }
  }

  /** Prediction − target, (n, k) row-major (categorical: class probabilities q − y). */
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

  /**
   * Σ r² per output (length k): each chunk's, summed in chunk order.
   * Categorical: 2·Σ cross-entropy in the first entry, 0 in the others (a
   * row's cross-entropy is not split between its outputs).
   */
  async sseByOutput(w: ArrayLike<number>): Promise<Float64Array> {
    const wt = this.weights(w);
    let sums: Tensor[] = [];
    try {
      sums = sumOverChunks(this.data.chunks, (chunk) => [this.errors(wt, chunk.x, chunk.y)]);
      const total = new Float64Array(this.data.outputs);
      // One value per output, or the categorical deviance alone (the first entry).
      if (sums.length > 0) total.set(await readFloat64(sums[0]));
      return total;
    } finally {
      wt.dispose();
      for (const t of sums) t.dispose();
    }
  }

  /** The deviance (see `NormalEquations.sse`). */
  async sse(w: ArrayLike<number>): Promise<number> {
    const byOutput = await this.sseByOutput(w);
    let s = 0;
    for (const v of byOutput) s += v;
    return s;
  }
}

/** The normal equations of one chunk, compiled: [JᵀJ, Jᵀr, deviance] (see `NormalEquations`). */
type NormalGraph = (w: Tensor, chunk: DeviceChunk) => Tensor[];

interface Graphs {
  readonly normal: NormalGraph;
  /** (w, x, y) ↦ prediction − target, (n, k). */
  readonly residual: (w: Tensor, x: Tensor, y: Tensor) => Tensor;
  /** (w, x, y) ↦ deviance per output, (1, k); categorical: the deviance, (1, 1). */
  readonly errors: (w: Tensor, x: Tensor, y: Tensor) => Tensor;
}

// The data are arguments, never closed over: a traced function computes
// what it can from captured tensors at once and keeps the results with
// its graph (here the inputs gathered per link, rows × links doubles),
// which no one frees when the objective is dropped.

function gaussianGraphs(f: NetworkFunction, p: number, k: number): Graphs {
  const residual = (w: Tensor, x: Tensor, y: Tensor) => sub(f(w, x), y);
  // One compiled graph per chunk shape (the last chunk may be shorter).
  const normal = jit((w: Tensor, xStacked: Tensor, yStacked: Tensor, mask: Tensor) => {
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
  return {
    normal: (w, c) => normal(w, c.xStacked, c.yStacked, c.mask),
    residual,
    errors: (w, x, y) => {
      const r = residual(w, x, y);
      return sum(mul(r, r), 0, true);
    },
  };
}

/**
 * The softmax cross-entropy's normal equations. Its Hessian in the k − 1
 * logits is H = diag(q) − q·qᵀ (q: the probabilities of classes 1 … k − 1),
 * and H = L·Lᵀ with Lᵀ = diag(√q) − c·√q·qᵀ, c = 1/(1 + √q₀) (q₀ = 1 − Σq,
 * class 0's probability: then 2c − c²·Σq = 1). So JᵀHJ = J̃ᵀJ̃ with J̃ = LᵀJ,
 * whose rows one pullback gives: row (j, i) of the stacked rows pulls back
 * the cotangent √q_ij·(e_j − c_i·q_i), column j of L_i. The gradient
 * Jᵀ(q − y) is one more pullback, on the unstacked rows with shared weights.
 */
function categoricalGraphs(f: NetworkFunction, p: number, k: number): Graphs {
  const others = (q: Tensor) => slice(q, [0, 1], [q.shape[0], k]);
  const normal = jit((w: Tensor, x: Tensor, y: Tensor, xStacked: Tensor, mask: Tensor) => {
    const stacked = xStacked.shape[0];
    const wRows = broadcastTo(w, [stacked, p]);
    const [zs, pullbackStacked] = vjp((wr: Tensor) => f(wr, xStacked), [wRows]);
    const qs = classProbabilities(zs);
    const q = others(qs);
    const c = div(1, add(1, sqrt(slice(qs, [0, 0], [stacked, 1]))));
    const own = sum(mul(sqrt(q), mask), 1, true);
    const [jac] = pullbackStacked(mul(own, sub(mask, mul(c, q))));
    const [z, pullback] = vjp((wv: Tensor) => f(wv, x), [w]);
    const [gradient] = pullback(sub(others(classProbabilities(z)), y));
    const jt = transpose(jac);
    return [matmul(jt, jac), transpose(gradient), mul(sum(crossEntropy(z, y)), 2)];
  });
  return {
    normal: (w, c) => normal(w, c.x, c.y, c.xStacked, c.mask),
    residual: (w, x, y) => sub(others(classProbabilities(f(w, x))), y),
    errors: (w, x, y) => mul(sum(crossEntropy(f(w, x), y), 0, true), 2),
  };
}
