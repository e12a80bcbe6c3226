/**
 * The least-squares problem of one network structure on one data set, as
 * compiled core graphs: the normal equations (JᵀJ, Jᵀr, Σr²) in one batched
 * reverse pass, and the per-output sum of squared errors. Everything runs on
 * the backend; only p² + p + 1 numbers come back to the host.
 */
import {
  type Backend,
  broadcastTo,
  concat,
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
 * A data set on the backend, in normalised units. For k > 1 outputs the
 * rows are stacked k times, so that the network run on the stacked rows and
 * masked to output j in block j gives the (n·k) × p Jacobian in one pass.
 */
export class DeviceData {
  readonly rows: number;
  readonly outputs: number;
  readonly dtype: DType;
  /** (n, m) inputs. */
  readonly x: Tensor;
  /** (n, k) targets. */
  readonly y: Tensor;
  /** The (n, m) inputs on the host. */
  readonly hostX: Matrix;
  /** (n·k, m) inputs, block j = all rows (k > 1 only). */
  readonly xStacked: Tensor;
  /** (n·k, 1) targets, block j = output j. */
  readonly yStacked: Tensor;
  /** (n·k, k) one-hot: row in block j selects output j. */
  readonly mask: Tensor;

  constructor(backend: Backend, dtype: DType, x: Matrix, y: Matrix) {
    const [n, m] = x.shape;
    const k = y.shape[1];
    this.rows = n;
    this.outputs = k;
    this.dtype = dtype;
    this.hostX = x;
    this.x = tensor(backend, x.data, [n, m], dtype);
    this.y = tensor(backend, y.data, [n, k], dtype);
    if (k === 1) {
      this.xStacked = this.x;
      this.yStacked = this.y;
      this.mask = tensor(backend, new Float64Array(n).fill(1), [n, 1], dtype);
    } else {
      this.xStacked = concat(
        Array.from({ length: k }, () => this.x),
        0,
      );
      const ys = new Float64Array(n * k);
      const mask = new Float64Array(n * k * k);
      for (let j = 0; j < k; j++) {
        for (let i = 0; i < n; i++) {
          ys[j * n + i] = y.data[i * k + j];
          mask[(j * n + i) * k + j] = 1;
        }
      }
      this.yStacked = tensor(backend, ys, [n * k, 1], dtype);
      this.mask = tensor(backend, mask, [n * k, k], dtype);
    }
  }

  dispose(): void {
    for (const t of new Set([this.x, this.y, this.xStacked, this.yStacked, this.mask])) t.dispose();
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
  private readonly normal: (w: Tensor) => Tensor[];
  private readonly errors: (w: Tensor) => Tensor;
  private readonly residualsOf: (w: Tensor) => Tensor;

  constructor(backend: Backend, structure: NetworkStructure, data: DeviceData) {
    this.backend = backend;
    this.structure = structure;
    this.data = data;
    const p = weightCount(structure);
    this.weightCount = p;
    const f = networkFunction(structure);
    const stackedRows = data.rows * data.outputs;
    this.normal = jit((w: Tensor) => {
      const wRows = broadcastTo(w, [stackedRows, p]);
      const [y, pullback] = vjp((wr: Tensor) => f(wr, data.xStacked), [wRows]);
      // One pullback with the one-hot mask: row i of the result is the
      // gradient of its own (masked) output w.r.t. its own weight row.
      const [jac] = pullback(data.mask);
      const prediction = data.outputs === 1 ? y : sum(mul(y, data.mask), 1, true);
      const r = sub(prediction, data.yStacked);
      const jt = transpose(jac);
      return [matmul(jt, jac), matmul(jt, r), sum(mul(r, r))];
    });
    const residual = (w: Tensor) => sub(f(w, data.x), data.y);
    this.residualsOf = jit(residual);
    this.errors = jit((w: Tensor) => {
      const r = residual(w);
      return sum(mul(r, r), 0, true);
    });
  }

  private weights(w: ArrayLike<number>): Tensor {
    return tensor(this.backend, w, [1, this.weightCount], this.data.dtype);
  }

  async normalEquations(w: ArrayLike<number>): Promise<NormalEquations> {
    const wt = this.weights(w);
    const [jtjT, jtrT, sseT] = this.normal(wt);
    wt.dispose();
    const [jtj, jtr, sse] = await Promise.all([
      readAndDispose(jtjT),
      readAndDispose(jtrT),
      readAndDispose(sseT),
    ]);
    return { jtj, jtr, sse: sse[0] };
  }

  /** Prediction − target, (n, k) row-major. */
  async residuals(w: ArrayLike<number>): Promise<Float64Array> {
    const wt = this.weights(w);
    const out = this.residualsOf(wt);
    wt.dispose();
    return readAndDispose(out);
  }

  /** Σ r² per output (length k). */
  async sseByOutput(w: ArrayLike<number>): Promise<Float64Array> {
    const wt = this.weights(w);
    const out = this.errors(wt);
    wt.dispose();
    return readAndDispose(out);
  }

  async sse(w: ArrayLike<number>): Promise<number> {
    const byOutput = await this.sseByOutput(w);
    let s = 0;
    for (const v of byOutput) s += v;
    return s;
  }
}
