export { writeFileAtomic } from "./atomic-write.js";
export { type ReadCsvOptions, readCsv, readLabelCsv, writeCsv } from "./csv-file.js";
export { ParquetReadError, type ReadParquetOptions, readParquet } from "./parquet-file.js";
