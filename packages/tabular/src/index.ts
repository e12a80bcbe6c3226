/**
 * The Node entry of @neureco/tabular (package.json `exports` conditions
 * "node" and default): the browser entry's API, with a Regressor that also
 * saves and loads `.ednn` files by path, and CSV files read from disk.
 */
import { Regressor } from "./regressor/node-regressor.js";

export { readCsv, writeCsv, writeFileAtomic } from "./node/index.js";
export * from "./portable.js";
export { MODEL_EXTENSION, modelPath } from "./regressor/node-regressor.js";
export { Regressor };

/** The namespace of the tutorial: `new Tabular.Regressor()`. */
export const Tabular = { Regressor } as const;
