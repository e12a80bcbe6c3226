import { readFile } from "node:fs/promises";
import type { CsvDelimiter, CsvParseOptions, CsvTable } from "../csv/parse.js";
import { parseCsv } from "../csv/parse.js";
import { toCsv } from "../csv/write.js";
import type { Matrix } from "../matrix.js";
import { writeFileAtomic } from "./atomic-write.js";

function describeReadError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT") return "no such file";
  if (code === "EISDIR") return "it is a directory";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  return error instanceof Error ? error.message : String(error);
}

/** Reads and parses a CSV file; errors name the file (the path as given) and, for bad cells, the line and column. */
export async function readCsv(path: string, options: Omit<CsvParseOptions, "source"> = {}): Promise<CsvTable> {
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
