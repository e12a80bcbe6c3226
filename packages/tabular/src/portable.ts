/**
 * Everything the browser and Node entries share: no Node built-in is
 * imported from here (the browser-bundle test checks it).
 */
export { Matrix, expectShape } from "./matrix.js";
export type { MatrixFromOptions, MatrixInput, MatrixOrVectorInput } from "./matrix.js";
export { CsvParseError, dropRows, formatNumber, parseCsv, rowsWithNaN, toCsv } from "./csv/index.js";
export type { CsvDelimiter, CsvParseOptions, CsvTable, MissingCellPolicy } from "./csv/index.js";
export {
  SCALING_METHODS,
  SHIFTING_METHODS,
  computeNormalization,
  denormalize,
  normalizationFromJSON,
  normalizationToJSON,
  normalize,
} from "./normalization/index.js";
export type {
  NormalizationOptions,
  NormalizationStats,
  NormalizationStatsJSON,
  ScalingMethod,
  ShiftingMethod,
} from "./normalization/index.js";
export { EDNN_VERSION, EdnnFormatError, EdnnKind, decodeEdnn, encodeEdnn } from "./format/index.js";
export type { DecodedEdnn, EdnnContents, EdnnProblem } from "./format/index.js";
export {
  NetworkStructureError,
  connectedInputs,
  neuronCount,
  planLayers,
  validateStructure,
  weightCount,
} from "./network/structure.js";
export type { LayerPlan, NetworkStructure } from "./network/structure.js";
export { networkFunction, rawUnitsFunction } from "./network/forward.js";
export type { NetworkFunction, NormalizationTensors } from "./network/forward.js";
export type { ModelDescription, ModelErrors } from "./model/description.js";
export {
  MODEL_HEADER_FORMAT,
  MODEL_HEADER_VERSION,
  checkDescription,
  modelFromBytes,
  modelHeader,
  modelToBytes,
  parseModelHeader,
} from "./model/model-file.js";
export type { ModelHeader } from "./model/model-file.js";
export { BoundModel, modelDtype } from "./model/bound-model.js";
export type { ForwardDerivativeArgs, Gradient, GradientArgs } from "./model/bound-model.js";
export { LIBRARY_VERSION } from "./model/library-version.js";
export * from "./builder/index.js";
export { validateBuildOptions } from "./regressor/build-options.js";
export type { BuildFiles, BuildOptions, BuildRequest } from "./regressor/build-options.js";
export type { RegressorInfo, RegressorOptions } from "./regressor/regressor.js";
