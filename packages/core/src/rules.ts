import * as op from "./ops.js";
import type { PrimitiveName, PrimitiveParams } from "./primitives.js";
import { apply, type Tensor } from "./tensor.js";

/**
 * The derivative table: one forward (JVP) and one reverse (VJP) rule per
 * primitive, written with the op API so that every backend differentiates
 * for free and rules can themselves be differentiated (nesting).
 *
 * A tangent or cotangent of `null` means an exact zero.
 */
export type Tangent = Tensor | null;

export type JvpRule<P extends PrimitiveName> = (
  primals: readonly Tensor[],
  tangents: readonly Tangent[],
  out: Tensor,
  params: PrimitiveParams[P],
) => Tangent;

export type VjpRule<P extends PrimitiveName> = (
  cotangent: Tensor,
  primals: readonly Tensor[],
  out: Tensor,
  params: PrimitiveParams[P],
) => Tangent[];

const addT = (a: Tangent, b: Tangent): Tangent => (a === null ? b : b === null ? a : op.add(a, b));
const scale = (t: Tangent, by: Tensor): Tangent => (t === null ? null : op.mul(t, by));
/** Applies the same (linear) primitive to the tangent. */
const linear =
  <P extends PrimitiveName>(prim: P): JvpRule<P> =>
  (_p, [t], _o, params) =>
    t === null ? null : apply(prim, [t], params);
const zeroJvp = (): Tangent => null;

/** 1 − y², the derivative of tanh written in its output. */
const oneMinusSquare = (y: Tensor): Tensor => op.sub(1, op.mul(y, y));
const sigmoidSlope = (y: Tensor): Tensor => op.mul(y, op.sub(1, y));
/** Tie-averaging mask of a max reduction: 1/count where x attains the max. */
function maxMask(x: Tensor, out: Tensor, axes: readonly number[]): Tensor {
  const hit = op.equal(x, op.broadcastTo(out, x.shape));
  const count = apply("sum", [hit], { axes });
  return op.div(hit, op.broadcastTo(count, x.shape));
}

export const jvpRules: { readonly [P in PrimitiveName]: JvpRule<P> } = {
  add: (_p, [ta, tb]) => addT(ta, tb),
  sub: (_p, [ta, tb]) => addT(ta, tb === null ? null : op.neg(tb)),
  mul: ([a, b], [ta, tb]) => addT(scale(ta, b), scale(tb, a)),
  div: ([, b], [ta, tb], out) => {
    const num = addT(ta, tb === null ? null : op.neg(op.mul(out, tb)));
    return num === null ? null : op.div(num, b);
  },
  greater: zeroJvp,
  equal: zeroJvp,
  neg: (_p, [t]) => (t === null ? null : op.neg(t)),
  exp: (_p, [t], out) => scale(t, out),
  log: ([x], [t]) => (t === null ? null : op.div(t, x)),
  sqrt: (_p, [t], out) => (t === null ? null : op.div(t, op.mul(out, 2))),
  tanh: (_p, [t], out) => scale(t, oneMinusSquare(out)),
  sigmoid: (_p, [t], out) => scale(t, sigmoidSlope(out)),
  relu: ([x], [t]) => scale(t, op.greater(x, 0)),
  select: ([c], [, ta, tb]) => {
    if (ta === null && tb === null) return null;
    return apply("select", [c, ta ?? op.zerosLike(c), tb ?? op.zerosLike(c)], {});
  },
  matmul: ([a, b], [ta, tb]) =>
    addT(ta === null ? null : op.matmul(ta, b), tb === null ? null : op.matmul(a, tb)),
  sum: linear("sum"),
  max: ([x], [t], out, { axes }) =>
    t === null ? null : apply("sum", [op.mul(t, maxMask(x, out, axes))], { axes }),
  broadcast: linear("broadcast"),
  reshape: linear("reshape"),
  transpose: linear("transpose"),
  slice: linear("slice"),
  concat: (primals, tangents, _o, params) => {
    if (tangents.every((t) => t === null)) return null;
    return apply(
      "concat",
      tangents.map((t, i) => t ?? op.zerosLike(primals[i])),
      params,
    );
  },
  gather: linear("gather"),
  scatterAdd: linear("scatterAdd"),
  fill: zeroJvp,
  cast: linear("cast"),
};

