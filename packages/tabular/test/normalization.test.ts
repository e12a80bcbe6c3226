import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Matrix } from "../src/matrix.js";
import { readCsv } from "../src/node/index.js";
import type { ScalingMethod, ShiftingMethod } from "../src/normalization/index.js";
import {
  AUTO_MEAN_THRESHOLD,
  computeNormalization,
  denormalize,
  MAX_SCALE_FLOOR,
  normalizationFromJSON,
  normalizationToJSON,
  normalize,
  SCALING_METHODS,
  SHIFTING_METHODS,
} from "../src/normalization/index.js";

const value = fc.double({ min: -1e6, max: 1e6, noNaN: true });
/** A column: random values, or a constant one, or values on a large offset. */
const column = (rows: number) =>
  fc.oneof(
    fc.array(value, { minLength: rows, maxLength: rows }),
    value.map((v) => new Array<number>(rows).fill(v)),
    fc
      .tuple(
        fc.double({ min: 1e3, max: 1e5, noNaN: true }),
        fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: rows, maxLength: rows }),
      )
      .map(([offset, noise]) => noise.map((v) => offset + v)),
  );
const matrices = fc
  .tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 4 }))
  .chain(([rows, cols]) => fc.array(column(rows), { minLength: cols, maxLength: cols }))
  .map((columns) => {
    const rows = columns[0].length;
    const m = Matrix.zeros(rows, columns.length);
    columns.forEach((c, j) => c.forEach((v, i) => (m.data[i * columns.length + j] = v)));
    return m;
  });
const shifting = fc.constantFrom(...SHIFTING_METHODS);
const scaling = fc.constantFrom(...SCALING_METHODS);

/** Spreads below this (squares underflow, halves round to 0) behave as constant columns. */
const TINY_SPREAD = 1e-150;

function columnOf(m: Matrix, j: number): number[] {
  return Array.from({ length: m.shape[0] }, (_, i) => m.get(i, j));
}

