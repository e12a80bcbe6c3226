/**
 * How good a classifier's probabilities are on labelled rows: accuracy,
 * balanced accuracy, log-loss, expected calibration error and the
 * confusion matrix.
 */
import type { Matrix } from "../matrix.js";

export interface ClassificationScores {
  /** Rows scored. */
  readonly rows: number;
  /** Share of rows whose most probable class is their label. */
  readonly accuracy: number;
  /** Mean over the classes present of each class's recall. */
  readonly balancedAccuracy: number;
  /** Mean −ln p(label) (natural log), each probability clipped to [1e-15, 1 − 1e-15] as scikit-learn does. */
  readonly logLoss: number;
  /**
   * Expected calibration error: the rows binned by the probability of their
   * most probable class into CALIBRATION_BINS equal bins, Σ_b (n_b/n)·|accuracy_b − mean probability_b|.
   */
  readonly calibrationError: number;
  /** The reliability diagram behind it: per bin, rows, mean probability and accuracy (NaN when empty). */
  readonly reliability: readonly {
    readonly rows: number;
    readonly confidence: number;
    readonly accuracy: number;
  }[];
  /** confusion[i][j]: rows of class i predicted as class j. */
  readonly confusion: readonly (readonly number[])[];
  /** The class names, in the order of the confusion matrix. */
  readonly classes: readonly string[];
}

/** Bins of the expected calibration error (the usual 10). */
export const CALIBRATION_BINS = 10;
const CLIP = 1e-15;

/** The scores of `probabilities` (n, k) against the class numbers `truth` (length n). */
export function classificationScores(
  probabilities: Matrix,
  truth: Int32Array,
  classes: readonly string[],
): ClassificationScores {
  const n = probabilities.rows;
  const k = probabilities.cols;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const bins = Array.from({ length: CALIBRATION_BINS }, () => ({ rows: 0, confidence: 0, correct: 0 }));
  let correct = 0;
  let logLoss = 0;
  for (let i = 0; i < n; i++) {
    const row = probabilities.data.subarray(i * k, (i + 1) * k);
    let best = 0;
    for (let j = 1; j < k; j++) if (row[j] > row[best]) best = j;
    const label = truth[i];
    confusion[label][best]++;
    if (best === label) correct++;
    logLoss -= Math.log(Math.min(Math.max(row[label], CLIP), 1 - CLIP));
    const bin = bins[Math.min(CALIBRATION_BINS - 1, Math.floor(row[best] * CALIBRATION_BINS))];
    bin.rows++;
    bin.confidence += row[best];
    if (best === label) bin.correct++;
  }
  let recall = 0;
  let present = 0;
  for (let c = 0; c < k; c++) {
    const total = confusion[c].reduce((a, b) => a + b, 0);
    if (total === 0) continue;
    present++;
    recall += confusion[c][c] / total;
  }
  let calibrationError = 0;
  for (const b of bins) if (b.rows > 0) calibrationError += Math.abs(b.correct - b.confidence) / n;
  return {
    rows: n,
    accuracy: correct / n,
    balancedAccuracy: recall / present,
    logLoss: logLoss / n,
    calibrationError,
    reliability: bins.map((b) => ({
      rows: b.rows,
      confidence: b.rows > 0 ? b.confidence / b.rows : Number.NaN,
      accuracy: b.rows > 0 ? b.correct / b.rows : Number.NaN,
    })),
    confusion,
    classes,
  };
}
