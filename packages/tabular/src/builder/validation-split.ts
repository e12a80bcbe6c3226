/**
 * Representative validation rows: the rows are ordered so that each one is
 * the farthest (in normalised input space) from all rows ordered before it,
 * starting from the row nearest the centre; then every k-th row of that
 * order is held out. Early rows of the order cover the whole input space
 * (its corners included) and later ones fill it in, so the held-out rows
 * spread over the space as the training rows do — deterministic, not a draw.
 */
import type { Matrix } from "../matrix.js";

/** Farthest-point order of the rows of `x` (already normalised). O(n²·m). */
export function farthestPointOrder(x: Matrix): number[] {
  const [n, m] = x.shape;
  if (n === 0) return [];
  const centre = new Float64Array(m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) centre[j] += x.data[i * m + j] / n;
  const distance2 = (i: number, point: ArrayLike<number>, offset: number): number => {
    let d = 0;
    for (let j = 0; j < m; j++) d += (x.data[i * m + j] - point[offset + j]) ** 2;
    return d;
  };
  let first = 0;
  let firstD = Number.POSITIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const d = distance2(i, centre, 0);
    if (d < firstD) [first, firstD] = [i, d];
  }
  const nearest = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  const taken = new Uint8Array(n);
  const order = [first];
  taken[first] = 1;
  let last = first;
  for (let step = 1; step < n; step++) {
    let next = -1;
    let nextD = -1;
    for (let i = 0; i < n; i++) {
      if (taken[i]) continue;
      const d = Math.min(nearest[i], distance2(i, x.data, last * m));
      nearest[i] = d;
      // Ties go to the lower row index, so the order is deterministic.
      if (d > nextD) [next, nextD] = [i, d];
    }
    order.push(next);
    taken[next] = 1;
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
