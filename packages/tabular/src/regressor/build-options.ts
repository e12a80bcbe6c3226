/**
 * The options of `Regressor.build` (SPEC section 4) and their validation:
 * matrices converted with clear errors, enumerations and ranges checked,
 * defaults filled in.
 */
import type { Backend } from "@neureco/core";
import { expectShape, Matrix, type MatrixInput } from "../matrix.js";
import {
  type NormalizationOptions,
  SCALING_METHODS,
  type ScalingMethod,
  SHIFTING_METHODS,
  type ShiftingMethod,
} from "../normalization/index.js";

/** What `onProgress` receives after each accepted model of a build. */
export interface BuildProgress {
  readonly modelNumber: number;
  readonly weights: number;
  /** RMSE per output, normalised units. */
  readonly trainingError: readonly number[];
  readonly validationError: readonly number[];
}

export interface BuildOptions {
  /** Inputs (n, m). */
  readonly inputData: MatrixInput;
  /** Outputs (n, k); a flat array of length n is read as one column. */
  readonly outputData: MatrixInput | readonly number[];
  readonly validationInputData?: MatrixInput;
  readonly validationOutputData?: MatrixInput | readonly number[];
  /** Share of rows held out for validation, 1–50 (default 33.33); ignored when validation data is given. */
  readonly validPercentage?: number;
  /** Rows of `inputData` to use for validation instead of letting the builder choose. */
  readonly validationIndices?: readonly number[];
  /** Where to write the chosen model (`.ednn` added when missing). Node only. */
  readonly writeModelTo?: string;
  /** Where to keep the checkpoint of the build. Node only. */
  readonly checkpointAddress?: string;
  readonly inputsShifting?: ShiftingMethod;
  readonly inputsScaling?: ScalingMethod;
  readonly outputsShifting?: ShiftingMethod;
  readonly outputsScaling?: ScalingMethod;
  /** Default true. */
  readonly inputsNormalizePerFeature?: boolean;
  /** Default true. */
  readonly outputsNormalizePerFeature?: boolean;
  /** Default 0.1. */
  readonly initialBetaReg?: number;
  /** 0 = no cap (default). */
  readonly linksMaximumNumber?: number;
  /** Default true. */
  readonly disconnectInputsIfPossible?: boolean;
  /** Default true. */
  readonly finalLearning?: boolean;
  readonly checkpointToStartBuildFrom?: string;
  /** -1 = the last model of the checkpoint (default). */
  readonly startBuildFromModelNumber?: number;
  /** Default false. */
  readonly freezeStructure?: boolean;
  /** Makes a build reproducible. */
  readonly seed?: number;
  readonly onProgress?: (progress: BuildProgress) => void;
  readonly signal?: AbortSignal;
  /** Backend for the build (default: the regressor's). */
  readonly backend?: Backend;
}

/** Validated options with every default filled in. */
export interface BuildSettings {
  readonly inputData: Matrix;
  readonly outputData: Matrix;
  /** Explicit validation data, or null. */
  readonly validation: { readonly inputData: Matrix; readonly outputData: Matrix } | null;
  readonly validPercentage: number;
  readonly validationIndices: readonly number[] | null;
  readonly writeModelTo: string | null;
  readonly checkpointAddress: string | null;
  readonly inputNormalization: Required<NormalizationOptions>;
  readonly outputNormalization: Required<NormalizationOptions>;
  readonly initialBetaReg: number;
  readonly linksMaximumNumber: number;
  readonly disconnectInputsIfPossible: boolean;
  readonly finalLearning: boolean;
  readonly checkpointToStartBuildFrom: string | null;
  readonly startBuildFromModelNumber: number;
  readonly freezeStructure: boolean;
  readonly seed: number | null;
  readonly onProgress: ((progress: BuildProgress) => void) | null;
  readonly signal: AbortSignal | null;
}

const KNOWN_OPTIONS = new Set<string>([
  "inputData",
  "outputData",
  "validationInputData",
  "validationOutputData",
  "validPercentage",
  "validationIndices",
  "writeModelTo",
  "checkpointAddress",
  "inputsShifting",
  "inputsScaling",
  "outputsShifting",
  "outputsScaling",
  "inputsNormalizePerFeature",
  "outputsNormalizePerFeature",
  "initialBetaReg",
  "linksMaximumNumber",
  "disconnectInputsIfPossible",
  "finalLearning",
  "checkpointToStartBuildFrom",
  "startBuildFromModelNumber",
  "freezeStructure",
  "seed",
  "onProgress",
  "signal",
  "backend",
]);

const where = "build";

