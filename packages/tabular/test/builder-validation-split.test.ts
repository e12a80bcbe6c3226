import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  FARTHEST_POINT_MAX_WORK,
  farthestPointOrder,
  representativeRows,
  zOrder,
} from "../src/builder/validation-split.js";
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

  it("holds out the row at `offset` of each stride; offsets half a stride apart share no row", () => {
    fc.assert(
      fc.property(points, fc.double({ min: 1, max: 50, noNaN: true }), (x, percentage) => {
        const n = x.shape[0];
        const count = Math.min(n - 1, Math.max(1, Math.round((n * percentage) / 100)));
        // Strides of at least two rows: positions q·n/count and (q + ½)·n/count are a row or more apart.
        fc.pre(n >= 2 && 2 * count <= n);
        const order = farthestPointOrder(x);
        const at = (offset: number) =>
          Array.from({ length: count }, (_, q) => order[Math.floor(((q + offset) * n) / count)]).sort(
            (a, b) => a - b,
          );
        expect(representativeRows(x, percentage)).toEqual(at(0.5));
        expect(representativeRows(x, percentage, 0)).toEqual(at(0));
        const first = new Set(representativeRows(x, percentage, 0));
        expect(representativeRows(x, percentage, 0.5).filter((r) => first.has(r))).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it("rejects an offset outside [0, 1)", () => {
    const x = new Matrix(
      Float64Array.from({ length: 20 }, (_, i) => i),
      10,
      2,
    );
    for (const offset of [-0.1, 1, Number.NaN]) {
      expect(() => representativeRows(x, 30, offset)).toThrow(/offset must be in \[0, 1\)/);
    }
  });

  it("zOrder sorts the rows by their interleaved quantised bits (Morton codes), ties by row", () => {
    fc.assert(
      fc.property(points, (x) => {
        const [n, m] = x.shape;
        // The same quantisation as zOrder: 16 bits between each column's minimum and maximum.
        const top = 2 ** 16 - 1;
        const q = new Array<number>(n * m);
        for (let j = 0; j < m; j++) {
          const column = Array.from({ length: n }, (_, i) => x.data[i * m + j]);
          const [min, max] = [Math.min(...column), Math.max(...column)];
          for (let i = 0; i < n; i++)
            q[i * m + j] = max > min ? Math.min(top, Math.floor((column[i] - min) * (top / (max - min)))) : 0;
        }
        // Bit b of input j lands at position (15 − b)·m + j from the top: input 0 first at each level.
        const code = (i: number) => {
          let c = 0n;
          for (let b = 15; b >= 0; b--)
            for (let j = 0; j < m; j++) c = (c << 1n) | BigInt((q[i * m + j] >> b) & 1);
          return c;
        };
        const codes = Array.from({ length: n }, (_, i) => code(i));
        const expected = Array.from({ length: n }, (_, i) => i).sort((a, b) =>
          codes[a] < codes[b] ? -1 : codes[a] > codes[b] ? 1 : a - b,
        );
        expect(zOrder(x)).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });

  it("beyond FARTHEST_POINT_MAX_WORK, holds out the same share of every region of the input space", () => {
    // Two inputs: just past the rows for which the farthest-point order is used.
    const n = Math.floor(Math.sqrt(FARTHEST_POINT_MAX_WORK / 2)) + 1;
    // Two inputs, dense in one corner: rows spread unevenly over a 4 × 4 grid of cells.
    let s = 7;
    const next = () => {
      s = (s * 1103515245 + 12345) % 2147483648;
      return s / 2147483648;
    };
    const data = new Float64Array(2 * n);
    for (let i = 0; i < 2 * n; i++) data[i] = next() ** 2;
    const x = new Matrix(data, n, 2);
    const rows = representativeRows(x, 25);
    expect(rows.length).toBe(Math.round(n / 4));
    // The cell of a row: the top two of the 16 bits each input is quantised to, as zOrder does.
    const quarter = (j: number) => {
      const column = Array.from({ length: n }, (_, i) => data[2 * i + j]);
      const [min, max] = [Math.min(...column), Math.max(...column)];
      return (i: number) =>
        Math.min(65535, Math.floor((data[2 * i + j] - min) * (65535 / (max - min)))) >> 14;
    };
    const [first, second] = [quarter(0), quarter(1)];
    const cell = (i: number) => first(i) * 4 + second(i);
    const total = new Array<number>(16).fill(0);
    const held = new Array<number>(16).fill(0);
    for (let i = 0; i < n; i++) total[cell(i)]++;
    for (const i of rows) held[cell(i)]++;
    // Each grid cell is one stretch of the curve (the cells split each input's top two bits), and every
    // 4th position of a stretch is held out: within one row of a quarter, where a draw would miss by ±2%.
    for (let c = 0; c < 16; c++)
      expect(Math.abs(held[c] - total[c] / 4), `cell ${c}: ${held[c]} of ${total[c]}`).toBeLessThanOrEqual(1);
  });
});
