export { writeFileAtomic } from "./atomic-write.js";
export { readCsv, writeCsv } from "./csv-file.js";
