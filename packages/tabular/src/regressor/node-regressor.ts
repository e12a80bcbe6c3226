/**
 * The Node flavour of `Tabular.Regressor`: everything of the portable one
 * plus `save(path)` and `load(path)` on `.ednn` files, written atomically.
 */
import { readFile } from "node:fs/promises";
import type { BuildIO } from "../builder/index.js";
import { writeFileAtomic } from "../node/atomic-write.js";
import { describeReadError } from "../node/read-error.js";
import type { BuildFiles } from "./build-options.js";
import { Regressor as PortableRegressor } from "./regressor.js";

/** The extension of model files. */
export const MODEL_EXTENSION = ".ednn";

/** `path` with `.ednn` appended unless it already ends with it. */
export function modelPath(path: string): string {
  if (typeof path !== "string" || path === "") throw new TypeError("model path must be a non-empty string");
  return path.endsWith(MODEL_EXTENSION) ? path : `${path}${MODEL_EXTENSION}`;
}

export class Regressor extends PortableRegressor {
  /** Writes the model (with its current weights) to `path` (`.ednn` added when missing), atomically. */
  async save(path: string): Promise<void> {
    this.checkAlive("save");
    const file = modelPath(path);
    await writeFileAtomic(file, this.toBytes());
  }

  /** Replaces the model with the one in `path` (`.ednn` added when missing). Errors name the file. */
  async load(path: string): Promise<void> {
    this.checkAlive("load");
    const file = modelPath(path);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch (error) {
      throw new Error(`cannot load model "${file}": ${describeReadError(error)}`, { cause: error });
    }
    this.loadBytes(bytes, file);
  }

  /** Checkpoints go to `checkpointAddress` (atomically); a build continues from `checkpointToStartBuildFrom`. */
  protected override async buildFiles(files: BuildFiles): Promise<BuildIO> {
    const { checkpointAddress, checkpointToStartBuildFrom } = files;
    let resume: Pick<BuildIO, "resumeFrom" | "resumeSource"> = {};
    if (checkpointToStartBuildFrom !== null) {
      try {
        resume = {
          resumeFrom: await readFile(checkpointToStartBuildFrom),
          resumeSource: checkpointToStartBuildFrom,
        };
      } catch (error) {
        throw new Error(
          `build: cannot read checkpoint "${checkpointToStartBuildFrom}": ${describeReadError(error)}`,
          { cause: error },
        );
      }
    }
    return {
      ...resume,
      ...(checkpointAddress !== null
        ? { saveCheckpoint: (bytes: Uint8Array) => writeFileAtomic(checkpointAddress, bytes) }
        : {}),
    };
  }

  protected override async writeBuiltModel(path: string): Promise<void> {
    await this.save(path);
  }
}
