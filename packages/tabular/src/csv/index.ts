export { CsvParseError } from "./errors.js";
export type { CsvDelimiter, CsvParseOptions, CsvTable, MissingCellPolicy } from "./parse.js";
export { CsvStreamParser, dropRows, parseCsv, rowsWithNaN } from "./parse.js";
export { formatNumber, toCsv } from "./write.js";
