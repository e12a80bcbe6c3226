/**
 * Matching data columns to a model's inputs (or outputs) by name (SPEC
 * section 7): data that carry a header are reordered when the same names
 * come in another order, and refused, naming the missing and the unexpected
 * columns, when the names differ. Data without names, or a model without
 * (distinct) names, are matched by count, column for column.
 */
import { Matrix, type MatrixInput, type MatrixOrVectorInput } from "./matrix.js";

/**
 * A matrix with its column names, as `parseCsv` and `readCsv` return it
 * (`CsvTable`). `header: false` says the names were made up (`col1`, `col2`,
 * … for a CSV file without a header): the columns are then matched by count.
 */
export interface NamedColumns {
  readonly matrix: MatrixInput;
  readonly columns: readonly string[];
  readonly header?: boolean;
}

/** What the model calls accept for inputs and output cotangents: a matrix, or a matrix with column names. */
export type ModelData = MatrixOrVectorInput | NamedColumns;

/** Columns whose names are not the model's: `missing` and `unexpected` list them, `duplicated` the names given twice. */
export class ColumnMismatchError extends Error {
  override readonly name = "ColumnMismatchError";
  readonly missing: readonly string[];
  readonly unexpected: readonly string[];
  readonly duplicated: readonly string[];

  constructor(
    message: string,
    missing: readonly string[],
    unexpected: readonly string[],
    duplicated: readonly string[],
  ) {
    super(message);
    this.missing = missing;
    this.unexpected = unexpected;
    this.duplicated = duplicated;
  }
}

/** Whether `value` is a matrix with column names rather than a plain matrix. */
export function isNamedColumns(value: unknown): value is NamedColumns {
  return (
    value !== null &&
    typeof value === "object" &&
    !(value instanceof Matrix) &&
    !Array.isArray(value) &&
    !ArrayBuffer.isView(value) &&
    "matrix" in value &&
    "columns" in value
  );
}

/** Names usable for matching: at least one, none empty, no two alike (a model without names has none). */
function usableNames(names: readonly string[]): boolean {
  return names.length > 0 && names.every((n) => n !== "") && new Set(names).size === names.length;
}

/**
 * `data` as a plain matrix input whose columns are in the order of `expected`.
 * A `NamedColumns` with a header is matched by name when `expected` names
 * every column once: `reordered` says whether its columns were moved; names
 * that differ throw a `ColumnMismatchError` (`name` is the argument's name,
 * used in the message; `what` says what the columns should be, e.g. "the
 * model's inputs"). Anything else is returned as it is (matched by count
 * later).
 */
export function alignColumns(
  data: ModelData,
  expected: readonly string[],
  name: string,
  what: string,
): { readonly data: MatrixOrVectorInput; readonly reordered: boolean } {
  if (!isNamedColumns(data)) return { data, reordered: false };
  const matrix = Matrix.from(data.matrix, `${name}.matrix`, { allowNonFinite: true });
  const { columns } = data;
  if (!Array.isArray(columns) || !columns.every((c) => typeof c === "string")) {
    throw new TypeError(`${name}.columns: expected an array of column names (strings)`);
  }
  if (columns.length !== matrix.cols) {
    throw new RangeError(`${name}: ${columns.length} column names for a matrix of ${matrix.cols} columns`);
  }
  const reordered = reorderByName(matrix, columns, data.header !== false, expected, name, what);
  return reordered === null ? { data: matrix, reordered: false } : { data: reordered, reordered: true };
}

/**
 * `matrix` (whose columns bear `columns`, from a header when `header`) with
 * its columns in the order of `expected`: a new matrix when they had to be
 * moved, null when they are already in that order or cannot be matched by
 * name (no header, or `expected` without one distinct name per column: the
 * caller matches by count). Throws a `ColumnMismatchError` when the names
 * differ (see `columnOrder`).
 */
export function reorderByName(
  matrix: Matrix,
  columns: readonly string[],
  header: boolean,
  expected: readonly string[],
  name: string,
  what: string,
): Matrix | null {
  if (!header || !usableNames(expected)) return null;
  const order = columnOrder(columns, expected, name, what);
  return order === null ? null : selectColumns(matrix, order);
}

/**
 * For each expected name, the index of the given column that bears it; null
 * when the given columns are the expected ones in the same order. Throws a
 * `ColumnMismatchError` when the names differ or one is given twice.
 */
function columnOrder(
  given: readonly string[],
  expected: readonly string[],
  name: string,
  what: string,
): number[] | null {
  const index = new Map<string, number>();
  const duplicated = new Set<string>();
  given.forEach((c, j) => {
    if (index.has(c)) duplicated.add(c);
    else index.set(c, j);
  });
  const wanted = new Set(expected);
  const missing = expected.filter((c) => !index.has(c));
  const unexpected = [...index.keys()].filter((c) => !wanted.has(c));
  if (missing.length > 0 || unexpected.length > 0 || duplicated.size > 0) {
    throw new ColumnMismatchError(
      `${name}: the columns do not match ${what}: ${mismatchText(missing, unexpected, [...duplicated])}`,
      missing,
      unexpected,
      [...duplicated],
    );
  }
  const order = expected.map((c) => index.get(c) as number);
  return order.every((j, k) => j === k) ? null : order;
}

/** "missing "a", "b"; unexpected "c"; given twice "d"" — the parts that apply. */
function mismatchText(
  missing: readonly string[],
  unexpected: readonly string[],
  duplicated: readonly string[],
): string {
  const parts: string[] = [];
  if (missing.length > 0) parts.push(`missing ${missing.map(quote).join(", ")}`);
  if (unexpected.length > 0) parts.push(`unexpected ${unexpected.map(quote).join(", ")}`);
  if (duplicated.length > 0) parts.push(`given twice ${duplicated.map(quote).join(", ")}`);
  return parts.join("; ");
}

function quote(name: string): string {
  return JSON.stringify(name);
}

/** A new matrix whose column k is column `order[k]` of `matrix`. */
function selectColumns(matrix: Matrix, order: readonly number[]): Matrix {
  const [rows, cols] = matrix.shape;
  const out = new Float64Array(rows * order.length);
  for (let i = 0; i < rows; i++) {
    for (let k = 0; k < order.length; k++) out[i * order.length + k] = matrix.data[i * cols + order[k]];
  }
  return new Matrix(out, rows, order.length);
}
