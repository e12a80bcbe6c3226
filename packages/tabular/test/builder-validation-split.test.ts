import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { farthestPointOrder, representativeRows } from "../src/builder/validation-split.js";
import { Matrix } from "../src/matrix.js";

/** The order by its definition, naively: each row the farthest from all earlier ones (ties: lowest index). */
function referenceOrder(x: Matrix): number[] {
  const [n, m] = x.shape;
  const d2 = (a: ArrayLike<number>, ai: number, b: ArrayLike<number>, bi: number) => {
    let s = 0;
    for (let j = 0; j < m; j++) {
      const diff = a[ai * m + j] - b[bi * m + j];
      s += diff * diff;
    }
    return s;
  };
  const centre = new Float64Array(m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) centre[j] += x.data[i * m + j] / n;
  let first = 0;
  for (let i = 1; i < n; i++) if (d2(x.data, i, centre, 0) < d2(x.data, first, centre, 0)) first = i;
  const order = [first];
  while (order.length < n) {
    let best = -1;
    let bestD = -1;
    for (let i = 0; i < n; i++) {
      if (order.includes(i)) continue;
      const d = Math.min(...order.map((o) => d2(x.data, i, x.data, o)));
      if (d > bestD) [best, bestD] = [i, d];
    }
    order.push(best);
  }
  return order;
}

// Small integer coordinates: many equal distances, so the tie rule is exercised.
const points = fc
  .record({ n: fc.integer({ min: 1, max: 40 }), m: fc.integer({ min: 1, max: 4 }) })
  .chain(({ n, m }) =>
    fc
      .array(fc.integer({ min: -3, max: 3 }), { minLength: n * m, maxLength: n * m })
      .map((v) => new Matrix(Float64Array.from(v), n, m)),
  );

describe("representative validation rows", () => {
  it("farthestPointOrder is the farthest-point order by its definition, ties to the lower row", () => {
    fc.assert(
      fc.property(points, (x) => {
        expect(farthestPointOrder(x)).toEqual(referenceOrder(x));
      }),
      { numRuns: 150 },
    );
  });

  it("holds out the requested share of distinct rows, sorted", () => {
    fc.assert(
      fc.property(points, fc.double({ min: 1, max: 50, noNaN: true }), (x, percentage) => {
        const n = x.shape[0];
        fc.pre(n >= 2);
        const rows = representativeRows(x, percentage);
        const count = Math.min(n - 1, Math.max(1, Math.round((n * percentage) / 100)));
        expect(rows.length).toBe(count);
        expect([...rows].sort((a, b) => a - b)).toEqual(rows);
        expect(new Set(rows).size).toBe(rows.length);
      }),
      { numRuns: 150 },
    );
  });
});
