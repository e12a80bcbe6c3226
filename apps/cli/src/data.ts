/** CSV files in and out of the commands, with the checks that name the file at fault. */
import {
  type CsvTable,
  dropRows,
  type Matrix,
  readCsv,
  readParquet,
  rowsWithNaN,
  toCsv,
  writeCsv,
} from "@neureco/tabular";
import { CliError, libraryError, type TextOutput, writeLine } from "./io.js";
import { terminalSafe } from "./text.js";

/** The `--missing` option: what to do with rows that have an empty or NA cell. */
export const MISSING_POLICIES = ["error", "drop-row"] as const;
export type MissingPolicy = (typeof MISSING_POLICIES)[number];

/** A CSV file of numbers, read as a matrix with its column names. */
export interface CsvData {
  readonly path: string;
  readonly columns: readonly string[];
  /** Whether `columns` come from a header row (false: made up, col1, col2, …). */
  readonly header: boolean;
  readonly matrix: Matrix;
}

/** Milliseconds between two redraws of the rows-read line. */
const ROWS_READ_REDRAW_MS = 250;

/**
 * On a terminal, a line that says how many rows of `path` have been read,
 * redrawn as the file streams in and erased when it is read; elsewhere
 * nothing (a log gets no half-written lines).
 */
function rowsReadLine(path: string, terminal: TextOutput | undefined) {
  if (!terminal?.isTTY) return { update: undefined, done: () => {} };
  let drawn = 0;
  return {
    update: (rows: number) => {
      const now = Date.now();
      if (now - drawn < ROWS_READ_REDRAW_MS) return;
      drawn = now;
      terminal.write(`\r\x1b[K${terminalSafe(path)}: ${rows.toLocaleString("en-US")} rows read`);
    },
    done: () => {
      if (drawn > 0) terminal.write("\r\x1b[K");
    },
  };
}

/**
 * Reads a numeric CSV file (`;`, `,` or tab, header row optional) as a
 * stream, or a Parquet file (named `*.parquet`) row group by row group;
 * errors name the file, line (row) and column. `missing` is the
 * command's `--missing` option, when it has one: with "drop-row", missing
 * cells are read as NaN (see `dropIncompleteRows`). With `terminal` (a
 * TTY), the rows read so far are shown while a large file is read.
 */
export async function readMatrixFile(
  path: string,
  missing?: MissingPolicy,
  terminal?: TextOutput,
): Promise<CsvData> {
  let table: CsvTable;
  const progress = rowsReadLine(path, terminal);
  try {
    const options = { missing: missing === "drop-row" ? "nan" : "error", onRows: progress.update } as const;
    table = /\.parquet$/i.test(path) ? await readParquet(path, options) : await readCsv(path, options);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // The library's hint names its API options; on the command line the remedy is --missing.
    const withoutHint = message.replace(/ \(pass missing: [^)]*\)$/, "");
    const hint =
      withoutHint !== message && missing !== undefined ? " (--missing drop-row skips such rows)" : "";
    throw new CliError(`${withoutHint}${hint}`, undefined, { cause: error });
  } finally {
    progress.done();
  }
  return { path, columns: table.columns, header: table.header, matrix: table.matrix };
}

/**
 * Drops, from two files whose rows go together (inputs and outputs), every
 * row that has a missing cell in either, and says how many on stderr.
 */
export function dropIncompleteRows(a: CsvData, b: CsvData, stderr: TextOutput): [CsvData, CsvData] {
  const rows = [...new Set([...rowsWithNaN(a.matrix), ...rowsWithNaN(b.matrix)])].sort((i, j) => i - j);
  if (rows.length === 0) return [a, b];
  if (rows.length === a.matrix.shape[0]) {
    throw new CliError(`${a.path}, ${b.path}: every row has a missing cell, no data left`);
  }
  writeLine(stderr, `${a.path}, ${b.path}: skipped ${plural(rows.length, "row")} with a missing cell`);
  return [
    { ...a, matrix: dropRows(a.matrix, rows) },
    { ...b, matrix: dropRows(b.matrix, rows) },
  ];
}

/** Fails unless the file has `cols` columns; `meaning` says what they should be. */
export function expectColumns(data: CsvData, cols: number, meaning: string): void {
  const got = data.matrix.shape[1];
  if (got !== cols) {
    throw new CliError(`${data.path}: ${plural(got, "column")}, expected ${cols} (${meaning})`);
  }
}

/** Fails unless the file has `rows` data rows; `meaning` says why. */
export function expectRows(data: CsvData, rows: number, meaning: string): void {
  const got = data.matrix.shape[0];
  if (got !== rows) {
    throw new CliError(`${data.path}: ${plural(got, "data row")}, expected ${rows} (${meaning})`);
  }
}

/** Reads a (p, 1) column of weights (or weight directions) for a model with p weights. */
export async function readWeightColumn(path: string, weightCount: number): Promise<CsvData> {
  const data = await readMatrixFile(path);
  expectColumns(data, 1, "one weight per row");
  expectRows(data, weightCount, `one per weight of the model`);
  return data;
}

/**
 * Writes a matrix as `;`-separated CSV with a header: to `path` (atomically)
 * when given, else to stdout (with control characters in the header escaped
 * when stdout is a terminal; a pipe or file gets the names as they are).
 */
export async function writeMatrix(
  path: string | undefined,
  matrix: Matrix,
  columns: readonly string[],
  stdout: TextOutput,
): Promise<void> {
  if (path === undefined) {
    const csv = toCsv(matrix, columns, ";");
    stdout.write(stdout.isTTY ? terminalSafe(csv, { keepLineBreaks: true }) : csv);
    return;
  }
  try {
    await writeCsv(path, matrix, columns, ";");
  } catch (error) {
    throw libraryError(error);
  }
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** Reads inputs and outputs whose rows go together, checks the row counts and applies `--missing`. */
export async function readRowPairs(
  xPath: string,
  yPath: string,
  missing: MissingPolicy,
  stderr: TextOutput,
): Promise<[CsvData, CsvData]> {
  const x = await readMatrixFile(xPath, missing, stderr);
  const y = await readMatrixFile(yPath, missing, stderr);
  expectRows(y, x.matrix.shape[0], `one per row of ${x.path}`);
  return missing === "drop-row" ? dropIncompleteRows(x, y, stderr) : [x, y];
}

/**
 * Reads a file whose rows stand alone (a compressor's columns) and applies
 * `--missing`: with "drop-row", the rows with a missing cell are dropped and
 * stderr says how many.
 */
export async function readRows(path: string, missing: MissingPolicy, stderr: TextOutput): Promise<CsvData> {
  const data = await readMatrixFile(path, missing, stderr);
  if (missing !== "drop-row") return data;
  const rows = rowsWithNaN(data.matrix);
  if (rows.length === 0) return data;
  if (rows.length === data.matrix.shape[0]) {
    throw new CliError(`${path}: every row has a missing cell, no data left`);
  }
  writeLine(stderr, `${path}: skipped ${plural(rows.length, "row")} with a missing cell`);
  return { ...data, matrix: dropRows(data.matrix, rows) };
}
