export type {
  NormalizationOptions,
  NormalizationStats,
  NormalizationStatsJSON,
  ScalingMethod,
  ShiftingMethod,
} from "./normalization.js";
export {
  AUTO_MEAN_THRESHOLD,
  computeNormalization,
  denormalize,
  MAX_SCALE_FLOOR,
  normalizationFromJSON,
  normalizationToJSON,
  normalize,
  SCALING_METHODS,
  SHIFTING_METHODS,
} from "./normalization.js";
