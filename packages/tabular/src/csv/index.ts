export { CsvParseError } from "./errors.js";
export type { CsvDelimiter, CsvParseOptions, CsvTable, LabelColumn, MissingCellPolicy } from "./parse.js";
export { CsvStreamParser, dropRows, parseCsv, parseLabels, rowsWithNaN } from "./parse.js";
export { formatNumber, toCsv } from "./write.js";
