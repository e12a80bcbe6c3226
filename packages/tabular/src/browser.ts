/**
 * The browser entry of @neureco/tabular (package.json `exports` condition
 * "browser"): no file system; models travel as bytes (`toBytes`,
 * `Regressor.fromBytes`, `loadBytes`). Its API is portable.ts (which says
 * what belongs in it) plus `Regressor` and `Tabular`.
 */
import { Classifier } from "./classifier/classifier.js";
import { Compressor } from "./compressor/compressor.js";
import { Regressor } from "./regressor/regressor.js";

export * from "./portable.js";
export { Classifier, Compressor, Regressor };

/** The namespace of the tutorial: `new Tabular.Regressor()`. */
export const Tabular = { Regressor, Classifier, Compressor } as const;
