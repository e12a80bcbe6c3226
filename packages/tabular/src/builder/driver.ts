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
 *
 * Resuming: every accepted model is written with a resume point
 * (checkpoint.ts `ResumePoint`): the step of the plan that accepted it,
 * that phase's own state (`record.accept`'s `state`), the generator's state
 * and `growthHeldBackAt`. Everything a build does between two acceptances
 * follows from these, the record and the data, so a build resumed from its
 * last model at that point (`input.resume`) does what the uninterrupted
 * build did after it, bit for bit: the model is judged as it was, not
 * retrained (`Trainer.assess`), and the phase goes on from its state. A
 * build stopped at any moment loses the work since its last acceptance
 * only. A start from an earlier model (`startBuildFromModelNumber`), a
 * frozen structure, and a checkpoint without a point (or of another
 * RESUME_PLAN) retrain the model and search on from it instead.
 */
import type { CheckpointModel, ResumePoint } from "./checkpoint.js";
import {
  type FinishingPhase,
  networkOf,
  type PhaseContext,
  type SearchPhase,
  type SelectPhase,
  type StartPhase,
} from "./phases/context.js";
import { grow, growAfterInputRemoval } from "./phases/grow.js";
import { chooseOutputPrior } from "./phases/output-prior.js";
import { pruneInputs } from "./phases/prune-inputs.js";
import { pruneLinks } from "./phases/prune-links.js";
import { refitOnAllRows } from "./phases/refit.js";
import { restart } from "./phases/restart.js";
import { selectByEvidence, selectLast } from "./phases/select.js";
import { continueFromCheckpoint, retrainFrozen, startLinear } from "./phases/start.js";
import { dropSwitchedOff } from "./phases/switched-off.js";
import { builderRandomAt } from "./random.js";
import { BuildRecord, type CheckpointBase, progressOf, type RecordedModel } from "./record.js";
import type { BuildProgress } from "./settings.js";
import { BuildAborted } from "./train.js";

/**
 * Version of the plan's steps that a resume point counts. Change it with
 * any change to the steps `planBuild` returns or to a phase's resume state:
 * a point of another version is not continued exactly (see "Resuming").
 */
export const RESUME_PLAN = 1;

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
  /** Everything a phase is handed except the record and the resume state, which the driver makes. */
  readonly context: Omit<PhaseContext, "record" | "growthHeldBackAt" | "resumed">;
  /** The checkpoint's fixed part (names, normalisation, validation rows, seed). */
  readonly checkpointBase: CheckpointBase;
  /** Models kept from a resumed checkpoint (the last is the one to continue from). */
  readonly kept: readonly CheckpointModel[];
  /** The resume point of the last kept model, to continue exactly from it (see "Resuming"); null: run the plan from its start. */
  readonly resume?: ResumePoint | null;
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
  const resume = input.resume ?? null;
  // Steps: 0 the start, 1 … S the search phases, S + 1 the selection, then the finishing phases.
  const selectStep = plan.search.length + 1;
  let step = 0;
  const record = new BuildRecord(
    input.checkpointBase,
    input.kept,
    input.saveCheckpoint,
    input.onProgress,
    () => ({ plan: RESUME_PLAN, step, random: ctx.random.state, heldBackAt: ctx.growthHeldBackAt }),
    resume,
  );
  const ctx: PhaseContext = {
    ...input.context,
    random: resume ? builderRandomAt(resume.random) : input.context.random,
    record,
    growthHeldBackAt: resume?.heldBackAt ?? null,
    resumed: null,
  };
  let chosen: CheckpointModel | null = null;
  let aborted = false;
  try {
    const last = record.models[record.models.length - 1];
    if (resume && resume.step > selectStep) {
      // Stopped in the finishing phases: the one that accepted the last model is done.
      chosen = last;
    } else {
      let current = resume ? await ctx.trainer.assess(networkOf(last), last.beta) : await plan.start(ctx);
      if (resume && resume.step > 0) ctx.resumed = resume.state;
      for (step = resume ? Math.max(resume.step, 1) : 1; step < selectStep; step++) {
        current = await plan.search[step - 1](ctx, current);
        ctx.resumed = null; // Taken by the phase resumed in, or by none: no later phase sees it.
      }
      step = selectStep;
      chosen = plan.select(ctx);
    }
    const firstFinish = resume && resume.step > selectStep ? resume.step + 1 : selectStep + 1;
    for (step = firstFinish; step <= selectStep + plan.finish.length; step++)
      chosen = await plan.finish[step - selectStep - 1](ctx, chosen);
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
