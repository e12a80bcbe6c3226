/**
 * The Node flavour of `Tabular.Compressor`: everything of the portable one
 * plus `save(path)` and `load(path)` on `.ednn` files, written atomically
 * (node/model-files.ts).
 */
import type { BuildIO } from "../builder/index.js";
import { buildFilesOnDisk, loadModel, type SaveOptions, saveModel } from "../node/model-files.js";
import type { BuildFiles } from "../regressor/build-options.js";
import { Compressor as PortableCompressor } from "./compressor.js";

export class Compressor extends PortableCompressor {
  /**
   * Writes the model (with its current weights) to `path` (`.ednn` added when
   * missing), atomically. An existing file there that is not a model is
   * refused (`FileReplaceError`, the file unchanged) unless `force: true`.
   */
  async save(path: string, options: SaveOptions = {}): Promise<void> {
    this.checkAlive("save");
    await saveModel(this, path, options);
  }

  /** Replaces the model with the one in the `.ednn` file at `path` (`.ednn` added when missing). */
  async load(path: string): Promise<void> {
    this.checkAlive("load");
    await loadModel(this, path);
  }

  protected override buildFiles(files: BuildFiles): Promise<BuildIO> {
    return buildFilesOnDisk(files);
  }

  protected override async writeBuiltModel(path: string, force: boolean): Promise<void> {
    await this.save(path, { force });
  }
}
