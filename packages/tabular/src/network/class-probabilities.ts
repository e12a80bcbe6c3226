/**
 * The classifier's output layer: class probabilities from the network's
 * logits. A model of k classes has k − 1 outputs, the logits of classes
 * 1 … k − 1; class 0's logit is fixed at 0 (the multinomial logit's
 * reference class), so no weight is spent on the softmax's redundant shift
 * and a two-class model is one sigmoid output.
 */
import { add, concat, div, exp, log, max, mul, neg, relu, sub, sum, type Tensor } from "@neureco/core";

/** exp(−m) for class 0 and exp(z_j − m) for the others, and their sum; m ≥ 0 the largest logit, class 0's included. */
function shifted(z: Tensor): { m: Tensor; first: Tensor; rest: Tensor; total: Tensor } {
  const m = relu(max(z, 1, true));
  const first = exp(neg(m));
  const rest = exp(sub(z, m));
  return { m, first, rest, total: add(first, sum(rest, 1, true)) };
}

/** Probabilities (n, k) of the k classes from logits (n, k − 1) of classes 1 … k − 1. */
export function classProbabilities(z: Tensor): Tensor {
  const { first, rest, total } = shifted(z);
  return concat([div(first, total), div(rest, total)], 1);
}

/**
 * −ln p(class of the row) per row, (n, 1), from logits (n, k − 1) and
 * targets y (n, k − 1): one-hot over classes 1 … k − 1, all zero for class 0.
 * Computed as ln Σ exp(z) − z_class without forming a probability, so that
 * a confident mistake costs its true (large) amount instead of −ln 0.
 */
export function crossEntropy(z: Tensor, y: Tensor): Tensor {
  const { m, total } = shifted(z);
  return sub(add(log(total), m), sum(mul(y, z), 1, true));
}
