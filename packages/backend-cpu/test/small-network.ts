import type { Backend, DType, Tensor } from "@neureco/core";
import * as nc from "@neureco/core";

/** Deterministic values in [-1, 1) from a linear congruential sequence. */
export function values(count: number, seed: number): Float64Array {
  let s = seed >>> 0 || 1;
  return Float64Array.from({ length: count }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2147483648 - 1;
  });
}

/** The weights and data of a 5 → 7 (tanh) → 2 network on `rows` rows. */
export function smallNetwork(backend: Backend, rows: number, dtype: DType) {
  const t = (shape: number[], seed: number) =>
    nc.tensor(
      backend,
      values(
        shape.reduce((a, b) => a * b, 1),
        seed,
      ),
      shape,
      dtype,
    );
  return {
    W1: t([5, 7], 1),
    b1: t([7], 2),
    W2: t([7, 2], 3),
    b2: t([2], 4),
    X: t([rows, 5], 5),
    y: t([rows, 2], 6),
  };
}

/** Its squared error as a function of the weights and the inputs. */
export function squaredError(y: Tensor) {
  return (W1: Tensor, b1: Tensor, W2: Tensor, b2: Tensor, X: Tensor): Tensor =>
    nc.sum(nc.square(nc.sub(nc.add(nc.matmul(nc.tanh(nc.add(nc.matmul(X, W1), b1)), W2), b2), y)));
}
