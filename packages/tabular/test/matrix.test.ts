import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expectShape, Matrix } from "../src/matrix.js";

const finiteRows = fc.tuple(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 6 })).chain(([r, c]) =>
  fc.array(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: c, maxLength: c }), {
    minLength: r,
    maxLength: r,
  }),
);

describe("Matrix.from", () => {
  it("round-trips number[][] through toArray, row and get", () => {
    fc.assert(
      fc.property(finiteRows, (rows) => {
        const m = Matrix.from(rows, "x");
        expect(m.shape).toEqual([rows.length, rows[0].length]);
        expect(m.toArray()).toEqual(rows);
        for (let i = 0; i < rows.length; i++) {
          expect(Array.from(m.row(i))).toEqual(rows[i]);
          for (let j = 0; j < rows[0].length; j++) expect(Object.is(m.get(i, j), rows[i][j])).toBe(true);
        }
      }),
    );
  });

  it("accepts { data, shape } with a typed array or plain array, row-major", () => {
    const m = Matrix.from({ data: new Float32Array([1, 2, 3, 4, 5, 6]), shape: [2, 3] }, "x");
    expect(m.toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const n = Matrix.from({ data: [1, 2, 3, 4, 5, 6], shape: [3, 2] }, "x");
    expect(n.row(2)).toEqual(new Float64Array([5, 6]));
  });

  it("copies its input, and row() is a view of the matrix", () => {
    const rows = [
      [1, 2],
      [3, 4],
    ];
    const m = Matrix.from(rows, "x");
    rows[0][0] = 99;
    expect(m.get(0, 0)).toBe(1);
    const copy = Matrix.from(m, "x");
    m.row(1)[0] = -7;
    expect(m.get(1, 0)).toBe(-7);
    expect(copy.get(1, 0)).toBe(3);
  });

  it("reads a flat vector as a column only when allowed", () => {
    expect(() => Matrix.from([1, 2, 3], "w")).toThrow(
      "w: expected a matrix (number[][]), got a flat array of numbers",
    );
    expect(() => Matrix.from(new Float64Array(3), "w")).toThrow(/^w: a flat typed array needs a shape/);
    expect(Matrix.from([1, 2, 3], "w", { allowVector: true }).shape).toEqual([3, 1]);
    const col = Matrix.from(new Float64Array([4, 5]), "w", { allowVector: true });
    expect(col.toArray()).toEqual([[4], [5]]);
  });

  it("names the argument and the row for ragged input", () => {
    const rows = [
      [1, 2, 3, 4, 5],
      [1, 2, 3, 4, 5],
      [1, 2, 3, 4, 5],
      [1, 2, 3, 4],
    ];
    expect(() => Matrix.from(rows, "x")).toThrow("x: row 3 has 4 values, expected 5");
  });

  it("rejects non-finite values unless allowed, naming the position", () => {
    const rows = [
      [0, 0],
      [0, 0],
      [0, Number.NaN],
    ];
    expect(() => Matrix.from(rows, "x")).toThrow("x: value at row 2, column 1 is NaN");
    expect(() => Matrix.from([[Number.NEGATIVE_INFINITY]], "y")).toThrow(
      "y: value at row 0, column 0 is -Infinity",
    );
    expect(Number.isNaN(Matrix.from(rows, "x", { allowNonFinite: true }).get(2, 1))).toBe(true);
  });

  it("rejects non-numbers and bad shapes with the argument's name", () => {
    expect(() => Matrix.from([[1, "2" as unknown as number]], "x")).toThrow(
      'x: value at row 0, column 1 is the string "2", expected a number',
    );
    expect(() => Matrix.from({ data: [1, 2, 3], shape: [2, 2] }, "dx")).toThrow(
      "dx: data has 3 values, shape (2, 2) needs 4",
    );
    expect(() => Matrix.from({ data: [1], shape: [1.5, 1] as unknown as [number, number] }, "dx")).toThrow(
      /^dx: shape/,
    );
    expect(() => Matrix.from("abc" as unknown as number[][], "x")).toThrow(/^x: expected a matrix/);
    expect(() => Matrix.from([], "x", { requireNonEmpty: true })).toThrow(
      "x: matrix is empty (shape (0, 0))",
    );
  });

  it("checks indices in row and get", () => {
    const m = Matrix.zeros(2, 3);
    expect(() => m.row(2)).toThrow(RangeError);
    expect(() => m.get(0, 3)).toThrow(RangeError);
    expect(() => new Matrix(new Float64Array(5), 2, 3)).toThrow(RangeError);
  });
});

describe("expectShape", () => {
  it("passes matching shapes and wildcards", () => {
    const m = Matrix.zeros(10, 5);
    expect(() => expectShape(m, [10, 5], "dx")).not.toThrow();
    expect(() => expectShape(m, [null, 5], "dx")).not.toThrow();
    expect(() => expectShape(m, [10, null], "dx")).not.toThrow();
  });

  it("names the argument and both shapes", () => {
    const m = Matrix.zeros(10, 4);
    expect(() => expectShape(m, [10, 5], "dx")).toThrow("dx: expected shape (10, 5), got (10, 4)");
    expect(() => expectShape(m, [null, 5], "x")).toThrow("x: expected shape (any, 5), got (10, 4)");
  });
});
