import type { NetworkStructure } from "../network/structure.js";
import type { NormalizationStats } from "../normalization/index.js";

/** Training and validation error of a model, in normalised output units (RMSE per output). */
export interface ModelErrors {
  readonly training: readonly number[];
  readonly validation: readonly number[];
}

/**
 * What a built model's error bars need (Laplace approximation at its
 * weights, normalised units; see model/posterior.ts).
 */
export interface ModelPosterior {
  /** Noise variance per output: the residual variance of the rows it was fitted to (times ν/(ν − 2), see model/posterior.ts). */
  readonly noiseVariance: readonly number[];
  /**
   * Lower Cholesky factor L of the weights' posterior precision A = b·JᵀJ +
   * diag(α) at the weights (A = L·Lᵀ, the evidence framework's A, divided
   * by the same ν/(ν − 2)), its
   * lower triangle packed row by row: p(p + 1)/2 values.
   */
  readonly precisionFactor: Float64Array;
}

/**
 * What makes a model a classifier: its network's k − 1 outputs are the
 * logits of classes 1 … k − 1 against class 0 (network/class-probabilities.ts).
 */
export interface ModelClassification {
  /** The name of the label column (empty when unknown). */
  readonly label: string;
  /** The k class names, in the order of the probabilities: class 0 first. */
  readonly classes: readonly string[];
}

/**
 * What makes a model a compressor: the description's network is its
 * encoder, from the inputs to the codes (its output normalisation the
 * identity: codes are used as they are), and this is its decoder, from the
 * codes back to the inputs, in normalised units mapped back by the input
 * normalisation.
 */
export interface ModelCompression {
  readonly decoder: NetworkStructure;
  /** Length = weightCount(decoder), in the layout documented in network/structure.ts. */
  readonly decoderWeights: Float64Array;
}

/**
 * Everything that defines a built model, independent of any backend: what
 * `.ednn` files store, what the builder produces and what a checkpoint
 * records for each accepted model.
 */
export interface ModelDescription {
  readonly structure: NetworkStructure;
  /** Length = weightCount(structure), in the layout documented in network/structure.ts. */
  readonly weights: Float64Array;
  readonly inputNormalization: NormalizationStats;
  readonly outputNormalization: NormalizationStats;
  /** Column names when known (from CSV headers), else empty. */
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Errors recorded when the model was built, if it was. */
  readonly errors?: ModelErrors;
  /** The posterior at these weights, when the model was built with them (absent: no error bars). */
  readonly posterior?: ModelPosterior;
  /** Present for a classifier (then the output names are empty, and the errors are log-losses). */
  readonly classification?: ModelClassification;
  /**
   * Present for a compressor (then the output names are empty, and the
   * errors are the reconstruction RMSE over all columns, normalised units).
   */
  readonly compression?: ModelCompression;
}
