/**
 * Everything the browser and Node entries share: no Node built-in is
 * imported from here (the browser-bundle test checks it).
 */

export * from "./builder/index.js";
export type { CsvDelimiter, CsvParseOptions, CsvTable, MissingCellPolicy } from "./csv/index.js";
export { CsvParseError, dropRows, formatNumber, parseCsv, rowsWithNaN, toCsv } from "./csv/index.js";
export type { DecodedEdnn, EdnnContents, EdnnProblem } from "./format/index.js";
export { decodeEdnn, EDNN_VERSION, EdnnFormatError, EdnnKind, encodeEdnn } from "./format/index.js";
export type { MatrixFromOptions, MatrixInput, MatrixOrVectorInput } from "./matrix.js";
export { expectShape, Matrix } from "./matrix.js";
export type { ForwardDerivativeArgs, Gradient, GradientArgs } from "./model/bound-model.js";
export { BoundModel, modelDtype } from "./model/bound-model.js";
export type { ModelDescription, ModelErrors } from "./model/description.js";
export { LIBRARY_VERSION } from "./model/library-version.js";
export type { ModelHeader } from "./model/model-file.js";
export {
  checkDescription,
  MODEL_HEADER_FORMAT,
  MODEL_HEADER_VERSION,
  modelFromBytes,
  modelHeader,
  modelToBytes,
  parseModelHeader,
} from "./model/model-file.js";
export type { NetworkFunction, NormalizationTensors } from "./network/forward.js";
export { networkFunction, rawUnitsFunction } from "./network/forward.js";
export type { LayerPlan, NetworkStructure } from "./network/structure.js";
export {
  connectedInputs,
  NetworkStructureError,
  neuronCount,
  planLayers,
  validateStructure,
  weightCount,
} from "./network/structure.js";
export type {
  NormalizationOptions,
  NormalizationStats,
  NormalizationStatsJSON,
  ScalingMethod,
  ShiftingMethod,
} from "./normalization/index.js";
export {
  computeNormalization,
  denormalize,
  normalizationFromJSON,
  normalizationToJSON,
  normalize,
  SCALING_METHODS,
  SHIFTING_METHODS,
} from "./normalization/index.js";
export type { BuildFiles, BuildOptions, BuildRequest } from "./regressor/build-options.js";
export { validateBuildOptions } from "./regressor/build-options.js";
export type { RegressorInfo, RegressorOptions } from "./regressor/regressor.js";
