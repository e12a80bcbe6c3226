/** A CSV input problem; the message names the source, the 1-based line and the column. */
export class CsvParseError extends Error {
  override readonly name = "CsvParseError";
  /** File name (or other label) of the text that was parsed. */
  readonly source: string;
  /** 1-based line in the text, when the problem belongs to a line. */
  readonly line: number | undefined;
  /** 1-based column index, when the problem belongs to a cell. */
  readonly column: number | undefined;

  constructor(message: string, source: string, line?: number, column?: number) {
    super(message);
    this.source = source;
    this.line = line;
    this.column = column;
  }
}
