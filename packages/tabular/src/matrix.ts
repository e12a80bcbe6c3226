/**
 * The user-facing matrix type (SPEC section 3): a dense, row-major float64
 * matrix with a shape, row access and conversion to nested arrays.
 */

/** Anything a caller may pass where the library expects a matrix. */
export type MatrixInput =
  | readonly (readonly number[])[]
  | Matrix
  | { readonly data: ArrayLike<number>; readonly shape: readonly [number, number] };

/** What `Matrix.from` accepts when the caller allows a flat vector (read as a column). */
export type MatrixOrVectorInput = MatrixInput | readonly number[] | Float64Array | Float32Array;

export interface MatrixFromOptions {
  /** Accept a flat `number[]` / typed array of length p as a (p, 1) column. Default false. */
  readonly allowVector?: boolean;
  /** Accept NaN and ±Infinity. Default false: a non-finite value is an error naming its position. */
  readonly allowNonFinite?: boolean;
  /** Reject a matrix with zero rows or zero columns. Default false. */
  readonly requireNonEmpty?: boolean;
}

export class Matrix {
  readonly shape: readonly [number, number];
  /** Row-major values: element (i, j) is `data[i * cols + j]`. */
  readonly data: Float64Array;

  /** Wraps `data` (not copied) as a `rows` × `cols` matrix. */
  constructor(data: Float64Array, rows: number, cols: number) {
    if (!isDimension(rows) || !isDimension(cols)) {
      throw new RangeError(`Matrix: invalid shape (${rows}, ${cols})`);
    }
    if (data.length !== rows * cols) {
      throw new RangeError(
        `Matrix: data has ${data.length} values, shape (${rows}, ${cols}) needs ${rows * cols}`,
      );
    }
    this.data = data;
    this.shape = Object.freeze([rows, cols] as const);
  }

  get rows(): number {
    return this.shape[0];
  }

  get cols(): number {
    return this.shape[1];
  }

  /** A zero-filled matrix. */
  static zeros(rows: number, cols: number): Matrix {
    return new Matrix(new Float64Array(rows * cols), rows, cols);
  }

  /** Row `i` as a view into `data` (writes go through to the matrix). */
  row(i: number): Float64Array {
    this.checkRow(i);
    const cols = this.shape[1];
    return this.data.subarray(i * cols, (i + 1) * cols);
  }

  get(i: number, j: number): number {
    this.checkRow(i);
    if (!Number.isInteger(j) || j < 0 || j >= this.shape[1]) {
      throw new RangeError(
        `Matrix.get: column ${j} is out of range for shape (${this.shape[0]}, ${this.shape[1]})`,
      );
    }
    return this.data[i * this.shape[1] + j];
  }

  toArray(): number[][] {
    const [rows, cols] = this.shape;
    const out: number[][] = new Array(rows);
    for (let i = 0; i < rows; i++) out[i] = Array.from(this.data.subarray(i * cols, (i + 1) * cols));
    return out;
  }

  /** An independent copy. */
  clone(): Matrix {
    return new Matrix(this.data.slice(), this.shape[0], this.shape[1]);
  }

  /**
   * Converts user input to a Matrix (always a fresh copy, so later changes to
   * the caller's arrays do not leak in). `name` is the argument's name, used
   * in every error message.
   */
  static from(input: MatrixOrVectorInput, name: string, options: MatrixFromOptions = {}): Matrix {
    const m = toMatrix(input, name, options.allowVector ?? false);
    if (options.requireNonEmpty && (m.shape[0] === 0 || m.shape[1] === 0)) {
      throw new RangeError(`${name}: matrix is empty (shape (${m.shape[0]}, ${m.shape[1]}))`);
    }
    if (!options.allowNonFinite) assertFinite(m, name);
    return m;
  }

  private checkRow(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.shape[0]) {
      throw new RangeError(`Matrix: row ${i} is out of range for shape (${this.shape[0]}, ${this.shape[1]})`);
    }
  }
}

/**
 * Checks a matrix's shape; `null` in `expected` accepts any size on that axis.
 * Message e.g. `dx: expected shape (10, 5), got (10, 4)`.
 */
export function expectShape(
  m: { readonly shape: readonly [number, number] },
  expected: readonly [number | null, number | null],
  name: string,
): void {
  const [rows, cols] = m.shape;
  const [er, ec] = expected;
  if ((er !== null && rows !== er) || (ec !== null && cols !== ec)) {
    const want = `(${er ?? "any"}, ${ec ?? "any"})`;
    throw new RangeError(`${name}: expected shape ${want}, got (${rows}, ${cols})`);
  }
}

function isDimension(n: number): boolean {
  return Number.isInteger(n) && n >= 0;
}

