/**
 * The automatic builder: `buildModel` turns data into a compact trained
 * network (see build.ts for the method). Browser-safe: no Node built-ins;
 * file IO stays with the caller through `BuildIO`.
 */
export {
  type BuildHistory,
  type BuildIO,
  type BuildResult,
  buildModel,
  EVIDENCE_TOLERANCE,
  restartCount,
  selectModel,
} from "./build.js";
export {
  CHECKPOINT_FORMAT,
  CHECKPOINT_HEADER_VERSION,
  type Checkpoint,
  type CheckpointModel,
  checkpointModelDescription,
  decodeCheckpoint,
  encodeCheckpoint,
} from "./checkpoint.js";
export { BuildDataError, type BuildInput, MIN_TRAINING_ROWS } from "./data.js";
export {
  type BuildPhase,
  type BuildProgress,
  type BuildSettings,
  BuildSettingsError,
  resolveSettings,
} from "./settings.js";
export { representativeRows } from "./validation-split.js";
