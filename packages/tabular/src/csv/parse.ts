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
 * Splits text into rows with papaparse and hands each to `onRow` as it is
 * read, with the line number where it starts (the text's first line is
 * `firstLine`), so that the first problem in the file's order is the one
 * reported. Blank lines are skipped here rather than by papaparse, because
 * its skipping also drops a row holding one quoted empty cell (`""`), which
 * in a one-column file is a missing value, not a blank line.
 */
function splitRows(
  text: string,
  delimiter: CsvDelimiter,
  source: string,
  firstLine: number,
  onRow: (row: RawRow) => void,
): void {
  let rowStart = 0; // offset where the current row's text begins
  let newlines = 0; // number of "\n" in text[0..rowStart)
  let failure: unknown;
  Papa.parse<string[]>(text, {
    delimiter,
    newline: "\n",
    step: (result, parser) => {
      const end = result.meta.cursor; // just past the row and its line break
      const line = firstLine + newlines;
      const blank = text.slice(rowStart, end).trim() === "";
      for (let k = rowStart; k < end; k++) if (text.charCodeAt(k) === 10) newlines++;
      rowStart = end;
      const quoteError = result.errors.find((e) => e.type === "Quotes");
      try {
        if (quoteError) {
          throw new CsvParseError(
            `${source}, line ${line}: ${quoteError.message.toLowerCase()}`,
            source,
            line,
          );
        }
        if (!blank) onRow({ cells: result.data, line });
      } catch (error) {
        failure = error;
        parser.abort();
      }
    },
  });
  if (failure !== undefined) throw failure;
}

/** A column of class labels read as text (`parseLabels`). */
export interface LabelColumn {
  /** The column's name: from the header, or `col1` when there is none. */
  readonly column: string;
  readonly header: boolean;
  /** One label per data row, trimmed; "" for a missing cell when `missing` is not "error". */
  readonly labels: string[];
  /** 0-based data rows whose label is missing (empty unless `missing` is "nan" or "drop-row"). */
  readonly missingRows: number[];
}

/**
 * A one-column CSV text of class labels (text or numbers), such as the y
 * file of a classification task. The first row is a header when it cannot
 * be a label of data rows that are all numbers — that is, when it is not a
 * number itself (`header: "auto"`, as `parseCsv` decides): text labels need
 * a header row. Missing cells (`missing`, as for `parseCsv`: empty, `NA`, …)
 * are refused by default, naming their line; otherwise they are read as ""
 * and listed in `missingRows`. More than one column is refused.
 */
export function parseLabels(text: string, options: CsvParseOptions = {}): LabelColumn {
  const source = options.source ?? "<csv>";
  const delimiter = options.delimiter ?? detectDelimiter(text);
  const policy = options.missing ?? "error";
  const labels: string[] = [];
  const missingRows: number[] = [];
  let column: string | null = null;
  let first = true;
  splitRows(unifyBreaks(text), delimiter, source, 1, ({ cells, line }) => {
    if (cells.length !== 1) {
      throw new CsvParseError(
        `${source}, line ${line}: ${cells.length} columns, expected one (the class label)`,
        source,
        line,
      );
    }
    const cell = cells[0].trim();
    if (first) {
      first = false;
      const header =
        options.header === "auto" || options.header === undefined
          ? readCell(cell) === undefined
          : options.header;
      if (header) {
        column = cell;
        return;
      }
    }
    if (readCell(cell) === null) {
      if (policy === "error") {
        throw new CsvParseError(
          `${source}, line ${line}: the label is missing (${JSON.stringify(cell)}; pass missing: "drop-row" to skip such rows)`,
          source,
          line,
          1,
        );
      }
      missingRows.push(labels.length);
      labels.push("");
      return;
    }
    labels.push(cell);
  });
  if (labels.length === 0) throw new CsvParseError(`${source}: no labels (no data rows)`, source);
  return { column: column ?? "col1", header: column !== null, labels, missingRows };
}

function columnLabel(columns: string[] | null, j: number): string {
  const name = columns?.[j];
  return name ? `column ${JSON.stringify(name)} (${j + 1})` : `column ${j + 1}`;
}

/**
 * Values per block once the table is large (8 MB of float64): the table grows
 * block by block, never by copying what it holds. The first blocks are
 * smaller (FIRST_BLOCK_ROWS rows, doubling), so a small file takes little.
 */
const BLOCK_VALUES = 1 << 20;
const FIRST_BLOCK_ROWS = 256;
/**
 * Rows that papaparse's delimiter guess reads (its `preview` in
 * `detectDelimiter`): a stream is not split before that many rows have
 * arrived, so that it guesses from the very rows a whole-text parse does.
 */
