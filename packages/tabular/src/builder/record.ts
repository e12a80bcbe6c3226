/**
 * The record of one build: every accepted model in order (those kept from a
 * resumed checkpoint first), the choice and the final refit. Each
 * acceptance writes the whole checkpoint (`BuildIO.saveCheckpoint`) and
 * then reports the model (`onProgress`), so a progress event always names a
 * model the checkpoint on disk already holds.
 */
import {
  type Checkpoint,
  type CheckpointModel,
  encodeCheckpoint,
  type PhaseState,
  type ResumePoint,
} from "./checkpoint.js";
import { overallRmse, type TrainedNetwork } from "./fit.js";
import type { BuildPhase, BuildProgress } from "./settings.js";

/** A model as recorded, before it has a number (the final refit has none). */
export type RecordedModel = Omit<CheckpointModel, "number">;

/** What the phases see of the record: the models so far, and how to add one. */
export interface ModelLog {
  readonly models: readonly CheckpointModel[];
  /** Lowest validation error of the accepted models so far. */
  bestScore(): number;
  /**
   * Records an accepted model (checkpoint, then progress) and returns its
   * entry. `state`: what the phase needs to go on from this model, should
   * the build stop here and be resumed (driver.ts, "Resuming").
   */
  accept(model: TrainedNetwork, phase: BuildPhase, state?: PhaseState): Promise<CheckpointModel>;
  /** The entry `model` would get, with the time elapsed so far (for the final refit, which is not numbered). */
  entry(model: TrainedNetwork, phase: BuildPhase): RecordedModel;
}

export function progressOf(m: RecordedModel, modelNumber: number): BuildProgress {
  return {
    modelNumber,
    weights: m.weights.length,
    trainingError: overallRmse(m.errors.training),
    validationError: overallRmse(m.errors.validation),
    elapsedMs: m.elapsedMs,
    phase: m.phase,
  };
}

export type CheckpointBase = Omit<Checkpoint, "models" | "selected" | "final" | "finished" | "resume">;

/** Where the build stands, as the driver knows it: the parts of a resume point besides the model and the phase's state. */
export type BuildPosition = () => Omit<ResumePoint, "model" | "state">;

export class BuildRecord implements ModelLog {
  private readonly accepted: CheckpointModel[];
  selected: number | null = null;
  final: RecordedModel | null = null;
  /** Set when the build has run to its end. */
  finished = false;
  /** Where to go on from the last accepted model (a resumed checkpoint's own, until the build accepts one). */
  resume: ResumePoint | null;
  private readonly started = Date.now();

  constructor(
    private readonly base: CheckpointBase,
    kept: readonly CheckpointModel[],
    private readonly save: ((bytes: Uint8Array) => Promise<void>) | undefined,
    private readonly onProgress: ((progress: BuildProgress) => void) | undefined,
    private readonly position: BuildPosition,
    resume: ResumePoint | null = null,
  ) {
    this.accepted = [...kept];
    this.resume = resume;
  }

  get models(): readonly CheckpointModel[] {
    return this.accepted;
  }

  bestScore(): number {
    let best = Number.POSITIVE_INFINITY;
    for (const m of this.accepted) best = Math.min(best, overallRmse(m.errors.validation));
    return best;
  }

  entry(t: TrainedNetwork, phase: BuildPhase): RecordedModel {
    return {
      phase,
      structure: t.network.structure,
      weights: t.network.weights,
      beta: t.beta,
      errors: { training: t.trainingRmse, validation: t.validationRmse },
      logEvidence: t.evidence,
      elapsedMs: Date.now() - this.started,
    };
  }

  async accept(t: TrainedNetwork, phase: BuildPhase, state: PhaseState = {}): Promise<CheckpointModel> {
    const model = { number: this.accepted.length, ...this.entry(t, phase) };
    this.accepted.push(model);
    this.resume = { ...this.position(), model: model.number, state };
    await this.write();
    this.onProgress?.(progressOf(model, model.number));
    return model;
  }

  checkpoint(): Checkpoint {
    return {
      ...this.base,
      models: [...this.accepted],
      selected: this.selected,
      final: this.final,
      finished: this.finished,
      resume: this.resume,
    };
  }

  /** Writes the checkpoint as it stands. */
  async write(): Promise<void> {
    if (this.save) await this.save(encodeCheckpoint(this.checkpoint()));
  }
}
