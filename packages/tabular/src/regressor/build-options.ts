/**
 * The options of `Regressor.build` (SPEC section 4) and their conversion into
 * what the builder takes: matrices converted with errors naming the option,
 * unknown options and bad enumerations refused, file paths set apart (the
 * builder itself never touches files). Numeric ranges are the builder's to
 * check (`resolveSettings`).
 */
import type { BuildInput, BuildSettings } from "../builder/index.js";
import { expectShape, Matrix, type MatrixInput } from "../matrix.js";
import { SCALING_METHODS, SHIFTING_METHODS } from "../normalization/index.js";

export interface BuildOptions extends BuildSettings {
  /** Inputs (n, m). */
  readonly inputData: MatrixInput;
  /** Outputs (n, k); a flat array of length n is read as one column. */
  readonly outputData: MatrixInput | readonly number[];
  /** Explicit validation rows (then `validPercentage` is ignored). */
  readonly validationInputData?: MatrixInput;
  readonly validationOutputData?: MatrixInput | readonly number[];
  /** Column names recorded in the model (e.g. CSV headers). */
  readonly inputNames?: readonly string[];
  readonly outputNames?: readonly string[];
  /** Where to write the chosen model (`.ednn` added when missing). Needs a file system (Node). */
  readonly writeModelTo?: string;
  /** Where to keep the checkpoint of the build, rewritten atomically after every accepted model. Node. */
  readonly checkpointAddress?: string;
  /** A checkpoint to continue from (see `startBuildFromModelNumber`, `freezeStructure`). Node. */
  readonly checkpointToStartBuildFrom?: string;
  /**
   * Replace `writeModelTo` and `checkpointAddress` even when the files there
   * are not a model and a checkpoint (a CSV, any other file). Without it the
   * build refuses them before it starts (`FileReplaceError`, files untouched).
   */
  readonly force?: boolean;
}

/** The file paths of a build, or null when not given. */
export interface BuildFiles {
  readonly writeModelTo: string | null;
  readonly checkpointAddress: string | null;
  readonly checkpointToStartBuildFrom: string | null;
  /** Replace files at those paths that are not of the kind written. */
  readonly force: boolean;
}

/** A checked build: the builder's input and settings, and the files to read and write around it. */
export interface BuildRequest {
  readonly input: BuildInput;
  readonly settings: BuildSettings;
  readonly files: BuildFiles;
}

const DATA_OPTIONS = [
  "inputData",
  "outputData",
  "validationInputData",
  "validationOutputData",
  "inputNames",
  "outputNames",
] as const;
const FILE_OPTIONS = ["writeModelTo", "checkpointAddress", "checkpointToStartBuildFrom", "force"] as const;
/** Every key of BuildSettings; the `satisfies` clause keeps this list in step with the builder's type. */
const SETTING_OPTIONS = [
  "validPercentage",
  "validationIndices",
  "inputsShifting",
  "outputsShifting",
  "inputsScaling",
  "outputsScaling",
  "inputsNormalizePerFeature",
  "outputsNormalizePerFeature",
  "initialBetaReg",
  "linksMaximumNumber",
  "disconnectInputsIfPossible",
  "finalLearning",
  "startBuildFromModelNumber",
  "freezeStructure",
  "seed",
  "onProgress",
  "signal",
  "backend",
] as const satisfies readonly (keyof BuildSettings)[];
type MissingSetting = Exclude<keyof BuildSettings, (typeof SETTING_OPTIONS)[number]>;
// Fails to compile when the builder gains a setting this list does not name.
const allSettingsListed: MissingSetting extends never ? true : false = true;
void allSettingsListed;

const KNOWN_OPTIONS = new Set<string>([...DATA_OPTIONS, ...FILE_OPTIONS, ...SETTING_OPTIONS]);
const where = "build";

