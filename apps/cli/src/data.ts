/** CSV files in and out of the commands, with the checks that name the file at fault. */
import { type CsvTable, type Matrix, readCsv, toCsv, writeCsv } from "@neureco/tabular";
import { CliError, type TextOutput } from "./io.js";

/** A CSV file of numbers, read as a matrix with its column names. */
export interface CsvData {
  readonly path: string;
  readonly columns: readonly string[];
  readonly matrix: Matrix;
}

/** Reads a numeric CSV file (`;`, `,` or tab, header row optional); errors name the file, line and column. */
export async function readMatrixFile(path: string): Promise<CsvData> {
  let table: CsvTable;
  try {
    table = await readCsv(path);
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error), undefined, { cause: error });
  }
  return { path, columns: table.columns, matrix: table.matrix };
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
 * when given, else to stdout.
 */
export async function writeMatrix(
  path: string | undefined,
  matrix: Matrix,
  columns: readonly string[],
  stdout: TextOutput,
): Promise<void> {
  if (path === undefined) {
    stdout.write(toCsv(matrix, columns, ";"));
    return;
  }
  try {
    await writeCsv(path, matrix, columns, ";");
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CliError(`cannot write "${path}": ${reason}`, undefined, { cause: error });
  }
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
