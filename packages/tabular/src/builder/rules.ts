/**
 * Every rule by which the build accepts a move or compares models, in one
 * place. Two judges are used:
 *
 * - the validation error (RMSE over all outputs on the held-out rows,
 *   `TrainedNetwork.score`): what the search moves are judged by, since
 *   each move is a small change whose effect on new rows is what matters;
 * - the log evidence of the training rows (`TrainedNetwork.evidence`, see
 *   fit.ts): what chooses among models already accepted and among
 *   retrainings of one structure, where the validation error of a few
 *   hundred rows barely ranks networks by their error on new data (see
 *   apps/docs/concepts/builder.md, "Choosing by evidence").
 *
 * A phase asks one of the named rules below; none compares scores itself.
 */
import { weightCount } from "../network/structure.js";
import type { CheckpointModel } from "./checkpoint.js";
import { jointEvidence, overallRmse, type TrainedNetwork } from "./fit.js";

/**
 * A growth step must lower the best validation error by this fraction to
 * count. Small: a neuron that helps a little is worth keeping in the record,
 * since the final selection weighs size against error itself.
 */
export const GROWTH_GAIN = 0.002;

/** A removal is kept when the validation error stays within this fraction of the best (0: no worse). */
export const PRUNING_TOLERANCE = 0;

/**
 * Gain in joint evidence (nats) that removes an input the validation error
 * alone would keep: a Bayes factor above e³ ≈ 20, "strong" on Kass and
 * Raftery's scale. A removal the validation error objects to, however
 * slightly, must be clearly supported: on the bundled tasks useful inputs
 * correlated with others (boston's nox) gain up to 2.5 nats when removed.
 */
export const INPUT_REMOVAL_EVIDENCE = 3;

/**
 * Log-evidence margin (nats) within which the smaller model is chosen: a
 * Bayes factor below e is not worth more than a bare mention (Kass and
 * Raftery's scale), so it does not buy extra weights.
 */
export const EVIDENCE_TOLERANCE = 1;

/**
 * Validation residuals (rows × outputs) from which the validation error
 * resolves a GROWTH_GAIN step by itself: the relative sampling error of an
 * RMSE over N residuals, about 1/√(2N), is then at most GROWTH_GAIN
 * (N = 1/(2·GROWTH_GAIN²) = 125,000).
 */
export const VALIDATION_RESOLVES_GROWTH = Math.round(1 / (2 * GROWTH_GAIN ** 2));

/**
 * Growth: a grown network counts when it lowers the best validation error
 * of the build by GROWTH_GAIN, or — on a validation set of fewer than
 * VALIDATION_RESOLVES_GROWTH residuals — when its log evidence is above
 * the best the growth has seen (the training rows' own judgement of the
 * extra neuron: on a small validation set a useful neuron can look flat).
 * On a larger one the validation error sees any gain of GROWTH_GAIN, and
 * the evidence of that many training rows rises for gains far below it:
 * on 10^6 rows it took neurons that left the validation error unchanged to
 * four digits, each a full training.
 */
export function growthCounts(
  grown: TrainedNetwork,
  bestScore: number,
  bestEvidence: number,
  validationResiduals: number,
): boolean {
  if (grown.likelihood === "categorical")
    return classifierGrowthCounts(grown, bestScore, validationResiduals);
  if (grown.score < bestScore * (1 - GROWTH_GAIN)) return true;
  return validationResiduals < VALIDATION_RESOLVES_GROWTH && grown.evidence > bestEvidence;
}

/**
 * Nats of validation log-likelihood a classifier's growth step must gain:
 * a Bayes factor of e, EVIDENCE_TOLERANCE's bare mention.
 */
export const CLASSIFIER_GROWTH_NATS = EVIDENCE_TOLERANCE;

/**
 * Growth of a classifier: the grown network counts when its validation rows
 * gain CLASSIFIER_GROWTH_NATS in log-likelihood, n_v·(best log-loss − its
 * log-loss). A log-loss falls towards 0 on classes the inputs separate,
 * where a relative gain (GROWTH_GAIN) counted neurons worth a fraction of
 * a nat (penguins: 0.031 to 0.029 over 92 rows, 0.26 nats, grew 7 neurons
 * the test rows did not need); and the evidence of the training rows,
 * which a Laplace approximation overrates on separable classes, is not
 * asked.
 */
function classifierGrowthCounts(
  grown: TrainedNetwork,
  bestScore: number,
  validationResiduals: number,
): boolean {
  const rows = validationResiduals / grown.network.structure.outputs;
  return (bestScore - grown.score) * rows > CLASSIFIER_GROWTH_NATS;
}

/** A removal that leaves the validation error within PRUNING_TOLERANCE of the best of the build. */
export function keepsValidationError(trial: TrainedNetwork, bestScore: number): boolean {
  return trial.score <= bestScore * (1 + PRUNING_TOLERANCE);
}

