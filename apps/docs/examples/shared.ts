/**
 * What the documentation's examples share: the bundled data, the options of
 * `run()` and the shape of its result. The same files run in the page (the
 * Run button) and in Node (the docs' tests).
 */
import type { BuildProgress, Matrix, RegressorOptions } from "@neureco/tabular";
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
 * the first 160 training rows, to keep the example fast in a browser.
 */
export const biomass: ExampleData = {
  xTrain: xTrainText,
  yTrain: yTrainText,
  xTest: xTestText,
  yTest: yTestText,
};

export interface RunOptions {
  /** Where the model computes; default the CPU backend. */
  readonly backend?: RegressorOptions["backend"];
  /** Receives each line the example prints; default `console.log`. */
  readonly log?: (line: string) => void;
  /** Called after each model the builder accepts. */
  readonly onProgress?: (progress: BuildProgress) => void;
  /** The CSV texts to learn from; default the bundled biomass data. */
  readonly data?: ExampleData;
  /** Seed of the build (same seed, same data: same model). Default 1. */
  readonly seed?: number;
}

/** One point of the build's error curve (first output, normalised RMSE). */
export interface ErrorPoint {
  readonly modelNumber: number;
  readonly weights: number;
  readonly trainingError: number;
  readonly validationError: number;
}

export interface ExampleResult {
  /** The backend's name ("cpu", "webgpu"). */
  readonly backend: string;
  /** Number of trainable parameters p of the built model. */
  readonly weights: number;
  readonly errorCurve: readonly ErrorPoint[];
  /** Test set: measured and predicted outputs (first output). */
  readonly parity: { readonly measured: readonly number[]; readonly predicted: readonly number[] };
  readonly inputNames: readonly string[];
  readonly derivatives: Derivatives;
}

export interface Derivatives {
  /** Forward mode on the first test rows: dy_i = J_w(x_i)·dw + J_x(x_i)·dx_i. */
  readonly dy: readonly number[];
  /** Reverse mode, Σ_i J_w(x_i)ᵀ·py_i, length p. */
  readonly dw: readonly number[];
  /** Reverse mode, J_x(x_i)ᵀ·py_i per row: sensitivity of the output to each input. */
  readonly dx: readonly (readonly number[])[];
}

/** A progress event reduced to the first output's errors. */
export function errorPoint(progress: BuildProgress): ErrorPoint {
  return {
    modelNumber: progress.modelNumber,
    weights: progress.weights,
    trainingError: progress.trainingError[0],
    validationError: progress.validationError[0],
  };
}

/** `(rows, cols)`, as the tutorial prints shapes. */
export function shapeOf(m: Matrix): string {
  return `(${m.shape[0]}, ${m.shape[1]})`;
}

/** Numbers rounded for printing. */
export function fmt(values: ArrayLike<number>, digits = 5): string {
  return Array.from(values, (v) => v.toPrecision(digits)).join(", ");
}
