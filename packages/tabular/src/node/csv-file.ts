import { readFile } from "node:fs/promises";
import type { CsvDelimiter, CsvParseOptions, CsvTable } from "../csv/parse.js";
import { parseCsv } from "../csv/parse.js";
import { toCsv } from "../csv/write.js";
import type { Matrix } from "../matrix.js";
import { writeFileAtomic } from "./atomic-write.js";
import { describeReadError } from "./read-error.js";

/** Reads and parses a CSV file; errors name the file (the path as given) and, for bad cells, the line and column. */
export async function readCsv(
  path: string,
  options: Omit<CsvParseOptions, "source"> = {},
): Promise<CsvTable> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new Error(`cannot read CSV file "${path}": ${describeReadError(error)}`, { cause: error });
  }
  return parseCsv(text, { ...options, source: path });
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
