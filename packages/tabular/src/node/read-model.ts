/**
 * Loading a model file without knowing what it holds: a regressor's file
 * gives a Regressor, a classifier's a Classifier, a compressor's a
 * Compressor (the CLI's commands take each).
 */
import { Classifier } from "../classifier/node-classifier.js";
import { Compressor } from "../compressor/node-compressor.js";
import { modelFromBytes } from "../model/model-file.js";
import type { ModelOptions } from "../model/tabular-model.js";
import { Regressor } from "../regressor/node-regressor.js";
import { readModelBytes } from "./model-files.js";

/** The model in the `.ednn` file at `path` (`.ednn` added when missing), as a Regressor, a Classifier or a Compressor. */
export async function readModel(
  path: string,
  options: ModelOptions = {},
): Promise<Regressor | Classifier | Compressor> {
  const { file, bytes } = await readModelBytes(path);
  const description = modelFromBytes(bytes, file);
  if (description.classification) return Classifier.fromDescription(description, options);
  if (description.compression) return Compressor.fromDescription(description, options);
  return Regressor.fromDescription(description, options);
}
