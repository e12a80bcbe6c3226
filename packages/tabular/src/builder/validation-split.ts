/**
 * Representative validation rows: the rows are ordered so that each one is
 * the farthest (in normalised input space) from all rows ordered before it,
 * starting from the row nearest the centre; then every k-th row of that
 * order is held out. Early rows of the order cover the whole input space
 * (its corners included) and later ones fill it in, so the held-out rows
 * spread over the space as the training rows do — deterministic, not a draw.
 */
import type { Matrix } from "../matrix.js";

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
 * Rows of `x` to hold out: `percentage`% of them, at evenly spaced
 * positions of the farthest-point order. Sorted ascending.
 */
export function representativeRows(x: Matrix, percentage: number): number[] {
  const n = x.shape[0];
  const count = Math.min(n - 1, Math.max(1, Math.round((n * percentage) / 100)));
  const order = farthestPointOrder(x);
  const chosen: number[] = [];
  // Position (q + ½)·n/count for q = 0 … count−1: evenly spread, never the very first (central) row twice.
  for (let q = 0; q < count; q++) chosen.push(order[Math.min(n - 1, Math.floor(((q + 0.5) * n) / count))]);
  return [...new Set(chosen)].sort((a, b) => a - b);
}
