/**
 * What the Node entry adds to the Regressor and the Classifier: `save(path)`
 * and `load(path)` on `.ednn` files, written atomically, and the
 * checkpoint files of a build. Each Node class is its portable one with
 * these few methods (regressor/node-regressor.ts, classifier/node-classifier.ts).
 */
import type { BuildIO } from "../builder/index.js";
import { EdnnFormatError } from "../format/ednn.js";
import type { BuildFiles } from "../regressor/build-options.js";
import { writeFileAtomic } from "./atomic-write.js";
import { readEdnnFile } from "./ednn-file.js";
import { describeReadError } from "./read-error.js";
import { checkReplaceable } from "./replace-check.js";

/** The extension of model files. */
export const MODEL_EXTENSION = ".ednn";

/** `path` with `.ednn` appended unless it already ends with it. */
export function modelPath(path: string): string {
  if (typeof path !== "string" || path === "") throw new TypeError("model path must be a non-empty string");
  return path.endsWith(MODEL_EXTENSION) ? path : `${path}${MODEL_EXTENSION}`;
}

/** Options of `save`. */
export interface SaveOptions {
  /**
   * Replace the file even when it is not a model (a CSV, any other file).
   * Without it such a file is left untouched and a `FileReplaceError` is
   * thrown; a model file is always replaced.
   */
  readonly force?: boolean;
}

/** What `saveModel` and `loadModel` need of a model. */
interface ModelWithBytes {
  readonly hasModel: boolean;
  toBytes(): Uint8Array;
  loadBytes(bytes: Uint8Array, source?: string): void;
}

/**
 * Writes the model (with its current weights) to `path` (`.ednn` added when
 * missing), atomically. An existing file there that is not a model is
 * refused (`FileReplaceError`, the file unchanged) unless `force: true`.
 */
export async function saveModel(model: ModelWithBytes, path: string, options: SaveOptions): Promise<void> {
  const file = modelPath(path);
  if (!model.hasModel) {
    throw new Error(`save: there is no model to save to "${file}" yet; build() or load() one first`);
  }
  await checkReplaceable(file, "model", forceOption(options, "save"));
  await writeFileAtomic(file, model.toBytes());
}

/** The bytes of the `.ednn` file at `path` (`.ednn` added when missing), and the path read. */
export async function readModelBytes(path: string): Promise<{ file: string; bytes: Uint8Array }> {
  const file = modelPath(path);
  try {
    return { file, bytes: await readEdnnFile(file) };
  } catch (error) {
    if (error instanceof EdnnFormatError) throw error;
    throw new Error(`cannot load model "${file}": ${describeReadError(error)}`, { cause: error });
  }
}

/** Replaces the model with the one in the `.ednn` file at `path` (`.ednn` added when missing). */
export async function loadModel(model: ModelWithBytes, path: string): Promise<void> {
  const { file, bytes } = await readModelBytes(path);
  model.loadBytes(bytes, file);
}

/** Checkpoints go to `checkpointAddress` (atomically); a build continues from `checkpointToStartBuildFrom`. */
export async function buildFilesOnDisk(files: BuildFiles): Promise<BuildIO> {
  const { checkpointAddress, checkpointToStartBuildFrom, writeModelTo, force } = files;
  // Refused before the build starts, not after it: files that are not of the kind written are kept.
  if (writeModelTo !== null) await checkReplaceable(modelPath(writeModelTo), "model", force);
  if (checkpointAddress !== null) await checkReplaceable(checkpointAddress, "checkpoint", force);
  let resume: Pick<BuildIO, "resumeFrom" | "resumeSource"> = {};
  if (checkpointToStartBuildFrom !== null) {
    try {
      resume = {
        resumeFrom: await readEdnnFile(checkpointToStartBuildFrom),
        resumeSource: checkpointToStartBuildFrom,
      };
    } catch (error) {
      if (error instanceof EdnnFormatError) throw error;
      throw new Error(
        `build: cannot read checkpoint "${checkpointToStartBuildFrom}": ${describeReadError(error)}`,
        { cause: error },
      );
    }
  }
  return {
    ...resume,
    ...(checkpointAddress !== null
      ? {
          saveCheckpoint: async (bytes: Uint8Array) => {
            await checkReplaceable(checkpointAddress, "checkpoint", force);
            await writeFileAtomic(checkpointAddress, bytes);
          },
        }
      : {}),
  };
}

function forceOption(options: SaveOptions, where: string): boolean {
  if (options === null || typeof options !== "object")
    throw new TypeError(`${where}: options must be an object`);
  const { force } = options;
  if (force !== undefined && typeof force !== "boolean") {
    throw new TypeError(`${where}: force must be true or false, got ${JSON.stringify(force)}`);
  }
  return force === true;
}
