/**
 * Loading a model file without knowing what it holds: a regressor's file
 * gives a Regressor, a classifier's a Classifier (the CLI's commands take
 * either).
 */
import { Classifier } from "../classifier/node-classifier.js";
import { modelFromBytes } from "../model/model-file.js";
import type { ModelOptions } from "../model/tabular-model.js";
import { Regressor } from "../regressor/node-regressor.js";
import { readModelBytes } from "./model-files.js";

/** The model in the `.ednn` file at `path` (`.ednn` added when missing), as a Regressor or a Classifier. */
export async function readModel(path: string, options: ModelOptions = {}): Promise<Regressor | Classifier> {
  const { file, bytes } = await readModelBytes(path);
  const description = modelFromBytes(bytes, file);
  return description.classification
    ? Classifier.fromDescription(description, options)
    : Regressor.fromDescription(description, options);
}
