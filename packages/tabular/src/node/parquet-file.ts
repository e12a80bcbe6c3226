/**
 * Parquet files read as tables of numbers, row group by row group (hyparquet):
 * only the values are kept (float64), besides one row group's decoded
 * columns, so a file is never held whole.
 */
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead } from "hyparquet";
import type { CsvTable, MissingCellPolicy } from "../csv/parse.js";
import { Matrix } from "../matrix.js";
import { describeReadError } from "./read-error.js";

/** A Parquet file that cannot be read as a table of numbers; the message names the file, and the row and column where one is at fault. */
export class ParquetReadError extends Error {
  override readonly name = "ParquetReadError";
  /** The file, as given. */
  readonly source: string;
  /** 1-based data row, when the problem belongs to a row. */
  readonly row: number | undefined;
  /** 1-based column index, when the problem belongs to a column. */
  readonly column: number | undefined;

  constructor(message: string, source: string, row?: number, column?: number) {
    super(message);
    this.source = source;
    this.row = row;
    this.column = column;
  }
}

/** A value that cannot be read, at its 1-based row and column. */
interface ParquetProblem {
  readonly row: number;
  readonly column: number;
  readonly what: string;
}

export interface ReadParquetOptions {
  /** What to do with a missing value (null, or NaN): `"error"` (default), `"nan"` or `"drop-row"`, as for CSV. */
  readonly missing?: MissingCellPolicy;
  /** Called after each row group with the rows read so far (a progress display). */
  readonly onRows?: (rowsRead: number) => void;
}

/**
 * Reads a Parquet file of numeric columns (floating point, integer or
 * boolean; a flat schema) into a table like `readCsv`'s: its column names,
 * all of them, in file order. A text or other non-numeric column is refused,
 * naming it; missing values follow `missing`.
 */
export async function readParquet(path: string, options: ReadParquetOptions = {}): Promise<CsvTable> {
  const missing = options.missing ?? "error";
  const fail = (what: string, row?: number, column?: number) => {
    throw new ParquetReadError(
      `${path}${row === undefined ? "" : `, row ${row}`}: ${what}`,
      path,
      row,
      column,
    );
  };
  let file: Awaited<ReturnType<typeof asyncBufferFromFile>>;
  try {
    file = await asyncBufferFromFile(path);
  } catch (error) {
    throw new Error(`cannot read Parquet file "${path}": ${describeReadError(error)}`, { cause: error });
  }
  let metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    throw new ParquetReadError(`${path}: not a Parquet file (${(error as Error).message})`, path);
  }
  // A flat schema: the root, then one leaf per column.
  const [root, ...leaves] = metadata.schema;
  if (leaves.length !== (root.num_children ?? 0) || leaves.some((l) => (l.num_children ?? 0) > 0)) {
    fail("nested columns (lists, structs, maps) are not a table of numbers");
  }
  const columns = leaves.map((l) => l.name);
  const width = columns.length;
  if (width === 0) fail("no columns");
  const rows = Number(metadata.num_rows);
  if (rows === 0) fail("no data rows");
  const values = new Float64Array(rows * width);
  const rowHasMissing = new Uint8Array(rows);
  // hyparquet calls onChunk inside its own promises, where a throw would go
  // unhandled: the first problem in file order (row, then column) is kept
  // and thrown once the row group is read.
  let problem: ParquetProblem | null = null;
  const note = (what: string, row: number, column: number) => {
    if (problem === null || row < problem.row || (row === problem.row && column < problem.column)) {
      problem = { row, column, what };
    }
  };
  let groupStart = 0;
  for (const group of metadata.row_groups) {
    const groupEnd = groupStart + Number(group.num_rows);
    await parquetRead({
      file,
      metadata,
      rowStart: groupStart,
      rowEnd: groupEnd,
      onChunk: ({ columnName, columnData, rowStart, rowEnd }) => {
        const j = columns.indexOf(columnName);
        const label = `column ${JSON.stringify(columnName)} (${j + 1})`;
        for (let r = Math.max(rowStart, groupStart); r < Math.min(rowEnd, groupEnd); r++) {
          const v: unknown = columnData[r - rowStart];
          let x: number;
          if (typeof v === "number") x = v;
          else if (typeof v === "bigint") x = Number(v);
          else if (typeof v === "boolean") x = v ? 1 : 0;
          else if (v === null || v === undefined) x = Number.NaN;
          else return note(`${label}: ${JSON.stringify(String(v))} is not a number`, r + 1, j + 1);
          if (Number.isNaN(x)) {
            if (missing === "error") {
              return note(
                `${label}: missing value (pass missing: "nan" or "drop-row" to accept missing values)`,
                r + 1,
                j + 1,
              );
            }
            rowHasMissing[r] = 1;
          } else if (!Number.isFinite(x)) {
            return note(`${label}: ${x} is not a finite number`, r + 1, j + 1);
          }
          values[r * width + j] = x;
        }
      },
    });
    // TypeScript cannot see that onChunk assigned it.
    const found = problem as ParquetProblem | null;
    if (found !== null) fail(found.what, found.row, found.column);
    groupStart = groupEnd;
    options.onRows?.(groupStart);
  }
  if (missing !== "drop-row") {
    return { columns, header: true, matrix: new Matrix(values, rows, width), droppedRows: [] };
  }
  const droppedRows: number[] = [];
  for (let r = 0; r < rows; r++) if (rowHasMissing[r]) droppedRows.push(r);
  if (droppedRows.length === rows) fail(`every one of the ${rows} data rows has a missing value`);
  const kept = new Float64Array((rows - droppedRows.length) * width);
  let k = 0;
  for (let r = 0; r < rows; r++) {
    if (rowHasMissing[r]) continue;
    kept.set(values.subarray(r * width, (r + 1) * width), k * width);
    k++;
  }
  return { columns, header: true, matrix: new Matrix(kept, k, width), droppedRows };
}
