/**
 * Loading a model file without knowing what it holds: a regressor's file
 * gives a Regressor, a classifier's a Classifier (the CLI's commands take
 * either).
 */
import { Classifier } from "../classifier/node-classifier.js";
import { EdnnFormatError } from "../format/ednn.js";
import { modelFromBytes } from "../model/model-file.js";
import type { ModelOptions } from "../model/tabular-model.js";
import { Regressor } from "../regressor/node-regressor.js";
import { readEdnnFile } from "./ednn-file.js";
import { modelPath } from "./model-files.js";
import { describeReadError } from "./read-error.js";

/** The model in the `.ednn` file at `path` (`.ednn` added when missing), as a Regressor or a Classifier. */
export async function readModel(path: string, options: ModelOptions = {}): Promise<Regressor | Classifier> {
  const file = modelPath(path);
  let bytes: Uint8Array;
  try {
    bytes = await readEdnnFile(file);
  } catch (error) {
    if (error instanceof EdnnFormatError) throw error;
    throw new Error(`cannot load model "${file}": ${describeReadError(error)}`, { cause: error });
  }
  const description = modelFromBytes(bytes, file);
  return description.classification
    ? Classifier.fromDescription(description, options)
    : Regressor.fromDescription(description, options);
}