const DELIMITER_SAMPLE_ROWS = 50;

/**
 * Parses numeric CSV text that arrives in pieces (a file read as a stream,
 * a download): `push` each piece as it comes, `end` for the table. Only
 * the values are kept, in float64 blocks, besides the text of one
 * unfinished row: a file is never held whole as a string. The result, and
 * every error, is that of `parseCsv` on the whole text, however the text
 * is cut.
 *
 * Rows are cut at line breaks outside quotes (an even count of `"` before
 * them: a doubled `""` inside a quoted cell keeps the count even), so a
 * quoted cell may span lines and pieces. That is CSV quoting (RFC 4180); a
 * text that puts a `"` inside an unquoted cell is refused by both readers
 * when its quotes do not close, though not always at the same line.
 */
export class CsvStreamParser {
  private readonly source: string;
  private readonly missing: MissingCellPolicy;
  private readonly header: boolean | "auto";
  private delimiter: CsvDelimiter | undefined;
  /** Text received but not parsed yet: everything after the last complete row. */
  private pending = "";
  /** Of `pending`: characters scanned, quotes seen among them, offset just past the last row break found. */
  private scanned = 0;
  private quotes = 0;
  private cut = 0;
  /** Rows with content (not blank) in `pending[0..cut)`, and whether the row being scanned has any yet. */
  private completeRows = 0;
  private rowHasContent = false;
  private started = false;
  private nextLine = 1;
  // The table so far: the header decided by the first row, the values by blocks.
  private width = -1;
  private firstLine = 0;
  private hasHeader = false;
  private columns: string[] = [];
  private namedColumns: string[] | null = null;
  private readonly blocks: Float64Array[] = [];
  /** Kept rows before the last block, and the rows it holds. */
  private blockStart = 0;
  private blockRows = 0;
  private kept = 0;
  private dataRows = 0;
  private readonly droppedRows: number[] = [];

  constructor(options: CsvParseOptions = {}) {
    this.source = options.source ?? "CSV text";
    this.missing = options.missing ?? "error";
    this.header = options.header ?? "auto";
    if (options.delimiter !== undefined && !DELIMITERS.includes(options.delimiter)) {
      throw new CsvParseError(
        `${this.source}: unsupported delimiter ${JSON.stringify(options.delimiter)}`,
        this.source,
      );
    }
    this.delimiter = options.delimiter;
  }

  /** Data rows read so far (header and blank lines not counted; dropped rows counted). */
  get rowsRead(): number {
    return this.dataRows;
  }

  /** Takes the next piece of text; parses every row it completes. */
  push(text: string): void {
    if (text.length === 0) return;
    let piece = this.started ? text : text.replace(/^\uFEFF/, "");
    this.started = true;
    // A "\r" at the end of a piece may be the first half of "\r\n": wait for the next piece.
    if (this.pending.endsWith("\r")) {
      this.pending = this.pending.slice(0, -1);
      piece = `\r${piece}`;
    }
    const clean = piece.endsWith("\r") ? `${unifyBreaks(piece.slice(0, -1))}\r` : unifyBreaks(piece);
    this.pending += clean;
    this.scanRows();
    if (this.delimiter === undefined && this.completeRows < DELIMITER_SAMPLE_ROWS) return;
    this.parseComplete();
  }

  /** The table of everything pushed; throws what `parseCsv` throws. */
  end(): CsvTable {
    if (this.pending.endsWith("\r")) this.pending = `${this.pending.slice(0, -1)}\n`;
    this.scanRows();
    this.cut = this.pending.length;
    this.parseComplete();
    if (this.width < 0) throw new CsvParseError(`${this.source}: file is empty`, this.source);
    if (this.dataRows === 0) {
      throw new CsvParseError(
        `${this.source}: no data rows (only a header, line ${this.firstLine})`,
        this.source,
        this.firstLine,
      );
    }
    if (this.kept === 0) {
      throw new CsvParseError(
        `${this.source}: every one of the ${this.dataRows} data rows has a missing cell`,
        this.source,
      );
    }
    return {
      columns: this.columns,
      header: this.hasHeader,
      matrix: new Matrix(this.values(), this.kept, this.width),
      droppedRows: this.droppedRows,
    };
  }

  /** Finds the row breaks (line breaks outside quotes) in the text not scanned yet. */
  private scanRows(): void {
    const text = this.pending;
    for (let k = this.scanned; k < text.length; k++) {
      const c = text.charCodeAt(k);
      if (c === 10 && this.quotes % 2 === 0) {
        this.cut = k + 1;
        if (this.rowHasContent) this.completeRows++;
        this.rowHasContent = false;
        continue;
      }
      if (c === 34) this.quotes++;
      // Blank means whitespace only, as papaparse's "greedy" skipping of empty lines has it.
      if (c !== 32 && c !== 9 && c !== 10 && c !== 13) this.rowHasContent = true;
    }
    this.scanned = text.length;
  }

