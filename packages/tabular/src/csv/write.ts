import type { Matrix } from "../matrix.js";
import type { CsvDelimiter } from "./parse.js";

/** A number as text that reads back to the identical float64 (`-0` and ±Infinity included). */
export function formatNumber(v: number): string {
  if (Object.is(v, -0)) return "-0";
  // JavaScript's number-to-string is the shortest text that round-trips exactly.
  return String(v);
}

function quote(field: string, delimiter: string): string {
  return /["\n\r]/.test(field) || field.includes(delimiter) ? `"${field.replace(/"/g, '""')}"` : field;
}

/**
 * Writes a matrix as CSV text (one header row when `columns` is given, `\n`
 * line breaks). Numbers keep full float64 precision: `parseCsv(toCsv(m, c)).matrix`
 * equals `m` bit for bit, NaN (written `NaN`, read back with `missing: "nan"`)
 * and ±Infinity (written `Infinity`, refused by `parseCsv`) aside.
 */
export function toCsv(
  matrix: Matrix,
  columns: readonly string[] | null,
  delimiter: CsvDelimiter = ";",
): string {
  const [rows, cols] = matrix.shape;
  if (columns !== null && columns.length !== cols) {
    throw new RangeError(`toCsv: ${columns.length} column names for a matrix with ${cols} columns`);
  }
  const lines: string[] = [];
  if (columns !== null) lines.push(columns.map((c) => quote(c, delimiter)).join(delimiter));
  for (let i = 0; i < rows; i++) lines.push(Array.from(matrix.row(i), formatNumber).join(delimiter));
  return `${lines.join("\n")}\n`;
}