/** Checks `options` and fills in defaults; every error names the option. */
export function validateBuildOptions(options: BuildOptions): BuildSettings {
  if (options === null || typeof options !== "object") {
    throw new TypeError(`${where}: expected an options object with at least inputData and outputData`);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) throw new TypeError(`${where}: unknown option ${JSON.stringify(key)}`);
  }
  if (options.inputData === undefined) throw new TypeError(`${where}: inputData is required`);
  if (options.outputData === undefined) throw new TypeError(`${where}: outputData is required`);
  const data = dataPair(options.inputData, options.outputData, "inputData", "outputData");

  let validation: BuildSettings["validation"] = null;
  const hasValidationInput = options.validationInputData !== undefined;
  const hasValidationOutput = options.validationOutputData !== undefined;
  if (hasValidationInput !== hasValidationOutput) {
    throw new TypeError(`${where}: validationInputData and validationOutputData must be given together`);
  }
  if (options.validationInputData !== undefined && options.validationOutputData !== undefined) {
    const v = dataPair(options.validationInputData, options.validationOutputData, "validationInputData", "validationOutputData");
    expectShape(v.inputData, [null, data.inputData.cols], "validationInputData");
    expectShape(v.outputData, [null, data.outputData.cols], "validationOutputData");
    validation = v;
  }

  const validPercentage = options.validPercentage ?? 33.33;
  if (typeof validPercentage !== "number" || !(validPercentage >= 1 && validPercentage <= 50)) {
    throw new RangeError(`${where}: validPercentage must be a number from 1 to 50, got ${String(validPercentage)}`);
  }

  let validationIndices: number[] | null = null;
  if (options.validationIndices !== undefined) {
    if (validation) throw new TypeError(`${where}: give either validationIndices or validation data, not both`);
    validationIndices = checkIndices(options.validationIndices, data.inputData.rows);
  }

  const linksMaximumNumber = options.linksMaximumNumber ?? 0;
  if (!Number.isInteger(linksMaximumNumber) || linksMaximumNumber < 0) {
    throw new RangeError(`${where}: linksMaximumNumber must be a non-negative integer (0 = no cap), got ${String(linksMaximumNumber)}`);
  }
  const initialBetaReg = options.initialBetaReg ?? 0.1;
  if (typeof initialBetaReg !== "number" || !Number.isFinite(initialBetaReg) || initialBetaReg < 0) {
    throw new RangeError(`${where}: initialBetaReg must be a finite number ≥ 0, got ${String(initialBetaReg)}`);
  }
  const startBuildFromModelNumber = options.startBuildFromModelNumber ?? -1;
  if (!Number.isInteger(startBuildFromModelNumber) || startBuildFromModelNumber < -1) {
    throw new RangeError(`${where}: startBuildFromModelNumber must be an integer ≥ -1 (-1 = last), got ${String(startBuildFromModelNumber)}`);
  }
  const seed = options.seed ?? null;
  if (seed !== null && (typeof seed !== "number" || !Number.isFinite(seed))) {
    throw new RangeError(`${where}: seed must be a finite number, got ${String(seed)}`);
  }
  if (options.onProgress !== undefined && typeof options.onProgress !== "function") {
    throw new TypeError(`${where}: onProgress must be a function`);
  }

  return {
    ...data,
    validation,
    validPercentage,
    validationIndices,
    writeModelTo: optionalString(options.writeModelTo, "writeModelTo"),
    checkpointAddress: optionalString(options.checkpointAddress, "checkpointAddress"),
    inputNormalization: {
      shifting: method(options.inputsShifting, SHIFTING_METHODS, "inputsShifting"),
      scaling: method(options.inputsScaling, SCALING_METHODS, "inputsScaling"),
      perFeature: flag(options.inputsNormalizePerFeature, true, "inputsNormalizePerFeature"),
    },
    outputNormalization: {
      shifting: method(options.outputsShifting, SHIFTING_METHODS, "outputsShifting"),
      scaling: method(options.outputsScaling, SCALING_METHODS, "outputsScaling"),
      perFeature: flag(options.outputsNormalizePerFeature, true, "outputsNormalizePerFeature"),
    },
    initialBetaReg,
    linksMaximumNumber,
    disconnectInputsIfPossible: flag(options.disconnectInputsIfPossible, true, "disconnectInputsIfPossible"),
    finalLearning: flag(options.finalLearning, true, "finalLearning"),
    checkpointToStartBuildFrom: optionalString(options.checkpointToStartBuildFrom, "checkpointToStartBuildFrom"),
    startBuildFromModelNumber,
    freezeStructure: flag(options.freezeStructure, false, "freezeStructure"),
    seed,
    onProgress: options.onProgress ?? null,
    signal: options.signal ?? null,
  };
}

function dataPair(
  inputInput: MatrixInput,
  outputInput: MatrixInput | readonly number[],
  inputName: string,
  outputName: string,
): { inputData: Matrix; outputData: Matrix } {
  const inputData = Matrix.from(inputInput, inputName, { requireNonEmpty: true });
  const outputData = Matrix.from(outputInput, outputName, { requireNonEmpty: true, allowVector: true });
  if (inputData.rows !== outputData.rows) {
    throw new RangeError(`${where}: ${inputName} has ${inputData.rows} rows but ${outputName} has ${outputData.rows}`);
  }
  return { inputData, outputData };
}

function checkIndices(indices: readonly number[], rows: number): number[] {
  if (!Array.isArray(indices)) throw new TypeError(`${where}: validationIndices must be an array of row indices`);
  const seen = new Set<number>();
  indices.forEach((i: unknown, k) => {
    if (typeof i !== "number" || !Number.isInteger(i) || i < 0 || i >= rows) {
      throw new RangeError(`${where}: validationIndices[${k}] = ${String(i)} is not a row of inputData (0 to ${rows - 1})`);
    }
    if (seen.has(i)) throw new RangeError(`${where}: validationIndices holds row ${i} twice`);
    seen.add(i);
  });
  if (seen.size === 0 || seen.size >= rows) {
    throw new RangeError(`${where}: validationIndices must leave at least one row for validation and one for training`);
  }
  return [...indices];
}

function method<T extends string>(value: T | undefined, allowed: readonly T[], name: string): T {
  if (value === undefined) return "auto" as T;
  if (!allowed.includes(value)) {
    throw new RangeError(`${where}: ${name} must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function flag(value: boolean | undefined, fallback: boolean, name: string): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw new TypeError(`${where}: ${name} must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

function optionalString(value: string | undefined, name: string): string | null {
  if (value === undefined) return null;
  if (typeof value !== "string" || value === "") throw new TypeError(`${where}: ${name} must be a non-empty path`);
  return value;
}