/** Sums a cotangent back to the shape an operand had before `broadcast`. */
function unbroadcast(ct: Tensor, shape: readonly number[]): Tensor {
  const axes = shape.flatMap((d, i) => (d === 1 && ct.shape[i] !== 1 ? [i] : []));
  return axes.length ? apply("sum", [ct], { axes }) : ct;
}

/** Transpose of `slice`: the cotangent padded with zeros back to the input's shape. */
function padBack(ct: Tensor, shape: readonly number[], begin: readonly number[]): Tensor {
  let t = ct;
  shape.forEach((dim, axis) => {
    const before = begin[axis];
    const after = dim - before - t.shape[axis];
    if (before === 0 && after === 0) return;
    const part = (n: number) =>
      op.zeros(
        t,
        t.shape.map((d, i) => (i === axis ? n : d)),
      );
    const parts = [...(before ? [part(before)] : []), t, ...(after ? [part(after)] : [])];
    t = apply("concat", parts, { axis });
  });
  return t;
}

export const vjpRules: { readonly [P in PrimitiveName]: VjpRule<P> } = {
  add: (ct) => [ct, ct],
  sub: (ct) => [ct, op.neg(ct)],
  mul: (ct, [a, b]) => [op.mul(ct, b), op.mul(ct, a)],
  div: (ct, [, b], out) => {
    const ctb = op.div(ct, b);
    return [ctb, op.neg(op.mul(ctb, out))];
  },
  greater: () => [null, null],
  equal: () => [null, null],
  neg: (ct) => [op.neg(ct)],
  exp: (ct, _p, out) => [op.mul(ct, out)],
  log: (ct, [x]) => [op.div(ct, x)],
  sqrt: (ct, _p, out) => [op.div(ct, op.mul(out, 2))],
  tanh: (ct, _p, out) => [op.mul(ct, oneMinusSquare(out))],
  sigmoid: (ct, _p, out) => [op.mul(ct, sigmoidSlope(out))],
  relu: (ct, [x]) => [op.mul(ct, op.greater(x, 0))],
  select: (ct, [c]) => {
    const zero = op.zerosLike(ct);
    return [null, apply("select", [c, ct, zero], {}), apply("select", [c, zero, ct], {})];
  },
  matmul: (ct, [a, b]) => [op.matmul(ct, op.transpose(b)), op.matmul(op.transpose(a), ct)],
  sum: (ct, [x]) => [apply("broadcast", [ct], { shape: x.shape })],
  max: (ct, [x], out, { axes }) => [op.mul(op.broadcastTo(ct, x.shape), maxMask(x, out, axes))],
  broadcast: (ct, [x]) => [unbroadcast(ct, x.shape)],
  reshape: (ct, [x]) => [op.reshape(ct, x.shape)],
  transpose: (ct, _p, _o, { perm }) => {
    const inverse = new Array<number>(perm.length);
    perm.forEach((p, i) => {
      inverse[p] = i;
    });
    return [apply("transpose", [ct], { perm: inverse })];
  },
  slice: (ct, [x], _o, { begin }) => [padBack(ct, x.shape, begin)],
  concat: (ct, primals, _o, { axis }) => {
    let offset = 0;
    return primals.map((x) => {
      const begin = ct.shape.map((_, i) => (i === axis ? offset : 0));
      offset += x.shape[axis];
      return apply("slice", [ct], { begin, size: [...x.shape] });
    });
  },
  gather: (ct, [x], _o, { axis, indices }) => [
    apply("scatterAdd", [ct], { axis, indices, size: x.shape[axis] }),
  ],
  scatterAdd: (ct, _p, _o, { axis, indices }) => [apply("gather", [ct], { axis, indices })],
  fill: () => [],
  cast: (ct, [x]) => [op.cast(ct, x.dtype)],
};