/** Checks `options`; every error names the option at fault. */
export function validateBuildOptions(options: BuildOptions): BuildRequest {
  if (options === null || typeof options !== "object") {
    throw new TypeError(`${where}: expected an options object with at least inputData and outputData`);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) throw new TypeError(`${where}: unknown option ${JSON.stringify(key)}`);
  }
  if (options.inputData === undefined) throw new TypeError(`${where}: inputData is required`);
  if (options.outputData === undefined) throw new TypeError(`${where}: outputData is required`);
  const x = Matrix.from(options.inputData, "inputData", { requireNonEmpty: true });
  const y = Matrix.from(options.outputData, "outputData", { requireNonEmpty: true, allowVector: true });
  if (x.rows !== y.rows) {
    throw new RangeError(`${where}: inputData has ${x.rows} rows but outputData has ${y.rows}`);
  }

  const hasValidationX = options.validationInputData !== undefined;
  const hasValidationY = options.validationOutputData !== undefined;
  if (hasValidationX !== hasValidationY) {
    throw new TypeError(`${where}: validationInputData and validationOutputData must be given together`);
  }
  let validation: Pick<BuildInput, "validationX" | "validationY"> = {};
  if (options.validationInputData !== undefined && options.validationOutputData !== undefined) {
    const vx = Matrix.from(options.validationInputData, "validationInputData", { requireNonEmpty: true });
    const vy = Matrix.from(options.validationOutputData, "validationOutputData", {
      requireNonEmpty: true,
      allowVector: true,
    });
    expectShape(vx, [null, x.cols], "validationInputData");
    expectShape(vy, [null, y.cols], "validationOutputData");
    if (vx.rows !== vy.rows) {
      throw new RangeError(
        `${where}: validationInputData has ${vx.rows} rows but validationOutputData has ${vy.rows}`,
      );
    }
    validation = { validationX: vx, validationY: vy };
  }

  for (const [name, allowed] of [
    ["inputsShifting", SHIFTING_METHODS],
    ["outputsShifting", SHIFTING_METHODS],
    ["inputsScaling", SCALING_METHODS],
    ["outputsScaling", SCALING_METHODS],
  ] as const) {
    const value: unknown = options[name];
    if (value !== undefined && !(allowed as readonly unknown[]).includes(value)) {
      throw new RangeError(
        `${where}: ${name} must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}, got ${JSON.stringify(value)}`,
      );
    }
  }
  for (const name of [
    "inputsNormalizePerFeature",
    "outputsNormalizePerFeature",
    "disconnectInputsIfPossible",
    "finalLearning",
    "freezeStructure",
    "force",
  ] as const) {
    const value: unknown = options[name];
    if (value !== undefined && typeof value !== "boolean") {
      throw new TypeError(`${where}: ${name} must be true or false, got ${JSON.stringify(value)}`);
    }
  }
  if (options.onProgress !== undefined && typeof options.onProgress !== "function") {
    throw new TypeError(`${where}: onProgress must be a function`);
  }

  // Unknown keys were refused above, so what remains is exactly the builder's settings.
  const {
    inputData: _x,
    outputData: _y,
    validationInputData: _vx,
    validationOutputData: _vy,
    inputNames,
    outputNames,
    writeModelTo,
    checkpointAddress,
    checkpointToStartBuildFrom,
    force,
    ...settings
  } = options;
  return {
    input: {
      x,
      y,
      ...validation,
      ...names(inputNames, x.cols, "inputNames", "inputData"),
      ...names(outputNames, y.cols, "outputNames", "outputData"),
    },
    settings,
    files: {
      writeModelTo: optionalPath(writeModelTo, "writeModelTo"),
      checkpointAddress: optionalPath(checkpointAddress, "checkpointAddress"),
      checkpointToStartBuildFrom: optionalPath(checkpointToStartBuildFrom, "checkpointToStartBuildFrom"),
      force: force === true,
    },
  };
}

function names(
  value: readonly string[] | undefined,
  columns: number,
  name: string,
  data: string,
): Record<string, readonly string[]> {
  if (value === undefined) return {};
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    throw new TypeError(`${where}: ${name} must be an array of strings`);
  }
  if (value.length !== columns) {
    throw new RangeError(`${where}: ${name} has ${value.length} names, ${data} has ${columns} columns`);
  }
  return { [name]: [...value] };
}

function optionalPath(value: string | undefined, name: string): string | null {
  if (value === undefined) return null;
  if (typeof value !== "string" || value === "") {
    throw new TypeError(`${where}: ${name} must be a non-empty path`);
  }
  return value;
}