function isArrayLikeOfNumbers(v: unknown): v is ArrayLike<number> {
  return ArrayBuffer.isView(v) || Array.isArray(v);
}

function toMatrix(input: MatrixOrVectorInput, name: string, allowVector: boolean): Matrix {
  if (input instanceof Matrix) return input.clone();
  if (input === null || typeof input !== "object") {
    throw new TypeError(
      `${name}: expected a matrix (number[][], Matrix or { data, shape }), got ${describe(input)}`,
    );
  }
  if (ArrayBuffer.isView(input)) {
    if (!allowVector) {
      throw new TypeError(`${name}: a flat typed array needs a shape; pass { data, shape: [rows, cols] }`);
    }
    return columnFrom(input as ArrayLike<number>, name);
  }
  if (Array.isArray(input)) {
    if (input.length === 0) return Matrix.zeros(0, 0);
    const first: unknown = input[0];
    if (Array.isArray(first) || ArrayBuffer.isView(first))
      return fromRows(input as readonly ArrayLike<number>[], name);
    if (typeof first === "number") {
      if (!allowVector) {
        throw new TypeError(`${name}: expected a matrix (number[][]), got a flat array of numbers`);
      }
      return columnFrom(input as readonly number[], name);
    }
    throw new TypeError(`${name}: row 0 is ${describe(first)}, expected an array of numbers`);
  }
  const shaped = input as { data?: unknown; shape?: unknown };
  if ("data" in shaped && "shape" in shaped) return fromShaped(shaped.data, shaped.shape, name);
  throw new TypeError(
    `${name}: expected a matrix (number[][], Matrix or { data, shape }), got ${describe(input)}`,
  );
}

function fromRows(rows: readonly ArrayLike<number>[], name: string): Matrix {
  const n = rows.length;
  const first = rows[0];
  const cols = first.length;
  const data = new Float64Array(n * cols);
  for (let i = 0; i < n; i++) {
    const r: unknown = rows[i];
    if (!isArrayLikeOfNumbers(r))
      throw new TypeError(`${name}: row ${i} is ${describe(r)}, expected an array of numbers`);
    if (r.length !== cols) throw new RangeError(`${name}: row ${i} has ${r.length} values, expected ${cols}`);
    for (let j = 0; j < cols; j++) {
      const v: unknown = r[j];
      if (typeof v !== "number") {
        throw new TypeError(`${name}: value at row ${i}, column ${j} is ${describe(v)}, expected a number`);
      }
      data[i * cols + j] = v;
    }
  }
  return new Matrix(data, n, cols);
}

function fromShaped(data: unknown, shape: unknown, name: string): Matrix {
  if (
    !Array.isArray(shape) ||
    shape.length !== 2 ||
    !shape.every((d) => typeof d === "number" && isDimension(d))
  ) {
    throw new TypeError(
      `${name}: shape must be [rows, cols] with non-negative integers, got ${describe(shape)}`,
    );
  }
  const [rows, cols] = shape as [number, number];
  if (!isArrayLikeOfNumbers(data))
    throw new TypeError(`${name}: data must be an array or typed array, got ${describe(data)}`);
  if (data.length !== rows * cols) {
    throw new RangeError(
      `${name}: data has ${data.length} values, shape (${rows}, ${cols}) needs ${rows * cols}`,
    );
  }
  const out = new Float64Array(rows * cols);
  for (let k = 0; k < out.length; k++) {
    const v: unknown = data[k];
    if (typeof v !== "number") {
      throw new TypeError(
        `${name}: value at row ${Math.floor(k / Math.max(cols, 1))}, column ${k % Math.max(cols, 1)} is ${describe(v)}, expected a number`,
      );
    }
    out[k] = v;
  }
  return new Matrix(out, rows, cols);
}

function columnFrom(values: ArrayLike<number>, name: string): Matrix {
  const out = new Float64Array(values.length);
  for (let k = 0; k < out.length; k++) {
    const v: unknown = values[k];
    if (typeof v !== "number")
      throw new TypeError(`${name}: value at index ${k} is ${describe(v)}, expected a number`);
    out[k] = v;
  }
  return new Matrix(out, out.length, 1);
}

/** Throws a RangeError naming the first NaN or ±Infinity of `m` (row, column). */
export function assertFinite(m: Matrix, name: string): void {
  const { data } = m;
  const cols = m.shape[1];
  for (let k = 0; k < data.length; k++) {
    const v = data[k];
    if (!Number.isFinite(v)) {
      const what = Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
      throw new RangeError(`${name}: value at row ${Math.floor(k / cols)}, column ${k % cols} is ${what}`);
    }
  }
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v)}`;
  if (typeof v === "object") return "an object";
  return `${typeof v === "undefined" ? "undefined" : `${typeof v} ${String(v)}`}`;
}