describe("computeNormalization", () => {
  it("follows the definitions on a small example", () => {
    const m = Matrix.from(
      [
        [1, 10],
        [3, 20],
        [5, 60],
      ],
      "x",
    );
    const mc = computeNormalization(m, { shifting: "min_centered", scaling: "max_centered" });
    expect(Array.from(mc.shift)).toEqual([3, 35]);
    expect(Array.from(mc.scale)).toEqual([2, 25]);
    const mm = computeNormalization(m, { shifting: "min", scaling: "max" });
    expect(Array.from(mm.shift)).toEqual([1, 10]);
    expect(Array.from(mm.scale)).toEqual([4, 50]);
    const ms = computeNormalization(m, { shifting: "mean", scaling: "std" });
    expect(Array.from(ms.shift)).toEqual([3, 30]);
    expect(ms.scale[0]).toBeCloseTo(Math.sqrt(8 / 3), 14);
    expect(ms.scale[1]).toBeCloseTo(Math.sqrt(1400 / 3), 12);
    const nn = computeNormalization(m, { shifting: "none", scaling: "none" });
    expect(Array.from(nn.shift)).toEqual([0, 0]);
    expect(Array.from(nn.scale)).toEqual([1, 1]);
    // Global: one shift and scale computed over all six values.
    const g = computeNormalization(m, { shifting: "min", scaling: "max_centered", perFeature: false });
    expect(Array.from(g.shift)).toEqual([1, 1]);
    expect(Array.from(g.scale)).toEqual([29.5, 29.5]);
  });

  it("max scale falls back to max|x − shift| when max(x) − shift is ≤ 0 or negligible", () => {
    const scaleOf = (column: number[]) =>
      computeNormalization(
        Matrix.from(
          column.map((v) => [v]),
          "x",
        ),
        { shifting: "none", scaling: "max" },
      ).scale[0];
    expect(scaleOf([-8, -2, -4])).toBe(8);
    expect(scaleOf([-10, 1])).toBe(1);
    expect(scaleOf([-1000, 0.5])).toBe(1000);
    expect(scaleOf([-1000, 0.5 / MAX_SCALE_FLOOR])).toBe(0.5 / MAX_SCALE_FLOOR);
  });

  it("keeps max-scaled values within ±1/MAX_SCALE_FLOOR", () => {
    fc.assert(
      fc.property(matrices, shifting, (m, sh) => {
        const n = normalize(m, computeNormalization(m, { shifting: sh, scaling: "max" }));
        expect(n.data.every((x) => Math.abs(x) <= (1 + 1e-12) / MAX_SCALE_FLOOR)).toBe(true);
      }),
    );
  });

  it("auto picks mean/max on an offset column and none/max on a centred one", () => {
    const offset = [100, 102, 104, 106, 110];
    const centred = [-3, -1, 0, 1, 2];
    const m = Matrix.from(
      offset.map((v, i) => [v, centred[i]]),
      "x",
    );
    const s = computeNormalization(m, { shifting: "auto", scaling: "auto" });
    const mean = offset.reduce((a, b) => a + b) / offset.length;
    expect(s.shift[0]).toBeCloseTo(mean, 12);
    expect(s.scale[0]).toBeCloseTo(110 - mean, 12);
    expect(s.shift[1]).toBe(0);
    expect(s.scale[1]).toBe(2);
  });

  it("auto shifts exactly when |mean| > threshold × std", () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 2, maxLength: 20 }), (values) => {
        const m = new Matrix(Float64Array.from(values), values.length, 1);
        const mean = values.reduce((a, b) => a + b, 0) / values.length;
        const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
        const margin = 1e-9 * (Math.abs(mean) + std);
        fc.pre(Math.abs(Math.abs(mean) - AUTO_MEAN_THRESHOLD * std) > margin);
        const s = computeNormalization(m, { shifting: "auto", scaling: "none" });
        if (Math.abs(mean) > AUTO_MEAN_THRESHOLD * std) expect(s.shift[0]).toBeCloseTo(mean, 6);
        else expect(s.shift[0]).toBe(0);
      }),
    );
  });

  it("keeps every stat finite with a positive scale, constant columns included", () => {
    fc.assert(
      fc.property(matrices, shifting, scaling, fc.boolean(), (m, sh, sc, perFeature) => {
        const s = computeNormalization(m, { shifting: sh, scaling: sc, perFeature });
        for (let j = 0; j < m.shape[1]; j++) {
          expect(Number.isFinite(s.shift[j])).toBe(true);
          expect(Number.isFinite(s.scale[j]) && s.scale[j] > 0).toBe(true);
        }
        const n = normalize(m, s);
        expect(n.data.every(Number.isFinite)).toBe(true);
      }),
    );
  });

  it("maps a constant column to 0 (any shift but none) and to a finite value otherwise", () => {
    fc.assert(
      fc.property(value, fc.integer({ min: 1, max: 6 }), shifting, scaling, (v, rows, sh, sc) => {
        const m = new Matrix(new Float64Array(rows).fill(v), rows, 1);
        const n = normalize(m, computeNormalization(m, { shifting: sh, scaling: sc }));
        const centred = sh === "min" || sh === "min_centered" || sh === "mean";
        for (const x of n.data) {
          expect(Number.isFinite(x)).toBe(true);
          if (centred) expect(x === 0).toBe(true); // +0, or -0 for a -0 column
        }
      }),
    );
  });

  it("refuses non-finite values and empty matrices", () => {
    expect(() => computeNormalization(Matrix.from([[1, Number.NaN]], "x", { allowNonFinite: true }))).toThrow(
      "normalization: column 1 holds a non-finite value (NaN)",
    );
    expect(() => computeNormalization(Matrix.zeros(0, 3))).toThrow("normalization: the matrix has no rows");
    expect(() => computeNormalization(Matrix.zeros(2, 2), { shifting: "median" as ShiftingMethod })).toThrow(
      /unknown shifting "median"/,
    );
    expect(() => computeNormalization(Matrix.zeros(2, 2), { scaling: "iqr" as ScalingMethod })).toThrow(
      /unknown scaling "iqr"/,
    );
  });
});

