/**
 * What every phase of the build is handed (see driver.ts for the order of
 * the phases). Two kinds of phase:
 *
 * - a search phase, `(ctx, current) => Promise<TrainedNetwork>`, moves the
 *   network under search (grow, remove inputs, remove links) and accepts
 *   into the record every model it keeps;
 * - a finishing phase, `(ctx, chosen) => Promise<CheckpointModel>`, starts
 *   from the model the selection chose from the record and returns the one
 *   chosen now (itself, or a better one it accepted).
 *
 * A phase never catches `BuildAborted`: the driver does, once.
 */
import type { CheckpointModel, PhaseState } from "../checkpoint.js";
import type { CrossValidation } from "../cross-validation.js";
import type { FitOptions, TrainedNetwork, Trainer } from "../fit.js";
import type { Likelihood } from "../likelihood.js";
import type { WeightedNetwork } from "../network-edit.js";
import type { Beta } from "../prior.js";
import type { BuilderRandom } from "../random.js";
import type { ModelLog } from "../record.js";

export interface PhaseContext {
  /** Trains on the training rows, scores on the validation rows. */
  readonly trainer: Trainer;
  /**
   * Trains on a representative subset of the training rows, scores on the
   * validation rows: where choices among trainings are made on many rows
   * (screening.ts); null below 2 · SCREEN_ROWS training rows.
   */
  readonly screen: Trainer | null;
  /** Trains on all rows, validation rows included (the final refit). */
  readonly fitOnAllRows: (
    network: WeightedNetwork,
    beta: Beta,
    options: FitOptions,
  ) => Promise<TrainedNetwork>;
  readonly record: ModelLog;
  /** Cross-validation over all rows, or a representative subset of many (phases/output-prior.ts, screening.ts). */
  readonly crossValidation: CrossValidation;
  /** Columns of the data. */
  readonly inputs: number;
  readonly outputs: number;
  readonly random: BuilderRandom;
  readonly signal: AbortSignal | undefined;
  /** Most links the network may keep; 0 = no cap. */
  readonly linksMaximumNumber: number;
  /** Whether inputs may be disconnected (else every input keeps a link). */
  readonly disconnectInputsIfPossible: boolean;
  /** Starting prior strength of every weight group (the linear start). */
  readonly initialBetaReg: number;
  /** What the outputs are (likelihood.ts); absent: gaussian. */
  readonly likelihood?: Likelihood;
  /**
   * Set by growth when the weight budget stopped it right after an accepted
   * step (it was still gaining): the number of models accepted then. Growth
   * resumes after input removal only when models were accepted since
   * (`growAfterInputRemoval`).
   */
  growthHeldBackAt: number | null;
  /**
   * The state a resumed build hands to the phase it resumes in (the one
   * that accepted the checkpoint's last model); the phase takes it with
   * `takeResumedState`, once.
   */
  resumed: PhaseState | null;
}

export type StartPhase = (ctx: PhaseContext) => Promise<TrainedNetwork>;
export type SearchPhase = (ctx: PhaseContext, current: TrainedNetwork) => Promise<TrainedNetwork>;
export type SelectPhase = (ctx: PhaseContext) => CheckpointModel;
export type FinishingPhase = (ctx: PhaseContext, chosen: CheckpointModel) => Promise<CheckpointModel>;

/** The state a resumed build hands to this phase, or null; cleared, so that a later call of the same phase starts afresh. */
export function takeResumedState(ctx: PhaseContext): PhaseState | null {
  const state = ctx.resumed;
  ctx.resumed = null;
  return state;
}

/** The network of a recorded model. */
export function networkOf(m: CheckpointModel): WeightedNetwork {
  return { structure: m.structure, weights: m.weights };
}

/** Links of a network. */
export function linkCount(n: WeightedNetwork): number {
  return n.structure.links.length;
}
