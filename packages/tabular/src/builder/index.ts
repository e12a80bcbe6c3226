/**
 * The automatic builder as the rest of the package sees it: `buildModel`
 * (what `Regressor.build` runs; see build.ts for the method), its input,
 * settings, progress and result types, its errors, and the reading of a
 * build checkpoint (the CLI plots a build's errors from one). Browser-safe:
 * no Node built-ins; file IO stays with the caller through `BuildIO`.
 * Everything else (the search, its rules and constants, the fits, the
 * validation split, checkpoint writing) is internal to this folder; tests
 * and benches import it from its own module.
 */
export { type BuildHistory, type BuildIO, type BuildResult, buildModel } from "./build.js";
export {
  type Checkpoint,
  type CheckpointModel,
  checkpointModelDescription,
  decodeCheckpoint,
} from "./checkpoint.js";
export { BuildDataError, type BuildInput } from "./data.js";
export {
  type BuildPhase,
  type BuildProgress,
  type BuildSettings,
  BuildSettingsError,
} from "./settings.js";
