/**
 * The Node entry of @neureco/tabular (package.json `exports` conditions
 * "node" and default): the browser entry's API (portable.ts, which says what
 * belongs in it), with a Regressor that also saves and loads `.ednn` files by
 * path, the model file extension and path rule, CSV files read from and
 * written to disk, and the atomic write the library's own files use (the CLI
 * writes its plots with it).
 */
import { Classifier } from "./classifier/node-classifier.js";
import { Compressor } from "./compressor/node-compressor.js";
import { Regressor } from "./regressor/node-regressor.js";

export { NotARegularFileError, readEdnnFile } from "./node/ednn-file.js";
export {
  ParquetReadError,
  type ReadCsvOptions,
  type ReadParquetOptions,
  readCsv,
  readLabelCsv,
  readParquet,
  writeCsv,
  writeFileAtomic,
} from "./node/index.js";
export { readModel } from "./node/read-model.js";
export { FileReplaceError, type ReplacedKind } from "./node/replace-check.js";
export * from "./portable.js";
export { MODEL_EXTENSION, modelPath, type SaveOptions } from "./regressor/node-regressor.js";
export { Classifier, Compressor, Regressor };

/** The namespace of the tutorial: `new Tabular.Regressor()`, `new Tabular.Classifier()`, `new Tabular.Compressor()`. */
export const Tabular = { Regressor, Classifier, Compressor } as const;
