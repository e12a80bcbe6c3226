/**
 * The driver of a build: runs the phases of a plan in order, and owns what
 * they share — the record (each accepted model written to the checkpoint,
 * then reported as progress) and the abort handling.
 *
 *   start → search phases → selection → finishing phases → final refit
 *
 * A fresh build's plan (`planBuild`): start from the linear model; grow;
 * remove inputs; grow again if the weight budget held growth back; remove
 * links; select by evidence; restart the chosen structure; remove its
 * switched-off links; choose its output prior by cross-validation; refit
 * on all rows. Adding or reordering a phase is a
 * change to `planBuild` and the phase's own module (phases/).
 *
 * Abort (`signal`): a phase throws `BuildAborted` at its next check; the
 * driver then skips the phases left, selects among the models accepted so
 * far (the selection of the plan, unless a finishing phase had already
 * chosen) and writes the checkpoint; no final refit. Aborted before any
 * model was accepted, it rejects with an Error named "AbortError".
 */
import type { CheckpointModel } from "./checkpoint.js";
import type { FinishingPhase, PhaseContext, SearchPhase, SelectPhase, StartPhase } from "./phases/context.js";
import { grow, growAfterInputRemoval } from "./phases/grow.js";
import { chooseOutputPrior } from "./phases/output-prior.js";
import { pruneInputs } from "./phases/prune-inputs.js";
import { pruneLinks } from "./phases/prune-links.js";
import { refitOnAllRows } from "./phases/refit.js";
import { restart } from "./phases/restart.js";
import { selectByEvidence, selectLast } from "./phases/select.js";
import { continueFromCheckpoint, retrainFrozen, startLinear } from "./phases/start.js";
import { dropSwitchedOff } from "./phases/switched-off.js";
import { BuildRecord, type CheckpointBase, progressOf, type RecordedModel } from "./record.js";
import type { BuildProgress } from "./settings.js";
import { BuildAborted } from "./train.js";

export interface BuildPlan {
  readonly start: StartPhase;
  readonly search: readonly SearchPhase[];
  readonly select: SelectPhase;
  readonly finish: readonly FinishingPhase[];
  /** Whether the chosen model is refitted on all rows (`finalLearning`). */
  readonly refit: boolean;
}

/** The phases a build runs, from its settings and whether it resumes a checkpoint. */
export function planBuild(
  settings: { freezeStructure: boolean; disconnectInputsIfPossible: boolean; finalLearning: boolean },
  resumed: boolean,
): BuildPlan {
  if (settings.freezeStructure) {
    return {
      start: retrainFrozen,
      search: [],
      select: selectLast,
      finish: [],
      refit: settings.finalLearning,
    };
  }
  return {
    start: resumed ? continueFromCheckpoint : startLinear,
    search: settings.disconnectInputsIfPossible
      ? [grow, pruneInputs, growAfterInputRemoval, pruneLinks]
      : [grow, pruneLinks],
    select: selectByEvidence,
    finish: [restart, dropSwitchedOff, chooseOutputPrior],
    refit: settings.finalLearning,
  };
}

export interface DriverInput {
  readonly plan: BuildPlan;
  /** Everything a phase is handed except the record, which the driver makes. */
  readonly context: Omit<PhaseContext, "record" | "growthHeldBackAt">;
  /** The checkpoint's fixed part (names, normalisation, validation rows, seed). */
  readonly checkpointBase: CheckpointBase;
  /** Models kept from a resumed checkpoint (the last is the one to continue from). */
  readonly kept: readonly CheckpointModel[];
  readonly saveCheckpoint?: (bytes: Uint8Array) => Promise<void>;
  readonly onProgress?: (progress: BuildProgress) => void;
}

export interface DriverResult {
  readonly record: BuildRecord;
  readonly chosen: CheckpointModel;
  /** The final refit, when it ran. */
  readonly final: RecordedModel | null;
  readonly aborted: boolean;
}

export function abortError(): Error {
  const error = new Error("buildModel: aborted before the first model was trained");
  error.name = "AbortError";
  return error;
}

export async function runPlan(input: DriverInput): Promise<DriverResult> {
  const { plan } = input;
  const record = new BuildRecord(input.checkpointBase, input.kept, input.saveCheckpoint, input.onProgress);
  const ctx: PhaseContext = { ...input.context, record, growthHeldBackAt: null };
  let chosen: CheckpointModel | null = null;
  let aborted = false;
  try {
    let current = await plan.start(ctx);
    for (const phase of plan.search) current = await phase(ctx, current);
    chosen = plan.select(ctx);
    for (const phase of plan.finish) chosen = await phase(ctx, chosen);
    record.selected = chosen.number;
    if (plan.refit) record.final = await refitOnAllRows(ctx, chosen);
  } catch (error) {
    if (!(error instanceof BuildAborted)) throw error;
    if (record.models.length === 0) throw abortError();
    aborted = true;
  }
  chosen ??= plan.select(ctx);
  record.selected = chosen.number;
  record.finished = !aborted;
  await record.write();
  if (record.final) input.onProgress?.(progressOf(record.final, -1));
  return { record, chosen, final: record.final, aborted };
}
