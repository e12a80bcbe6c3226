/** What a build may be told (SPEC section 4), its defaults and their checks. */
import type { Backend } from "@neureco/core";
import type { ScalingMethod, ShiftingMethod } from "../normalization/index.js";

/**
 * Which phase of the build produced a model: the first linear model, a
 * hidden neuron added, inputs removed, links removed, the chosen structure
 * retrained from fresh weights, the links the evidence switched off
 * removed, the output weights' prior chosen by cross-validation, weights
 * retrained with a frozen structure, the final refit.
 */
export type BuildPhase =
  | "linear"
  | "growth"
  | "inputs"
  | "links"
  | "restart"
  | "switched-off"
  | "prior"
  | "frozen"
  | "final";

export interface BuildProgress {
  /** Number of the model in the checkpoint (0 = the first linear model); -1 for the final refit. */
  readonly modelNumber: number;
  /** Number of trainable weights of the model. */
  readonly weights: number;
  /** RMSE over all outputs, normalised units, on the training rows. */
  readonly trainingError: number;
  /** RMSE over all outputs, normalised units, on the validation rows (NaN for the final refit). */
  readonly validationError: number;
  readonly elapsedMs: number;
  readonly phase: BuildPhase;
}

export interface BuildSettings {
  /** Percentage of rows held out for validation, 1–50 (default 33.33); ignored with explicit validation data or indices. */
  readonly validPercentage?: number;
  /** Rows of x (0-based) to hold out for validation instead of the builder's choice. */
  readonly validationIndices?: readonly number[];
  readonly inputsShifting?: ShiftingMethod;
  readonly outputsShifting?: ShiftingMethod;
  readonly inputsScaling?: ScalingMethod;
  readonly outputsScaling?: ScalingMethod;
  readonly inputsNormalizePerFeature?: boolean;
  readonly outputsNormalizePerFeature?: boolean;
  /** Starting weight-decay strength β (on ½Σr² + ½β‖w‖² in normalised units); it adapts during the build. Default 0.1. */
  readonly initialBetaReg?: number;
  /** Most links the network may keep; 0 (default) = no cap. */
  readonly linksMaximumNumber?: number;
  /** Remove inputs that do not help (default true). */
  readonly disconnectInputsIfPossible?: boolean;
  /** Refit the chosen structure on all rows, validation rows included (default true). */
  readonly finalLearning?: boolean;
  /** With `resumeFrom`: the checkpoint model to start from (-1 = the last, default). */
  readonly startBuildFromModelNumber?: number;
  /** With `resumeFrom`: retrain only the weights of the starting model. */
  readonly freezeStructure?: boolean;
  /** Seed of every random choice (default 0): the same seed gives the same build, bit for bit, on one backend. */
  readonly seed?: number;
  readonly onProgress?: (progress: BuildProgress) => void;
  readonly signal?: AbortSignal;
  /** Where tensors live (default: the CPU backend). float64 is used when the backend has it. */
  readonly backend?: Backend;
}

export interface ResolvedSettings {
  readonly validPercentage: number;
  readonly validationIndices?: readonly number[];
  readonly inputsShifting: ShiftingMethod;
  readonly outputsShifting: ShiftingMethod;
  readonly inputsScaling: ScalingMethod;
  readonly outputsScaling: ScalingMethod;
  readonly inputsNormalizePerFeature: boolean;
  readonly outputsNormalizePerFeature: boolean;
  readonly initialBetaReg: number;
  readonly linksMaximumNumber: number;
  readonly disconnectInputsIfPossible: boolean;
  readonly finalLearning: boolean;
  readonly startBuildFromModelNumber: number;
  readonly freezeStructure: boolean;
  readonly seed: number;
}

export class BuildSettingsError extends RangeError {
  override name = "BuildSettingsError";
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new BuildSettingsError(`build settings: ${message}`);
}

/**
 * Settings that mean something only with a checkpoint to start from are
 * refused without one rather than ignored: `startBuildFromModelNumber`
 * other than its default -1 (the last model), as `freezeStructure: true` is.
 * `buildModel` calls it for a build without a checkpoint (the Regressor's
 * `checkpointToStartBuildFrom`).
 */
export function checkStartSettings(s: BuildSettings): void {
  const number = s.startBuildFromModelNumber;
  check(
    number === undefined || number === -1,
    `startBuildFromModelNumber (${JSON.stringify(number)}) needs a checkpoint to start from (checkpointToStartBuildFrom)`,
  );
  check(
    s.freezeStructure !== true,
    "freezeStructure needs a checkpoint to start from (checkpointToStartBuildFrom)",
  );
}

export function resolveSettings(s: BuildSettings): ResolvedSettings {
  const validPercentage = s.validPercentage ?? 33.33;
  check(
    Number.isFinite(validPercentage) && validPercentage >= 1 && validPercentage <= 50,
    `validPercentage must be between 1 and 50, got ${validPercentage}`,
  );
  const initialBetaReg = s.initialBetaReg ?? 0.1;
  check(
    Number.isFinite(initialBetaReg) && initialBetaReg >= 0,
    `initialBetaReg must be a finite number ≥ 0, got ${initialBetaReg}`,
  );
  const linksMaximumNumber = s.linksMaximumNumber ?? 0;
  check(
    Number.isInteger(linksMaximumNumber) && linksMaximumNumber >= 0,
    `linksMaximumNumber must be an integer ≥ 0, got ${linksMaximumNumber}`,
  );
  const startBuildFromModelNumber = s.startBuildFromModelNumber ?? -1;
  check(
    Number.isInteger(startBuildFromModelNumber) && startBuildFromModelNumber >= -1,
    `startBuildFromModelNumber must be -1 or a model number ≥ 0, got ${startBuildFromModelNumber}`,
  );
  const seed = s.seed ?? 0;
  check(Number.isFinite(seed), `seed must be a finite number, got ${seed}`);
  return {
    validPercentage,
    validationIndices: s.validationIndices,
    inputsShifting: s.inputsShifting ?? "auto",
    outputsShifting: s.outputsShifting ?? "auto",
    inputsScaling: s.inputsScaling ?? "auto",
    outputsScaling: s.outputsScaling ?? "auto",
    inputsNormalizePerFeature: s.inputsNormalizePerFeature ?? true,
    outputsNormalizePerFeature: s.outputsNormalizePerFeature ?? true,
    initialBetaReg,
    linksMaximumNumber,
    disconnectInputsIfPossible: s.disconnectInputsIfPossible ?? true,
    finalLearning: s.finalLearning ?? true,
    startBuildFromModelNumber,
    freezeStructure: s.freezeStructure ?? false,
    seed,
  };
}