/**
 * Input removal: kept when the validation error stays within tolerance
 * (`keepsValidationError`), or when it raises the joint evidence of
 * training and validation rows (`jointEvidence`) by more than
 * INPUT_REMOVAL_EVIDENCE: removing an input of pure noise moves the
 * validation error of noisy rows up or down by chance, so the validation
 * error alone keeps such inputs about half the time, while the evidence
 * gains several nats for every weight no longer needed.
 */
export function inputRemovalAccepted(
  trial: TrainedNetwork,
  before: TrainedNetwork,
  bestScore: number,
): boolean {
  return (
    keepsValidationError(trial, bestScore) ||
    jointEvidence(trial) > jointEvidence(before) + INPUT_REMOVAL_EVIDENCE
  );
}

/** Link removal: kept when the validation error stays within tolerance. */
export function linkRemovalAccepted(trial: TrainedNetwork, bestScore: number): boolean {
  return keepsValidationError(trial, bestScore);
}

/**
 * A smaller model replacing the chosen one (links the evidence switched
 * off, removed): kept when its log evidence stays within
 * EVIDENCE_TOLERANCE of the chosen model's, the rule by which
 * `selectModel` prefers a smaller model. A chosen model without an
 * evidence (older checkpoint) is always replaced.
 */
export function simplificationKept(smaller: TrainedNetwork, chosenEvidence: number): boolean {
  return !Number.isFinite(chosenEvidence) || smaller.evidence >= chosenEvidence - EVIDENCE_TOLERANCE;
}

/**
 * A retraining of the chosen structure replaces it when its log evidence is
 * higher (a model without an evidence, from an older checkpoint, is
 * replaced by any). Among retrainings, the first of highest evidence.
 */
export function bestRetraining(
  retrainings: readonly TrainedNetwork[],
  chosenEvidence: number,
): TrainedNetwork | null {
  let best: TrainedNetwork | null = null;
  let bestEvidence = Number.isFinite(chosenEvidence) ? chosenEvidence : Number.NEGATIVE_INFINITY;
  for (const trained of retrainings) {
    if (trained.evidence > bestEvidence) {
      best = trained;
      bestEvidence = trained.evidence;
    }
  }
  return best;
}

/** Among candidates of one growth step, the lowest validation error (the first of equals). */
export function lowestValidationError(trained: readonly TrainedNetwork[]): TrainedNetwork {
  return trained.reduce((a, b) => (b.score < a.score ? b : a));
}

function validationScore(m: CheckpointModel): number {
  return overallRmse(m.errors.validation);
}

/**
 * A classifier's selection: the model with the fewest weights among those
 * whose validation rows' log-likelihood is within EVIDENCE_TOLERANCE nats
 * of the best (n_v times the difference of log-losses; among equals, the
 * lower log-loss). The evidence of the training rows is not asked: on
 * spam it preferred the linear model by over a hundred nats to networks
 * whose 1,227 validation rows gained 13 nats with one neuron (test
 * log-loss 0.246 against the MLP's 0.194).
 */
function selectClassifier(pool: readonly CheckpointModel[], rows: number): CheckpointModel {
  const best = Math.min(...pool.map(validationScore));
  return pool
    .filter((m) => rows * (validationScore(m) - best) <= EVIDENCE_TOLERANCE)
    .reduce((a, b) => {
      const wa = weightCount(a.structure);
      const wb = weightCount(b.structure);
      if (wb !== wa) return wb < wa ? b : a;
      return validationScore(b) < validationScore(a) ? b : a;
    });
}

/**
 * The final selection among the accepted models: the one with the fewest
 * weights among those whose log evidence is within EVIDENCE_TOLERANCE of
 * the highest (respecting the link cap; among equals, the higher evidence).
 * Models without an evidence (from a checkpoint written before it was
 * recorded) are chosen by validation error, and only when no model has one.
 */
export function selectModel(
  models: readonly CheckpointModel[],
  linksMaximumNumber: number,
  /** A classifier's validation rows: then chosen by `selectClassifier`. */
  classifierValidationRows?: number,
): CheckpointModel {
  const eligible = models.filter(
    (m) => linksMaximumNumber === 0 || m.structure.links.length <= linksMaximumNumber,
  );
  const pool = eligible.length > 0 ? eligible : models;
  if (classifierValidationRows !== undefined && classifierValidationRows > 0)
    return selectClassifier(pool, classifierValidationRows);
  const withEvidence = pool.filter((m) => Number.isFinite(m.logEvidence));
  if (withEvidence.length === 0) {
    return pool.reduce((a, b) => (validationScore(b) < validationScore(a) ? b : a));
  }
  let best = Number.NEGATIVE_INFINITY;
  for (const m of withEvidence) best = Math.max(best, m.logEvidence);
  return withEvidence
    .filter((m) => m.logEvidence >= best - EVIDENCE_TOLERANCE)
    .reduce((a, b) => {
      const wa = weightCount(a.structure);
      const wb = weightCount(b.structure);
      if (wb !== wa) return wb < wa ? b : a;
      return b.logEvidence > a.logEvidence ? b : a;
    });
}
