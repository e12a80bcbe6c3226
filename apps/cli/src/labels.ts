/**
 * Files of class labels (the y files of a classifier): read as text, one
 * label per row of the inputs, with the checks that name the file, row and
 * label at fault; whether a y file holds labels at all; writing predicted
 * labels with their class probabilities.
 */
import { type FileHandle, open } from "node:fs/promises";
import {
  CsvParseError,
  dropRows,
  type LabelColumn,
  type Matrix,
  parseLabels,
  readLabelCsv,
  rowsWithNaN,
  sortedClasses,
  toCsv,
  writeFileAtomic,
} from "@neureco/tabular";
import { type CsvData, type MissingPolicy, plural, readMatrixFile } from "./data.js";
import { CliError, libraryError, type TextOutput, writeLine } from "./io.js";
import { terminalSafe } from "./text.js";

/** A one-column file of class labels, as the commands use it. */
export interface LabelData {
  readonly path: string;
  /** The column's name, from the header row; "" when the file has none. */
  readonly name: string;
  /** One label per row, trimmed ("" for a missing label until `--missing drop-row` drops it). */
  readonly labels: readonly string[];
  /** For each label, its data row in the file, counted from 1 (rows dropped by `--missing drop-row` left out). */
  readonly rows: readonly number[];
  /** 0-based indices into `labels` of the missing labels (only with `--missing drop-row`). */
  readonly missingRows: readonly number[];
}

// A cell the numeric CSV reader takes for a number: decimal (with exponent), or a word for infinity.
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INFINITY = /^[+-]?(?:inf|infinity)$/i;

function isNumber(cell: string): boolean {
  return DECIMAL.test(cell) || INFINITY.test(cell);
}

/**
 * Reads a file of class labels; `missing` is the command's `--missing`: with
 * "drop-row" a missing label is kept as "" (see `readLabeledRows`), else it
 * is an error naming its line. Every problem is a CliError naming the file.
 */
export async function readLabelFile(path: string, missing: MissingPolicy): Promise<LabelData> {
  if (/\.parquet$/i.test(path)) {
    throw new CliError(`${path}: class labels are read from a CSV file of one column, not from Parquet`);
  }
  let column: LabelColumn;
  try {
    column = await readLabelCsv(path, { missing: missing === "drop-row" ? "drop-row" : "error" });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // The library's hint names its API option; on the command line the remedy is --missing.
    const hinted = message.replace(
      /; pass missing: "drop-row" to skip such rows\)$/,
      "; --missing drop-row skips such rows)",
    );
    throw new CliError(hinted, undefined, { cause: error });
  }
  return {
    path,
    name: column.header ? column.column : "",
    labels: column.labels,
    rows: column.labels.map((_, i) => i + 1),
    missingRows: column.missingRows,
  };
}

/** What a y file looks like as a column of labels: undefined when it is not one column (or cannot be read). */
export interface LabelProbe {
  /** The distinct classes of its labels (missing ones set aside), sorted as a classifier sorts them; empty unless no label is a number. */
  readonly classes: readonly string[];
  /** Labels that read as numbers, and labels that do not (in the part of the file read). */
  readonly numbers: number;
  readonly texts: number;
}

/** Bytes of a y file read first to tell labels from numbers, so that a large numeric file is not read twice whole. */
const PROBE_BYTES = 1 << 16;

/**
 * A look at a y file to tell class labels from numeric outputs: read as one
 * column of labels (missing ones set aside), how many are numbers and how
 * many text. Its first PROBE_BYTES are read first: when they hold a number
 * the file is not labels and the rest is left unread; otherwise the whole
 * file is read, and every label counts. Undefined when the file is Parquet,
 * has several columns, or cannot be read as labels: the numeric reader then
 * says what is wrong.
 */
export async function probeLabels(path: string): Promise<LabelProbe | undefined> {
  if (/\.parquet$/i.test(path)) return undefined;
  const head = await readHead(path, PROBE_BYTES);
  if (head === undefined) return undefined;
  try {
    const summary = labelSummary(parseLabels(head.text, { missing: "drop-row", source: path }));
    if (head.whole || summary.numbers > 0) return summary;
  } catch (error) {
    // A second column is there from the start; any other problem (a quoted cell cut at the end of the head) is left to the whole file.
    if (head.whole || (error instanceof CsvParseError && / columns, expected one /.test(error.message)))
      return undefined;
  }
  try {
    return labelSummary(await readLabelCsv(path, { missing: "drop-row" }));
  } catch {
    return undefined;
  }
}

/** The first `bytes` bytes of the file, cut after its last line break (`whole` when that is the whole file); undefined when it cannot be read. */
async function readHead(path: string, bytes: number): Promise<{ text: string; whole: boolean } | undefined> {
  let file: FileHandle | undefined;
  try {
    file = await open(path, "r");
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await file.read(buffer, 0, bytes, 0);
    if (bytesRead < bytes) return { text: buffer.toString("utf8", 0, bytesRead), whole: true };
    // Cut at a line break: never inside a row, nor inside a character (0x0a is no part of a UTF-8 sequence).
    const end = buffer.lastIndexOf(0x0a);
    return { text: buffer.toString("utf8", 0, end + 1), whole: false };
  } catch {
    return undefined;
  } finally {
    await file?.close();
  }
}

function labelSummary(column: LabelColumn): LabelProbe {
  const missing = new Set(column.missingRows);
  const present = column.labels.filter((_, i) => !missing.has(i));
  const numbers = present.filter(isNumber).length;
  return {
    classes: present.length > 0 && numbers === 0 ? sortedClasses(present) : [],
    numbers,
    texts: present.length - numbers,
  };
}