describe("normalize / denormalize", () => {
  const within = (x: number, lo: number, hi: number, tol = 1e-12) => x >= lo - tol && x <= hi + tol;
  /**
   * Rounding bound for normalised values of a column: x − shift is only known
   * to a few ulps of the column's largest magnitude, which the scale magnifies
   * (a near-constant column on a large offset).
   */
  const roundingTol = (c: number[], scale: number) =>
    1e-12 + (8 * Number.EPSILON * Math.max(...c.map(Math.abs))) / scale;

  it("min_centered + max_centered lands in [-1, 1] and reaches both ends on non-constant columns", () => {
    fc.assert(
      fc.property(matrices, fc.boolean(), (m, perFeature) => {
        const s = computeNormalization(m, { shifting: "min_centered", scaling: "max_centered", perFeature });
        const n = normalize(m, s);
        const all = Array.from(m.data);
        n.data.forEach((x, k) =>
          expect(within(x, -1, 1, roundingTol(all, s.scale[k % m.shape[1]]))).toBe(true),
        );
        if (perFeature) {
          for (let j = 0; j < m.shape[1]; j++) {
            const c = columnOf(m, j);
            if (!(Math.max(...c) - Math.min(...c) > TINY_SPREAD)) continue;
            const nc = columnOf(n, j);
            const tol = roundingTol(c, s.scale[j]);
            expect(Math.abs(Math.max(...nc) - 1)).toBeLessThanOrEqual(tol);
            expect(Math.abs(Math.min(...nc) + 1)).toBeLessThanOrEqual(tol);
          }
        }
      }),
    );
  });

  it("min + max lands in [0, 1]; mean + std gives mean 0 and std 1", () => {
    fc.assert(
      fc.property(matrices, (m) => {
        const sm = computeNormalization(m, { shifting: "min", scaling: "max" });
        const mm = normalize(m, sm);
        const sz = computeNormalization(m, { shifting: "mean", scaling: "std" });
        const z = normalize(m, sz);
        for (let j = 0; j < m.shape[1]; j++) {
          const c = columnOf(m, j);
          expect(columnOf(mm, j).every((x) => within(x, 0, 1, roundingTol(c, sm.scale[j])))).toBe(true);
          const zc = columnOf(z, j);
          const tol = 1e-9 + 4 * roundingTol(c, sz.scale[j]);
          const mean = zc.reduce((a, b) => a + b, 0) / zc.length;
          expect(Math.abs(mean)).toBeLessThanOrEqual(tol);
          if (Math.max(...c) - Math.min(...c) > TINY_SPREAD) {
            const std = Math.sqrt(zc.reduce((a, v) => a + (v - mean) ** 2, 0) / zc.length);
            expect(Math.abs(std - 1)).toBeLessThanOrEqual(tol);
          }
        }
      }),
    );
  });

  it("denormalize(normalize(x)) == x to 1e-12 for every method", () => {
    fc.assert(
      fc.property(matrices, shifting, scaling, fc.boolean(), (m, sh, sc, perFeature) => {
        const s = computeNormalization(m, { shifting: sh, scaling: sc, perFeature });
        const back = denormalize(normalize(m, s), s);
        const cols = m.shape[1];
        m.data.forEach((x, k) => {
          const tol = 1e-12 * Math.max(1, Math.abs(x), Math.abs(s.shift[k % cols]));
          expect(Math.abs(back.data[k] - x)).toBeLessThanOrEqual(tol);
        });
      }),
    );
  });

  it("normalises the biomass inputs into [-1, 1] with the tutorial's options", async () => {
    const x = (await readCsv(join(import.meta.dirname, "../../../datasets/biomass/x_train.csv"))).matrix;
    const n = normalize(x, computeNormalization(x, { shifting: "min_centered", scaling: "max_centered" }));
    expect(n.data.every((v) => within(v, -1, 1))).toBe(true);
  });

  it("refuses a matrix whose width does not match", () => {
    const s = computeNormalization(Matrix.zeros(2, 3));
    expect(() => normalize(Matrix.zeros(2, 2), s)).toThrow(
      "normalize: the matrix has 2 columns, the normalization has 3 shifts and 3 scales",
    );
    expect(() => denormalize(Matrix.zeros(2, 4), s)).toThrow(/^denormalize: the matrix has 4 columns/);
  });
});

describe("JSON form", () => {
  it("round-trips stats exactly through JSON text", () => {
    fc.assert(
      fc.property(matrices, shifting, scaling, fc.boolean(), (m, sh, sc, perFeature) => {
        const s = computeNormalization(m, { shifting: sh, scaling: sc, perFeature });
        const back = normalizationFromJSON(JSON.parse(JSON.stringify(normalizationToJSON(s))));
        expect(back.shift.length).toBe(s.shift.length);
        s.shift.forEach((v, j) => expect(Object.is(back.shift[j], v)).toBe(true));
        s.scale.forEach((v, j) => expect(Object.is(back.scale[j], v)).toBe(true));
        expect(normalize(m, back).data).toEqual(normalize(m, s).data);
      }),
    );
  });

  it("rejects malformed JSON forms, naming the source", () => {
    expect(() => normalizationFromJSON(null, "model.ednn")).toThrow(
      "model.ednn: expected { shift: number[], scale: number[] }",
    );
    expect(() => normalizationFromJSON({ shift: [0], scale: [1, 2] }, "m")).toThrow(
      "m: 1 shifts but 2 scales",
    );
    expect(() => normalizationFromJSON({ shift: ["0"], scale: [1] }, "m")).toThrow(
      "m: shift[0] is not a finite number",
    );
    expect(() => normalizationFromJSON({ shift: [0], scale: [0] }, "m")).toThrow(
      "m: scale[0] is not a finite non-zero number",
    );
    expect(() => normalizationFromJSON({ shift: [0], scale: [null] }, "m")).toThrow(
      "m: scale[0] is not a finite non-zero number",
    );
  });
});
