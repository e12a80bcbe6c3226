export { writeFileAtomic } from "./atomic-write.js";
export { type ReadCsvOptions, readCsv, writeCsv } from "./csv-file.js";
