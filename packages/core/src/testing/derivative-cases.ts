/**
 * How to differentiate each primitive through core's public op API: the
 * function of its differentiable inputs, and what the exact JVP is checked
 * against. Random shapes and parameters come from PRIMITIVE_CASES.
 */
import type { Operand, Tensor } from "../index.js";
import * as op from "../index.js";
import type { PrimitiveName, PrimitiveParams } from "../primitives.js";
import { randomValue } from "./arbitraries.js";
import type { PrimitiveInstance } from "./primitive-cases.js";
import type { RefValue } from "./reference.js";

/**
 * What the JVP at x along v must equal:
 * - `smooth`: central finite differences of f at x along v;
 * - `linear`: f(v) itself (f is linear in its differentiated inputs);
 * - `constant`: zero (f is piecewise constant, such as a comparison).
 */
export type DerivativeKind = "smooth" | "linear" | "constant";

export interface DerivativeCase<P extends PrimitiveName> {
  readonly kind: DerivativeKind;
  /** Applies the primitive to all inputs (in the instance's order) with the op API. */
  apply(inputs: readonly Tensor[], params: PrimitiveParams[P]): Tensor;
  /** Inputs held constant (not differentiated), by position. */
  readonly constantInputs?: readonly number[];
  /**
   * Moves a random instance to where f is differentiable (away from kinks
   * and ties), or gives a primitive without inputs something to differentiate.
   */
  prepare?(instance: PrimitiveInstance<P>, random: () => number): PrimitiveInstance<P>;
}

export type DerivativeCaseTable = { readonly [P in PrimitiveName]: DerivativeCase<P> };

const smooth = <P extends PrimitiveName>(
  apply: (inputs: readonly Tensor[], params: PrimitiveParams[P]) => Tensor,
): DerivativeCase<P> => ({ kind: "smooth", apply });
const linear = <P extends PrimitiveName>(
  apply: (inputs: readonly Tensor[], params: PrimitiveParams[P]) => Tensor,
): DerivativeCase<P> => ({ kind: "linear", apply });

/** Distinct values at least 6/n apart, in random order: no ties, so max is differentiable. */
function distinctValues(x: RefValue, random: () => number): RefValue {
  const n = x.data.length;
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return {
    data: Float64Array.from(order, (k) => -3 + (6 * (k + random() * 0.5)) / Math.max(n, 1)),
    shape: x.shape,
  };
}

/** Values at least 0.05 away from 0, where relu has its kink. */
function awayFromZero(x: RefValue): RefValue {
  return { data: x.data.map((v) => (Math.abs(v) < 0.05 ? (v < 0 ? -0.05 : 0.05) + v : v)), shape: x.shape };
}

const binary =
  (f: (a: Operand, b: Operand) => Tensor) =>
  ([a, b]: readonly Tensor[]): Tensor =>
    f(a, b);

export const DERIVATIVE_CASES: DerivativeCaseTable = {
  add: linear(binary(op.add)),
  sub: linear(binary(op.sub)),
  mul: smooth(binary(op.mul)),
  div: smooth(binary(op.div)),
  greater: { kind: "constant", apply: binary(op.greater) },
  equal: { kind: "constant", apply: binary(op.equal) },
  neg: linear(([x]) => op.neg(x)),
  exp: smooth(([x]) => op.exp(x)),
  log: smooth(([x]) => op.log(x)),
  sqrt: smooth(([x]) => op.sqrt(x)),
  tanh: smooth(([x]) => op.tanh(x)),
  sigmoid: smooth(([x]) => op.sigmoid(x)),
  relu: {
    kind: "smooth",
    apply: ([x]) => op.relu(x),
    prepare: ({ inputs, params }) => ({ inputs: inputs.map(awayFromZero), params }),
  },
  // Linear in the two branches; the condition is a constant.
  select: { kind: "linear", apply: ([c, a, b]) => op.where(c, a, b), constantInputs: [0] },
  matmul: smooth(([a, b]) => op.matmul(a, b)),
  sum: linear(([x], { axes }) => op.sum(x, axes, true)),
  max: {
    kind: "smooth",
    apply: ([x], { axes }) => op.max(x, axes, true),
    prepare: ({ inputs, params }, random) => ({
      inputs: inputs.map((x) => distinctValues(x, random)),
      params,
    }),
  },
  broadcast: linear(([x], { shape }) => op.broadcastTo(x, shape)),
  reshape: linear(([x], { shape }) => op.reshape(x, shape)),
  transpose: linear(([x], { perm }) => op.transpose(x, perm)),
  slice: linear(([x], { begin, size }) => op.slice(x, begin, size)),
  concat: linear((xs, { axis }) => op.concat(xs, axis)),
  gather: linear(([x], { axis, indices }) => op.gather(x, indices, axis)),
  scatterAdd: linear(([x], { axis, indices, size }) => op.scatterAdd(x, indices, axis, size)),
  // fill has no input: differentiate x ↦ x + fill(value), whose JVP is the tangent itself.
  fill: {
    kind: "smooth",
    apply: ([x], { shape, value }) => op.add(x, op.full(x, shape, value)),
    prepare: ({ params }, random) => ({ inputs: [randomValue(params.shape, "real", random)], params }),
  },
  cast: linear(([x], { dtype }) => op.cast(x, dtype)),
};