  /** Parses the complete rows of `pending` and keeps the rest. */
  private parseComplete(): void {
    if (this.cut === 0) return;
    const text = this.pending.slice(0, this.cut);
    this.pending = this.pending.slice(this.cut);
    this.scanned -= this.cut;
    this.cut = 0;
    this.completeRows = 0;
    this.delimiter ??= detectDelimiter(text);
    const line = this.nextLine;
    for (let k = 0; k < text.length; k++) if (text.charCodeAt(k) === 10) this.nextLine++;
    splitRows(text, this.delimiter, this.source, line, (row) => this.addRow(row));
  }

  private addRow({ cells, line }: RawRow): void {
    if (this.width < 0) {
      this.width = cells.length;
      this.firstLine = line;
      this.hasHeader = this.header === "auto" ? looksLikeHeader(cells) : this.header;
      this.columns = this.hasHeader
        ? cells.map((c, j) => c.trim() || `col${j + 1}`)
        : Array.from({ length: this.width }, (_, j) => `col${j + 1}`);
      this.namedColumns = this.hasHeader ? cells.map((c) => c.trim()) : null;
      if (this.hasHeader) return;
    }
    const { source, width } = this;
    if (cells.length !== width) {
      throw new CsvParseError(
        `${source}, line ${line}: ${cells.length} values, expected ${width} (as on line ${this.firstLine})`,
        source,
        line,
      );
    }
    if (this.kept === this.blockStart + this.blockRows) {
      this.blockStart = this.kept;
      this.blockRows = Math.max(
        1,
        Math.min(FIRST_BLOCK_ROWS * 2 ** Math.min(this.blocks.length, 24), Math.floor(BLOCK_VALUES / width)),
      );
      this.blocks.push(new Float64Array(this.blockRows * width));
    }
    const values = this.blocks[this.blocks.length - 1];
    const block = this.kept - this.blockStart;
    let drop = false;
    for (let j = 0; j < width; j++) {
      const v = readCell(cells[j]);
      if (v === undefined) {
        throw new CsvParseError(
          `${source}, line ${line}, ${columnLabel(this.namedColumns, j)}: ${JSON.stringify(cells[j])} is not a number`,
          source,
          line,
          j + 1,
        );
      }
      if (v !== null && !Number.isFinite(v)) {
        throw new CsvParseError(
          `${source}, line ${line}, ${columnLabel(this.namedColumns, j)}: ${JSON.stringify(cells[j].trim())} is not a finite number`,
          source,
          line,
          j + 1,
        );
      }
      if (v === null) {
        if (this.missing === "error") {
          throw new CsvParseError(
            `${source}, line ${line}, ${columnLabel(this.namedColumns, j)}: missing value` +
              ` (pass missing: "nan" or "drop-row" to accept missing cells)`,
            source,
            line,
            j + 1,
          );
        }
        // Keep checking the row's other cells: a dropped row must still be numeric.
        if (this.missing === "drop-row") drop = true;
      }
      values[block * width + j] = v ?? Number.NaN;
    }
    if (drop) this.droppedRows.push(this.dataRows);
    else this.kept++;
    this.dataRows++;
  }

  /** The kept rows' values in one array (the blocks joined; a single full block as it is). */
  private values(): Float64Array {
    const size = this.kept * this.width;
    if (this.blocks.length === 1 && this.blocks[0].length === size) return this.blocks[0];
    const out = new Float64Array(size);
    let offset = 0;
    for (const block of this.blocks) {
      const take = Math.min(block.length, size - offset);
      out.set(take === block.length ? block : block.subarray(0, take), offset);
      offset += take;
    }
    this.blocks.length = 0;
    return out;
  }
}

/** Line breaks as "\n" ("\r\n" and a lone "\r" alike), so that line numbers and cells are clean. */
function unifyBreaks(text: string): string {
  return text.replace(/\r\n?/g, "\n");
}

/**
 * Parses numeric CSV text into a matrix. Errors name the source, the 1-based
 * line in the text and the column (name and 1-based index), e.g.
 * `x_train.csv, line 7, column "oxygen" (3): "abc" is not a number`. A
 * numeric cell out of float64 range (`Inf`, `1e999`) is an error too
 * (`… "1e999" is not a finite number`); missing cells follow `missing`.
 * A text that arrives in pieces: `CsvStreamParser`.
 */
export function parseCsv(text: string, options: CsvParseOptions = {}): CsvTable {
  const parser = new CsvStreamParser(options);
  parser.push(text);
  return parser.end();
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
