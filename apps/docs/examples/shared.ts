/**
 * What the documentation's examples share: the bundled data, the options of
 * `run()` and the shape of its result. The same files run in the page (the
 * Run button) and in Node (the docs' tests).
 */
import type {
  BuildProgress,
  CompressorProgress,
  Matrix,
  RegressorOptions,
  Sensitivity,
} from "@neureco/tabular";
import xTestText from "./data/x_test.csv?raw";
import xTrainText from "./data/x_train.csv?raw";
import yTestText from "./data/y_test.csv?raw";
import yTrainText from "./data/y_train.csv?raw";

/** Four `;`-separated CSV texts with a header row. */
export interface ExampleData {
  readonly xTrain: string;
  readonly yTrain: string;
  readonly xTest: string;
  readonly yTest: string;
}

/**
 * Biomass fuels: higher heating value (HHV, MJ/kg) from the elemental
 * composition (carbon, hydrogen, oxygen, nitrogen, sulfur, % mass).
 * R modeldata::biomass (MIT licence), the package's own train/test split;
 * 456 training rows, 80 test rows.
 */
export const biomass: ExampleData = {
  xTrain: xTrainText,
  yTrain: yTrainText,
  xTest: xTestText,
  yTest: yTestText,
};

export interface RunOptions {
  /** Where the built model is evaluated and differentiated (the build itself runs on the CPU); default the CPU backend. */
  readonly backend?: RegressorOptions["backend"];
  /** Receives each line the example prints; default `console.log`. */
  readonly log?: (line: string) => void;
  /** Called after each model the builder accepts (or, for a compressor, trains), with its point of the error curve. */
  readonly onProgress?: (point: ErrorPoint) => void;
  /** The CSV texts to learn from; default the bundled biomass data. */
  readonly data?: ExampleData;
  /** Seed of the build (same seed, same data: same model). Default 1. */
  readonly seed?: number;
}

/** One point of the build's error curve: an accepted model (RMSE over all outputs, normalised units; a classifier's log-loss). */
export interface ErrorPoint {
  /** Number of the model in the build; -1 for the final refit on all rows. */
  readonly modelNumber: number;
  readonly weights: number;
  readonly trainingError: number;
  /** NaN for the final refit (it has no validation rows). */
  readonly validationError: number;
  readonly phase: BuildProgress["phase"] | CompressorProgress["phase"];
}

export interface ExampleResult {
  /** The backend's name ("cpu", "webgpu"). */
  readonly backend: string;
  /** Number of trainable parameters p of the built model. */
  readonly weights: number;
  readonly errorCurve: readonly ErrorPoint[];
  /** Test set: measured and predicted outputs (first output); a regression's. */
  readonly parity?: { readonly measured: readonly number[]; readonly predicted: readonly number[] };
  /** Test set scores of a classifier. */
  readonly classification?: {
    readonly classes: readonly string[];
    /** confusion[i][j]: test rows of class i predicted as class j. */
    readonly confusion: readonly (readonly number[])[];
    readonly accuracy: number;
    readonly logLoss: number;
    readonly calibrationError: number;
  };
  /** Test set reconstruction of a compressor. */
  readonly compression?: {
    readonly codeSize: number;
    readonly columns: readonly string[];
    /** RMSE of each column on the test rows, in its own units. */
    readonly rmse: readonly number[];
    /** RMSE over all columns of the test rows, in the model's normalised units (standard deviations). */
    readonly normalizedRmse: number;
    /** The chosen network's RMSE on the build's validation rows, normalised units. */
    readonly validationError: number;
    /** The same for the principal components with as many codes (the build's first network of that size). */
    readonly pcaValidationError: number;
  };
  readonly inputNames: readonly string[];
  readonly derivatives: Derivatives;
  /** The model's sensitivities over the test rows, when the example computes them. */
  readonly sensitivity?: Sensitivity;
  /** The test predictions' standard deviations and the share of test values their 95 % intervals hold, when the example computes them. */
  readonly uncertainty?: { readonly sd: readonly number[]; readonly coverage95: number };
  /** The inputs of highest prediction within the bounds, and the fine-tuning's RMSEs, when the example optimises. */
  readonly optimum?: {
    readonly x: readonly number[];
    readonly y: number;
    readonly sd: number;
    readonly lower: readonly number[];
    readonly upper: readonly number[];
    readonly fineTune: {
      readonly before: { readonly fitted: number; readonly held: number };
      readonly after: { readonly fitted: number; readonly held: number };
    };
  };
}

export interface Derivatives {
  /** Forward mode on the first test rows: dy_i = J_w(x_i)·dw + J_x(x_i)·dx_i. */
  readonly dy: readonly number[];
  /** Reverse mode, Σ_i J_w(x_i)ᵀ·py_i, length p. */
  readonly dw: readonly number[];
  /** Reverse mode, J_x(x_i)ᵀ·py_i per row: sensitivity of the output to each input. */
  readonly dx: readonly (readonly number[])[];
  /** Both sides of the dot-product identity Σ py·dy = dw·dw′ + Σ dx·dx′, when the example checks it. */
  readonly dotProduct?: { readonly forward: number; readonly reverse: number };
}

/** A progress event without its timing (which differs from run to run). */
export function errorPoint(progress: BuildProgress): ErrorPoint {
  const { modelNumber, weights, trainingError, validationError, phase } = progress;
  return { modelNumber, weights, trainingError, validationError, phase };
}

/** `(rows, cols)`, as the tutorial prints shapes. */
export function shapeOf(m: Matrix): string {
  return `(${m.shape[0]}, ${m.shape[1]})`;
}

/** Numbers rounded for printing. */
export function fmt(values: ArrayLike<number>, digits = 5): string {
  return Array.from(values, (v) => v.toPrecision(digits)).join(", ");
}

/** A regression example's parity data (throws for an example without: a classifier's). */
export function parityOf(result: ExampleResult): NonNullable<ExampleResult["parity"]> {
  if (!result.parity) throw new Error("this example has no parity data (it is not a regression)");
  return result.parity;
}
