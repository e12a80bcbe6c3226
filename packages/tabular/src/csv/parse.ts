import Papa from "papaparse";
import { Matrix } from "../matrix.js";
import { CsvParseError } from "./errors.js";

export type CsvDelimiter = ";" | "," | "\t";

/** What to do with a missing cell (empty, `NA`, `N/A`, `NaN` or `null`, any case). */
export type MissingCellPolicy = "error" | "nan" | "drop-row";

export interface CsvParseOptions {
  /** Field separator; detected among `;`, `,` and tab when left out. */
  readonly delimiter?: CsvDelimiter;
  /** Whether the first row holds column names. `"auto"` (default): yes when it has a non-numeric cell. */
  readonly header?: boolean | "auto";
  /** Default `"error"`. */
  readonly missing?: MissingCellPolicy;
  /** Name of the text's origin (usually the file name), used in every error message. */
  readonly source?: string;
}

export interface CsvTable {
  /** Column names: from the header, or `col1`, `col2`, … when there is none. */
  readonly columns: string[];
  /** Whether the names in `columns` come from a header row (false: made up, `col1`, `col2`, …). */
  readonly header: boolean;
  readonly matrix: Matrix;
  /** 0-based indices (among the data rows of the file) of rows dropped by `missing: "drop-row"`. */
  readonly droppedRows: number[];
}

const DELIMITERS: CsvDelimiter[] = [";", ",", "\t"];
const MISSING_TOKENS = new Set(["", "na", "n/a", "nan", "null"]);
// A plain decimal number, optionally with exponent; no hex, no digit separators.
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INFINITY = /^([+-]?)(?:inf|infinity)$/i;

/**
 * A cell read as a number (±Infinity for `Inf`, `1e999` or a 400-digit number:
 * numeric for telling a header from data, then refused), `null` when it is a
 * missing cell, or `undefined` when it is not numeric.
 */
function readCell(raw: string): number | null | undefined {
  const cell = raw.trim();
  if (DECIMAL.test(cell)) return Number(cell);
  if (MISSING_TOKENS.has(cell.toLowerCase())) return null;
  const inf = INFINITY.exec(cell);
  if (inf) return inf[1] === "-" ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  return undefined;
}

/**
 * `header: "auto"`: the first row is a header when it cannot be a row of
 * data — a cell that is not a number, a word for infinity (`Inf`: data
 * refuses infinite values), or every cell missing (a row of no data). So
 * `nan;inf;NA;1;2` is a header, while `1;NA;3` is data with a missing cell
 * and `1;1e999` is data with a number out of range (an error naming it). A
 * header of numbers only (`900;902;904`, wavelengths) reads as data: only
 * `header: true` can say otherwise.
 */
function looksLikeHeader(cells: readonly string[]): boolean {
  return (
    cells.some((c) => readCell(c) === undefined || INFINITY.test(c.trim())) ||
    cells.every((c) => readCell(c) === null)
  );
}

interface RawRow {
  cells: string[];
  /** 1-based line on which the row starts. */
  line: number;
}

/** Papaparse's guess among `;`, `,` and tab from the first rows (`,` when nothing fits, e.g. one column). */
function detectDelimiter(text: string): CsvDelimiter {
  const guess = Papa.parse<string[]>(text, {
    delimiter: "",
    delimitersToGuess: DELIMITERS,
    newline: "\n",
    skipEmptyLines: "greedy",
    preview: 50,
  }).meta.delimiter;
  return DELIMITERS.find((d) => d === guess) ?? ",";
}

/**
 * Splits text into rows with papaparse, keeping the line number where each row
 * starts. Blank lines are skipped here rather than by papaparse, because its
 * skipping also drops a row holding one quoted empty cell (`""`), which in a
 * one-column file is a missing value, not a blank line.
 */
function splitRows(text: string, delimiter: CsvDelimiter, source: string): RawRow[] {
  const rows: RawRow[] = [];
  let rowStart = 0; // offset where the current row's text begins
  let newlines = 0; // number of "\n" in text[0..rowStart)
  let failure: CsvParseError | undefined;
  Papa.parse<string[]>(text, {
    delimiter,
    newline: "\n",
    step: (result, parser) => {
      const end = result.meta.cursor; // just past the row and its line break
      const line = newlines + 1;
      const blank = text.slice(rowStart, end).trim() === "";
      for (let k = rowStart; k < end; k++) if (text.charCodeAt(k) === 10) newlines++;
      rowStart = end;
      const quoteError = result.errors.find((e) => e.type === "Quotes");
      if (quoteError) {
        failure = new CsvParseError(
          `${source}, line ${line}: ${quoteError.message.toLowerCase()}`,
          source,
          line,
        );
        parser.abort();
        return;
      }
      if (!blank) rows.push({ cells: result.data, line });
    },
  });
  if (failure) throw failure;
  return rows;
}

