/**
 * The public API both entries share (the browser entry is exactly this plus
 * `Regressor` and `Tabular`; the Node entry adds files by path). No Node
 * built-in is imported from here (the browser-bundle test checks it).
 *
 * What belongs here is what a user of the package needs, and nothing else:
 * the data types (`Matrix`, CSV parsing and writing), the option, progress
 * and result types of the model API, what a model description is made of
 * (structure, normalisation) with the few functions the CLI and tests use on
 * one, the reading of build checkpoints, the library version and the error
 * classes. Builder internals, file-format internals (container, headers) and
 * the network's tensor functions are not exported: a refactor of them must
 * not be a breaking change. Before adding a name, name the user who needs it.
 */

export {
  BuildDataError,
  type BuildHistory,
  type BuildPhase,
  type BuildProgress,
  type BuildSettings,
  BuildSettingsError,
  type Checkpoint,
  type CheckpointModel,
  checkpointModelDescription,
  decodeCheckpoint,
} from "./builder/index.js";
export type { ClassifierBuildOptions } from "./classifier/build-options.js";
export type { ClassifierInfo, ClassifierOptions, LogitsOption } from "./classifier/classifier.js";
export { type Label, sortedClasses } from "./classifier/labels.js";
export { CALIBRATION_BINS, type ClassificationScores } from "./classifier/scores.js";
export { ColumnMismatchError, type ModelData, type NamedColumns, reorderByName } from "./columns.js";
export type { CompressorHistory, CompressorProgress, CompressorSettings } from "./compressor/build.js";
export type { CompressorBuildOptions } from "./compressor/build-options.js";
export type {
  CompressorInfo,
  CompressorMap,
  CompressorMapOption,
  CompressorOptions,
  ReconstructionScores,
} from "./compressor/compressor.js";
export type { CsvDelimiter, CsvParseOptions, CsvTable, LabelColumn, MissingCellPolicy } from "./csv/index.js";
export {
  CsvParseError,
  CsvStreamParser,
  dropRows,
  parseCsv,
  parseLabels,
  rowsWithNaN,
  toCsv,
} from "./csv/index.js";
export type { CExport, CExportOptions } from "./export/c-source.js";
export type { OnnxExportOptions } from "./export/onnx.js";
export { EdnnFormatError, type EdnnProblem } from "./format/index.js";
export type { MatrixFromOptions, MatrixInput, MatrixOrVectorInput } from "./matrix.js";
export { Matrix } from "./matrix.js";
export type { ForwardDerivativeArgs, Gradient, GradientArgs, RowsInput } from "./model/bound-model.js";
export type {
  ModelClassification,
  ModelCompression,
  ModelDescription,
  ModelErrors,
} from "./model/description.js";
export { type DeviceColumns, DeviceMatrix } from "./model/device-matrix.js";
export { LIBRARY_VERSION } from "./model/library-version.js";
export type { InputSensitivity, Sensitivity, SensitivityOptions } from "./model/sensitivity.js";
export {
  connectedInputs,
  type NetworkStructure,
  NetworkStructureError,
  weightCount,
} from "./network/structure.js";
export {
  computeNormalization,
  type NormalizationOptions,
  type NormalizationStats,
  SCALING_METHODS,
  type ScalingMethod,
  SHIFTING_METHODS,
  type ShiftingMethod,
} from "./normalization/index.js";
export type { BuildOptions } from "./regressor/build-options.js";
export type { EvaluateOptions, Prediction, RegressorInfo, RegressorOptions } from "./regressor/regressor.js";
