/**
 * A build's rows in normalised units, read a block at a time.
 *
 * The builder never holds a normalised copy of all rows: the training,
 * validation and full sets are views of the caller's data (a list of row
 * numbers and the normalisation), and each block of rows is normalised as
 * it is read — when it is put on the backend (objective.ts `DeviceData`),
 * or summed over (prior.ts, validation-split.ts). A block's values are those
 * `normalize` gives, bit for bit, so a build is the same whichever way its
 * rows reach the backend. Only subsets (screening and cross-validation rows,
 * small data) are taken whole, with `pickRows` and `readAllRows`.
 */
import { Matrix } from "../matrix.js";
import type { NormalizationStats } from "../normalization/index.js";

/** Rows [from, to) of a set: inputs ((to − from) × m) and outputs ((to − from) × k), row-major. */
export interface RowBlock {
  readonly x: Float64Array;
  readonly y: Float64Array;
}

export interface RowSource {
  readonly rows: number;
  readonly inputs: number;
  readonly outputs: number;
  /**
   * Writes rows [from, to), normalised, at the start of `x` and `y`. Passes
   * over many rows read every block into the same arrays: blocks read into
   * fresh arrays and dropped pile up between collections, and the memory
   * they held is not all handed back to the system.
   */
  readInto(from: number, to: number, x: Float64Array, y: Float64Array): void;
}

/** Rows [from, to) of `source` in fresh arrays. */
export function readRows(source: RowSource, from: number, to: number): RowBlock {
  const x = new Float64Array((to - from) * source.inputs);
  const y = new Float64Array((to - from) * source.outputs);
  source.readInto(from, to, x, y);
  return { x, y };
}

/** Rows read at a time where a pass over a set only sums or scans them. */
export const SCAN_BLOCK_ROWS = 8192;

/** `(v − shift) / scale`, as `normalize` computes it. */
function normalizeInto(
  out: Float64Array,
  at: number,
  data: Float64Array,
  from: number,
  cols: number,
  stats: NormalizationStats | null,
): void {
  if (stats === null) {
    out.set(data.subarray(from, from + cols), at);
    return;
  }
  for (let j = 0; j < cols; j++) out[at + j] = (data[from + j] - stats.shift[j]) / stats.scale[j];
}

/**
 * The rows `rows` (all rows, in order, when null) of x and y, normalised
 * with `input` and `output` (taken as they are when null).
 */
export function selectedRows(
  x: Matrix,
  y: Matrix,
  input: NormalizationStats | null,
  output: NormalizationStats | null,
  rows: Int32Array | null = null,
): RowSource {
  const m = x.shape[1];
  const k = y.shape[1];
  return {
    rows: rows ? rows.length : x.shape[0],
    inputs: m,
    outputs: k,
    readInto(from, to, bx, by) {
      for (let i = 0; i < to - from; i++) {
        const r = rows ? rows[from + i] : from + i;
        normalizeInto(bx, i * m, x.data, r * m, m, input);
        normalizeInto(by, i * k, y.data, r * k, k, output);
      }
    },
  };
}

/** Rows already normalised, as they are. */
export function matrixRows(x: Matrix, y: Matrix): RowSource {
  return selectedRows(x, y, null, null);
}

/** The inputs alone (a source of no outputs), for what only looks at the inputs. */
export function inputRows(x: Matrix): RowSource {
  return matrixRows(x, new Matrix(new Float64Array(0), x.shape[0], 0));
}

/** The rows of `a`, then those of `b`. */
export function concatRows(a: RowSource, b: RowSource): RowSource {
  return {
    rows: a.rows + b.rows,
    inputs: a.inputs,
    outputs: a.outputs,
    readInto(from, to, x, y) {
      const split = Math.min(Math.max(a.rows, from), to);
      if (split > from) a.readInto(from, split, x, y);
      if (to > split) {
        const head = split - from;
        b.readInto(split - a.rows, to - a.rows, x.subarray(head * a.inputs), y.subarray(head * a.outputs));
      }
    },
  };
}

/**
 * Calls `visit` on consecutive blocks of at most `blockRows` rows, in
 * order, with the first row of each; every block is read into the same
 * arrays, so `visit` must not keep them.
 */
export function forEachBlock(
  source: RowSource,
  visit: (block: RowBlock, first: number, rows: number) => void,
  blockRows = SCAN_BLOCK_ROWS,
): void {
  const rows = Math.min(blockRows, source.rows);
  const x = new Float64Array(rows * source.inputs);
  const y = new Float64Array(rows * source.outputs);
  for (let from = 0; from < source.rows; from += blockRows) {
    const to = Math.min(source.rows, from + blockRows);
    const n = to - from;
    source.readInto(from, to, x, y);
    visit({ x: x.subarray(0, n * source.inputs), y: y.subarray(0, n * source.outputs) }, from, n);
  }
}

/** Every row, whole: for subsets and small data only. */
export function readAllRows(source: RowSource): { x: Matrix; y: Matrix } {
  const { x, y } = readRows(source, 0, source.rows);
  return { x: new Matrix(x, source.rows, source.inputs), y: new Matrix(y, source.rows, source.outputs) };
}

/** The rows at `positions` (in the order given), whole: for subsets. */
export function pickRows(source: RowSource, positions: readonly number[]): { x: Matrix; y: Matrix } {
  const n = positions.length;
  const { inputs: m, outputs: k } = source;
  const x = new Float64Array(n * m);
  const y = new Float64Array(n * k);
  positions.forEach((p, i) => source.readInto(p, p + 1, x.subarray(i * m), y.subarray(i * k)));
  return { x: new Matrix(x, n, m), y: new Matrix(y, n, k) };
}
