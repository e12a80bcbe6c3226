import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { CsvParseError } from "../csv/errors.js";
import {
  type CsvDelimiter,
  type CsvParseOptions,
  CsvStreamParser,
  type CsvTable,
  type LabelColumn,
  parseLabels,
} from "../csv/parse.js";
import { toCsv } from "../csv/write.js";
import type { Matrix } from "../matrix.js";
import { writeFileAtomic } from "./atomic-write.js";
import { describeReadError } from "./read-error.js";

export interface ReadCsvOptions extends Omit<CsvParseOptions, "source"> {
  /** Bytes read at a time (default 1 MiB): the most text held at once, besides one unfinished row. */
  readonly chunkBytes?: number;
  /** Called after each piece of the file with the data rows read so far (a progress display). */
  readonly onRows?: (rowsRead: number) => void;
}

/** Bytes `readCsv` reads at a time. */
const CHUNK_BYTES = 1 << 20;

/**
 * Reads and parses a CSV file as a stream: the file is never held whole as
 * a string, so its size is bounded by the values it holds (8 bytes a cell),
 * not by the longest string the engine allows. The result and the errors
 * are those of `parseCsv` on the file's text: errors name the file (the
 * path as given) and, for bad cells, the line and column.
 */
export async function readCsv(path: string, options: ReadCsvOptions = {}): Promise<CsvTable> {
  const { chunkBytes = CHUNK_BYTES, onRows, ...parseOptions } = options;
  if (!Number.isInteger(chunkBytes) || chunkBytes < 1) {
    throw new RangeError(`readCsv: chunkBytes must be a positive integer, got ${chunkBytes}`);
  }
  const parser = new CsvStreamParser({ ...parseOptions, source: path });
  // The stream decodes UTF-8 across chunk boundaries (a character split between two reads stays whole).
  const stream = createReadStream(path, { encoding: "utf8", highWaterMark: chunkBytes });
  try {
    for await (const piece of stream) {
      parser.push(piece as string);
      onRows?.(parser.rowsRead);
    }
  } catch (error) {
    if (error instanceof CsvParseError) throw error;
    throw new Error(`cannot read CSV file "${path}": ${describeReadError(error)}`, { cause: error });
  } finally {
    stream.destroy();
  }
  return parser.end();
}

/** Writes a matrix as CSV (full float64 precision), atomically. */
export async function writeCsv(
  path: string,
  matrix: Matrix,
  columns: readonly string[] | null,
  delimiter: CsvDelimiter = ";",
): Promise<void> {
  await writeFileAtomic(path, toCsv(matrix, columns, delimiter));
}

/**
 * A one-column CSV file of class labels, read as text (see `parseLabels`:
 * a header row unless the first row is a number; missing labels refused
 * unless `missing` says otherwise). Errors name the file.
 */
export async function readLabelCsv(
  path: string,
  options: Pick<CsvParseOptions, "delimiter" | "header" | "missing"> = {},
): Promise<LabelColumn> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new Error(`cannot read CSV file "${path}": ${describeReadError(error)}`, { cause: error });
  }
  return parseLabels(text, { ...options, source: path });
}
