/**
 * What a build's outputs are, and so how its errors are scored:
 *
 * - `gaussian` (the Regressor): real values with Gaussian noise of one
 *   level per build, scored by the squared error; the evidence estimates
 *   the noise level.
 * - `categorical` (the Classifier): class indicators (one-hot over classes
 *   1 … k − 1, class 0 all zeros; see network/class-probabilities.ts),
 *   scored by the softmax cross-entropy. There is no noise level: the
 *   likelihood is the probability the network gives the row's class.
 *
 * The trainer treats both alike through the deviance D — Σr² for a
 * Gaussian, 2·Σ cross-entropy for a categorical likelihood — and the
 * Gauss–Newton matrix: JᵀJ, or JᵀHJ with H the softmax's Hessian. The
 * evidence formulas read D as the Gaussian's Σr² with a noise precision of
 * 1 and no normalising constant.
 */
export type Likelihood = "gaussian" | "categorical";