function columnLabel(columns: string[] | null, j: number): string {
  const name = columns?.[j];
  return name ? `column ${JSON.stringify(name)} (${j + 1})` : `column ${j + 1}`;
}

/**
 * Parses numeric CSV text into a matrix. Errors name the source, the 1-based
 * line in the text and the column (name and 1-based index), e.g.
 * `x_train.csv, line 7, column "oxygen" (3): "abc" is not a number`. A
 * numeric cell out of float64 range (`Inf`, `1e999`) is an error too
 * (`… "1e999" is not a finite number`); missing cells follow `missing`.
 */
export function parseCsv(text: string, options: CsvParseOptions = {}): CsvTable {
  const source = options.source ?? "CSV text";
  const missing = options.missing ?? "error";
  if (options.delimiter !== undefined && !DELIMITERS.includes(options.delimiter)) {
    throw new CsvParseError(`${source}: unsupported delimiter ${JSON.stringify(options.delimiter)}`, source);
  }
  // Strip a byte-order mark and unify line breaks, so line numbers and cells are clean.
  const clean = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  const rows = splitRows(clean, options.delimiter ?? detectDelimiter(clean), source);
  if (rows.length === 0) throw new CsvParseError(`${source}: file is empty`, source);

  const first = rows[0];
  const hasHeader =
    options.header === undefined || options.header === "auto" ? looksLikeHeader(first.cells) : options.header;
  const width = first.cells.length;
  const columns = hasHeader
    ? first.cells.map((c, j) => c.trim() || `col${j + 1}`)
    : Array.from({ length: width }, (_, j) => `col${j + 1}`);
  const namedColumns = hasHeader ? first.cells.map((c) => c.trim()) : null;
  const dataRows = hasHeader ? rows.slice(1) : rows;
  if (dataRows.length === 0) {
    throw new CsvParseError(
      `${source}: no data rows (only a header, line ${first.line})`,
      source,
      first.line,
    );
  }

  const values = new Float64Array(dataRows.length * width);
  const droppedRows: number[] = [];
  let kept = 0;
  for (let r = 0; r < dataRows.length; r++) {
    const { cells, line } = dataRows[r];
    if (cells.length !== width) {
      throw new CsvParseError(
        `${source}, line ${line}: ${cells.length} values, expected ${width} (as on line ${first.line})`,
        source,
        line,
      );
    }
    let drop = false;
    for (let j = 0; j < width; j++) {
      const v = readCell(cells[j]);
      if (v === undefined) {
        throw new CsvParseError(
          `${source}, line ${line}, ${columnLabel(namedColumns, j)}: ${JSON.stringify(cells[j])} is not a number`,
          source,
          line,
          j + 1,
        );
      }
      if (v !== null && !Number.isFinite(v)) {
        throw new CsvParseError(
          `${source}, line ${line}, ${columnLabel(namedColumns, j)}: ${JSON.stringify(cells[j].trim())} is not a finite number`,
          source,
          line,
          j + 1,
        );
      }
      if (v === null) {
        if (missing === "error") {
          throw new CsvParseError(
            `${source}, line ${line}, ${columnLabel(namedColumns, j)}: missing value` +
              ` (pass missing: "nan" or "drop-row" to accept missing cells)`,
            source,
            line,
            j + 1,
          );
        }
        // Keep checking the row's other cells: a dropped row must still be numeric.
        if (missing === "drop-row") drop = true;
      }
      values[kept * width + j] = v ?? Number.NaN;
    }
    if (drop) droppedRows.push(r);
    else kept++;
  }
  if (kept === 0) {
    throw new CsvParseError(
      `${source}: every one of the ${dataRows.length} data rows has a missing cell`,
      source,
    );
  }
  const matrix = new Matrix(kept === dataRows.length ? values : values.slice(0, kept * width), kept, width);
  return { columns, header: hasHeader, matrix, droppedRows };
}

/** 0-based indices of the rows that hold a NaN (e.g. missing cells read with `missing: "nan"`). */
export function rowsWithNaN(matrix: Matrix): number[] {
  const rows: number[] = [];
  for (let i = 0; i < matrix.shape[0]; i++) if (matrix.row(i).some(Number.isNaN)) rows.push(i);
  return rows;
}

/** A copy of `matrix` without the given 0-based rows (e.g. the `droppedRows` of another file). */
export function dropRows(matrix: Matrix, rows: readonly number[]): Matrix {
  const [n, cols] = matrix.shape;
  const skip = new Set<number>();
  for (const r of rows) {
    if (!Number.isInteger(r) || r < 0 || r >= n) {
      throw new RangeError(`dropRows: row ${r} is out of range for a matrix with ${n} rows`);
    }
    skip.add(r);
  }
  const out = new Float64Array((n - skip.size) * cols);
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (skip.has(i)) continue;
    out.set(matrix.row(i), k * cols);
    k++;
  }
  return new Matrix(out, n - skip.size, cols);
}
