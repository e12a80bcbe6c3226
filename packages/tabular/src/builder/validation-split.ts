/**
 * Representative validation rows: the rows are put in an order that spreads
 * over the input space, and every k-th row of that order is held out —
 * deterministic, not a draw.
 *
 * Up to FARTHEST_POINT_MAX_WORK the order is the farthest-point order:
 * each row the farthest (in normalised input space) from all rows ordered
 * before it, starting from the row nearest the centre. Early rows cover the
 * whole space (its corners included) and later ones fill it in, so the
 * held-out rows spread over the space as the training rows do. It costs
 * O(n²·m), too much beyond that (about 7 s at 20,000 rows of 20 inputs,
 * and growing as n²), where the rows are instead sorted along a Z-order
 * (Morton) curve: cells of a grid halved one input at a time, so that every
 * k-th row of the curve samples every region of the space in proportion to
 * its rows. O(n·m·log n).
 */
import { Matrix } from "../matrix.js";
import { forEachBlock, inputRows, type RowSource, readAllRows } from "./rows.js";

/**
 * Farthest-point order of the rows of `x` (already normalised). O(n²·m) at
 * worst, much less in practice: a row's squared distance to the newest
 * point is summed column by column and abandoned as soon as it reaches the
 * row's distance to the nearest earlier point, which it then cannot lower
 * (the partial sums only grow, so the order is exactly that of full sums).
 */
export function farthestPointOrder(x: Matrix): number[] {
  const [n, m] = x.shape;
  if (n === 0) return [];
  const data = x.data;
  const centre = new Float64Array(m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) centre[j] += data[i * m + j] / n;
  let first = 0;
  let firstD = Number.POSITIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    let d = 0;
    for (let j = 0; j < m; j++) {
      const diff = data[i * m + j] - centre[j];
      d += diff * diff;
    }
    if (d < firstD) {
      first = i;
      firstD = d;
    }
  }
  const nearest = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  // Rows not yet ordered, ascending (ties go to the lower row index, so the order is deterministic).
  let left = new Int32Array(n - 1);
  for (let i = 0, c = 0; i < n; i++) if (i !== first) left[c++] = i;
  let leftCount = n - 1;
  const order = [first];
  let last = first;
  while (leftCount > 0) {
    const lastRow = last * m;
    let next = -1;
    let nextD = -1;
    let nextAt = -1;
    for (let c = 0; c < leftCount; c++) {
      const i = left[c];
      const row = i * m;
      const bound = nearest[i];
      let d = 0;
      for (let j = 0; j < m && d < bound; j++) {
        const diff = data[row + j] - data[lastRow + j];
        d += diff * diff;
      }
      if (d < bound) nearest[i] = d;
      const di = d < bound ? d : bound;
      if (di > nextD) {
        next = i;
        nextD = di;
        nextAt = c;
      }
    }
    order.push(next);
    // Remove `next`, keeping the rest ascending.
    left.copyWithin(nextAt, nextAt + 1, leftCount);
    leftCount--;
    if (leftCount < left.length / 2) left = left.slice(0, leftCount);
    last = next;
  }
  return order;
}

/**
 * Most work (n²·m: rows squared times inputs) for the farthest-point order,
 * a few seconds (20,000 rows of 10 inputs, 14,000 of 20); larger data sets
 * are put in Z-order.
 */
export const FARTHEST_POINT_MAX_WORK = 4e9;

/** Bits kept per input for the Z-order: a grid of 65,536 steps per input. */
const Z_ORDER_BITS = 16;

/**
 * The rows of `x` sorted along a Z-order curve over its columns, each
 * quantised to Z_ORDER_BITS bits between its minimum and maximum (a
 * constant column is all 0); ties by row index. Two rows are compared on
 * the input whose quantised values differ in the highest bit (lowest input
 * first among equals), which is the order of their interleaved bits,
 * without forming them.
 */
export function zOrder(x: Matrix | RowSource): number[] {
  const source = x instanceof Matrix ? inputRows(x) : x;
  const { rows: n, inputs: m } = source;
  const min = new Float64Array(m).fill(Number.POSITIVE_INFINITY);
  const max = new Float64Array(m).fill(Number.NEGATIVE_INFINITY);
  forEachBlock(source, (block, _first, rows) => {
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < m; j++) {
        const v = block.x[i * m + j];
        if (v < min[j]) min[j] = v;
        if (v > max[j]) max[j] = v;
      }
    }
  });
  const top = 2 ** Z_ORDER_BITS - 1;
  const scale = Array.from(min, (lo, j) => (max[j] > lo ? top / (max[j] - lo) : 0));
  // 16 bits per value: a quarter of the inputs' own size, the only n·m array a large build makes.
  const q = new Uint16Array(n * m);
  forEachBlock(source, (block, first, rows) => {
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < m; j++)
        q[(first + i) * m + j] = Math.min(top, Math.floor((block.x[i * m + j] - min[j]) * scale[j]));
    }
  });
  // Whether the highest set bit of a is below that of b.
  const lowerTopBit = (a: number, b: number) => a < b && a < (a ^ b);
  const order = Array.from({ length: n }, (_, i) => i);
  return order.sort((a, b) => {
    let input = 0;
    let differing = 0;
    for (let j = 0; j < m; j++) {
      const d = q[a * m + j] ^ q[b * m + j];
      if (lowerTopBit(differing, d)) {
        input = j;
        differing = d;
      }
    }
    return q[a * m + input] - q[b * m + input] || a - b;
  });
}

/**
 * Rows of `x` to hold out: `percentage`% of them, one from each of `count`
 * equal strides of the farthest-point order (Z-order beyond
 * FARTHEST_POINT_MAX_WORK), at fraction `offset` (in [0, 1)) of its
 * stride. The builder takes the middle of each stride (0.5); other offsets
 * give other, equally representative sets, for judging how much a result
 * depends on which rows are held out.
 * Sorted ascending.
 */
export function representativeRows(x: Matrix, percentage: number, offset = 0.5): number[] {
  return representativeRowsOf(inputRows(x), percentage, offset);
}

/** `representativeRows` of the (normalised) inputs of a build's rows, read a block at a time. */
export function representativeRowsOf(source: RowSource, percentage: number, offset = 0.5): number[] {
  if (!(offset >= 0 && offset < 1))
    throw new RangeError(`representativeRows: offset must be in [0, 1), got ${offset}`);
  const { rows: n, inputs: m } = source;
  const count = Math.min(n - 1, Math.max(1, Math.round((n * percentage) / 100)));
  const order =
    n * n * m <= FARTHEST_POINT_MAX_WORK ? farthestPointOrder(readAllRows(source).x) : zOrder(source);
  // Positions (q + offset)·n/count, q = 0 … count−1, are distinct (count < n), and so are their rows.
  const chosen = new Int32Array(count);
  for (let q = 0; q < count; q++) chosen[q] = order[Math.min(n - 1, Math.floor(((q + offset) * n) / count))];
  return Array.from(chosen.sort());
}