/**
 * The classes a classifier built on these labels has, in the order of its
 * probabilities (the order `Classifier.build` gives them). Fewer than two
 * classes is an error naming the file.
 */
export function classesOf(data: LabelData): string[] {
  const classes = sortedClasses(data.labels);
  if (classes.length < 2) {
    const only = classes.length === 1 ? ` (${JSON.stringify(classes[0])})` : "";
    throw new CliError(
      `${data.path} holds ${classCount(classes.length)}${only}: a classifier needs at least two`,
    );
  }
  return classes;
}

/** "1 class", "3 classes". */
export function classCount(n: number): string {
  return `${n} ${n === 1 ? "class" : "classes"}`;
}

/** Classes for a message: all of them up to `most`, then how many more. */
export function classList(classes: readonly string[], most = 10): string {
  const shown = classes.slice(0, most).join(", ");
  return classes.length > most ? `${shown}, … (${classes.length - most} more)` : shown;
}

/** Fails unless every label is one of `classes` (those of `owner`, a model file or training labels), naming the first that is not. */
export function expectKnownLabels(data: LabelData, classes: readonly string[], owner: string): void {
  const known = new Set(classes);
  const i = data.labels.findIndex((label) => !known.has(label));
  if (i < 0) return;
  throw new CliError(
    `${data.path}, data row ${data.rows[i]}: the label ${JSON.stringify(data.labels[i])} is not one of the classes of ${owner} (${classList(classes)})`,
  );
}

/** Fails unless the file has `rows` labels; says so when a text label was taken for the header. */
function expectLabelRows(data: LabelData, rows: number, meaning: string): void {
  const got = data.labels.length;
  if (got === rows) return;
  // A header that is also one of the labels was likely the first label of a file without a header row.
  const header =
    data.name !== "" && got === rows - 1 && data.labels.includes(data.name)
      ? `; its first row, ${JSON.stringify(data.name)}, was read as the column's name: a file of text labels starts with a header row`
      : "";
  throw new CliError(`${data.path}: ${plural(got, "data row")}, expected ${rows} (${meaning})${header}`);
}

/**
 * Reads inputs and their class labels, checks the row counts and applies
 * `--missing`: with "drop-row", rows whose inputs or label are missing are
 * dropped from both, and stderr says how many.
 */
export async function readLabeledRows(
  xPath: string,
  yPath: string,
  missing: MissingPolicy,
  stderr: TextOutput,
): Promise<[CsvData, LabelData]> {
  const x = await readMatrixFile(xPath, missing, stderr);
  const y = await readLabelFile(yPath, missing);
  expectLabelRows(y, x.matrix.shape[0], `one per row of ${x.path}`);
  if (missing !== "drop-row") return [x, y];
  const rows = [...new Set([...rowsWithNaN(x.matrix), ...y.missingRows])].sort((i, j) => i - j);
  if (rows.length === 0) return [x, y];
  if (rows.length === x.matrix.shape[0]) {
    throw new CliError(`${x.path}, ${y.path}: every row has a missing cell, no data left`);
  }
  writeLine(
    stderr,
    terminalSafe(`${x.path}, ${y.path}: skipped ${plural(rows.length, "row")} with a missing cell`),
  );
  const dropped = new Set(rows);
  const keep = (_: unknown, i: number) => !dropped.has(i);
  return [
    { ...x, matrix: dropRows(x.matrix, rows) },
    { ...y, labels: y.labels.filter(keep), rows: y.rows.filter(keep), missingRows: [] },
  ];
}

/** A CSV field, quoted when it holds the separator, a quote or a line break (as the library's CSV writer does). */
function csvField(field: string): string {
  return /[";\n\r]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

/** The most probable class of every row of `probabilities` (n, k) (the first one on a tie, as `Classifier.predict`). */
export function mostProbable(probabilities: Matrix): number[] {
  const { rows, cols: k, data } = probabilities;
  const best: number[] = [];
  for (let i = 0; i < rows; i++) {
    let b = 0;
    for (let j = 1; j < k; j++) if (data[i * k + j] > data[i * k + b]) b = j;
    best.push(b);
  }
  return best;
}

/**
 * Writes a classifier's predictions as `;`-separated CSV with a header: the
 * predicted label (column `labelColumn`), then one probability column per
 * class (`p_<class>`). To `path` (atomically) when given, else to stdout
 * (escaped on a terminal, as `writeMatrix` does).
 */
export async function writeClassPredictions(
  path: string | undefined,
  probabilities: Matrix,
  classes: readonly string[],
  labelColumn: string,
  stdout: TextOutput,
): Promise<void> {
  const header = [labelColumn, ...classes.map((c) => `p_${c}`)].map(csvField).join(";");
  const values = toCsv(probabilities, null, ";").split("\n");
  const labels = mostProbable(probabilities).map((c) => csvField(classes[c]));
  const csv = `${[header, ...labels.map((label, i) => `${label};${values[i]}`)].join("\n")}\n`;
  if (path === undefined) {
    stdout.write(stdout.isTTY ? terminalSafe(csv, { keepLineBreaks: true }) : csv);
    return;
  }
  try {
    await writeFileAtomic(path, csv);
  } catch (error) {
    throw libraryError(error);
  }
}

/** Whether `error` is the numeric reader's "not a number" about a cell of `path`. */
export function isNotANumberIn(error: unknown, path: string): boolean {
  const cause = error instanceof CliError ? error.cause : error;
  return cause instanceof CsvParseError && cause.source === path && / is not a number$/.test(cause.message);
}
