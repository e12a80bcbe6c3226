/**
 * The options of `Compressor.build`: inputs alone, the Regressor's settings
 * that apply to an autoencoder (regressor/build-options.ts checks them the
 * same way), and `compressionSize`.
 */
import type { Matrix, MatrixInput } from "../matrix.js";
import { type BuildOptions, validateBuildOptions } from "../regressor/build-options.js";
import type { CompressorSettings } from "./build.js";

/** Options of the Regressor's that a compressor has no use for, with why. */
const NOT_FOR_COMPRESSORS: Readonly<Record<string, string>> = {
  outputData: "a compressor's outputs are its inputs",
  validationOutputData: "a compressor's outputs are its inputs",
  outputNames: "a compressor's outputs are its inputs",
  outputsShifting: "the inputs' normalisation is used for its outputs",
  outputsScaling: "the inputs' normalisation is used for its outputs",
  outputsNormalizePerFeature: "the inputs' normalisation is used for its outputs",
  linksMaximumNumber: "a compressor's networks are dense",
  disconnectInputsIfPossible: "a compressor reconstructs every input",
  checkpointAddress: "a compressor's build keeps no checkpoint",
  checkpointToStartBuildFrom: "a compressor's build keeps no checkpoint",
  startBuildFromModelNumber: "a compressor's build keeps no checkpoint",
  freezeStructure: "a compressor's build keeps no checkpoint",
};

export interface CompressorBuildOptions
  extends Omit<CompressorSettings, never>,
    Pick<BuildOptions, "inputNames" | "writeModelTo" | "force"> {
  /** The rows to compress (n, m), m ≥ 2. */
  readonly inputData: MatrixInput;
  /** Explicit validation rows (then `validPercentage` is ignored). */
  readonly validationInputData?: MatrixInput;
}

export interface CompressorBuildRequest {
  readonly x: Matrix;
  readonly validationX?: Matrix;
  readonly inputNames?: readonly string[];
  readonly settings: CompressorSettings;
  readonly writeModelTo: string | null;
  readonly force: boolean;
}

const where = "build";

export function validateCompressorBuildOptions(options: CompressorBuildOptions): CompressorBuildRequest {
  if (options === null || typeof options !== "object") {
    throw new TypeError(`${where}: expected an options object with at least inputData`);
  }
  for (const [key, why] of Object.entries(NOT_FOR_COMPRESSORS)) {
    if (key in options) throw new TypeError(`${where}: ${key} does not apply to a compressor (${why})`);
  }
  const { compressionSize, validationInputData, onProgress, ...rest } = options;
  if (
    compressionSize !== undefined &&
    (typeof compressionSize !== "number" || !Number.isInteger(compressionSize))
  )
    throw new TypeError(
      `${where}: compressionSize must be an integer, got ${JSON.stringify(compressionSize)}`,
    );
  if (onProgress !== undefined && typeof onProgress !== "function")
    throw new TypeError(`${where}: onProgress must be a function`);
  if (rest.inputData === undefined) throw new TypeError(`${where}: inputData is required`);
  // The Regressor's checks, with the inputs as outputs: every message names the option at fault.
  const request = validateBuildOptions({
    ...(rest as Omit<BuildOptions, "outputData">),
    outputData: rest.inputData,
    ...(validationInputData !== undefined
      ? { validationInputData, validationOutputData: validationInputData }
      : {}),
  } as BuildOptions);
  const { input, files } = request;
  return {
    x: input.x,
    ...(input.validationX ? { validationX: input.validationX } : {}),
    ...(input.inputNames ? { inputNames: input.inputNames } : {}),
    settings: {
      ...(request.settings as CompressorSettings),
      ...(compressionSize !== undefined ? { compressionSize } : {}),
      ...(onProgress !== undefined ? { onProgress } : {}),
    },
    writeModelTo: files.writeModelTo,
    force: files.force,
  };
}
