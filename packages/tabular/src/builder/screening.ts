/**
 * Screening on a subset: how the search scales to many rows.
 *
 * Most of a build's work is choosing among trainings that are then thrown
 * away: the five candidates of a growth step, the sixteen restarts of the
 * chosen structure, the twenty fold trainings of the output prior's
 * cross-validation. Which of them is best is settled long before every row
 * is used: a network of p weights is determined by a few hundred rows per
 * weight, and the candidates differ by far more than the error of their
 * comparison on tens of thousands of rows. So, on data of at least
 * 2 · SCREEN_ROWS training rows, those choices are made on SCREEN_ROWS of
 * them, a representative sample (validation-split.ts `representativeRows`,
 * the rule that picks the validation rows), and only what is chosen is
 * trained on every training row, from the weights the subset gave it:
 *
 * - a growth step trains its candidates on the subset, scores them on the
 *   validation rows (all of them), and trains the pick on every row;
 *   whether the pick counts is decided as before, on every row;
 * - the restarts train on the subset; the one of highest evidence there is
 *   trained on every row and replaces the chosen model only if its
 *   evidence on every row is higher;
 * - the output prior's cross-validation runs over a representative
 *   SCREEN_ROWS of all rows; the floor it picks is trained on every row.
 *
 * Below 2 · SCREEN_ROWS training rows (every task of the build benchmark)
 * nothing is screened and a build is what it was, bit for bit. Input and
 * link removal, the selection and the final refit always use every row:
 * they train one network at a time.
 */
import type { RowSource } from "./rows.js";
import { representativeRowsOf } from "./validation-split.js";

/** Rows a screening subset has. */
export const SCREEN_ROWS = 32_768;

/**
 * The rows (ascending) of the screening subset of `x`, or null when `x` has
 * fewer than 2 · SCREEN_ROWS rows and nothing is screened.
 */
export function screeningRows(x: RowSource): number[] | null {
  const n = x.rows;
  if (n < 2 * SCREEN_ROWS) return null;
  return representativeRowsOf(x, (100 * SCREEN_ROWS) / n);
}
