export {
  AUTO_MEAN_THRESHOLD,
  MAX_SCALE_FLOOR,
  SCALING_METHODS,
  SHIFTING_METHODS,
  computeNormalization,
  denormalize,
  normalizationFromJSON,
  normalizationToJSON,
  normalize,
} from "./normalization.js";
export type {
  NormalizationOptions,
  NormalizationStats,
  NormalizationStatsJSON,
  ScalingMethod,
  ShiftingMethod,
} from "./normalization.js";
