import type { Backend, HostArray } from "./backend.js";
import { checkDType, ShapeError, sameShape, shapeToString, sizeOf } from "./graph.js";
import type { DType, Shape } from "./primitives.js";
import { apply, Tensor } from "./tensor.js";

/**
 * The op API: what users and core's derivative rules call. Each op is one
 * primitive or a short composition of primitives; broadcasting and number
 * operands are resolved here, so kernels never see them.
 */

/** A tensor, or a number that takes the dtype and shape of the other operand. */
export type Operand = Tensor | number;

/** Creates a concrete tensor on `backend` from host values (copied). */
export function tensor(
  backend: Backend,
  values: ArrayLike<number> | HostArray,
  shape: Shape,
  dtype: DType = "float64",
): Tensor {
  checkDType("tensor", dtype);
  if (shape.some((d) => !Number.isInteger(d) || d < 0))
    throw new ShapeError(`tensor: invalid shape ${shapeToString(shape)}`);
  if (values.length !== sizeOf(shape)) {
    throw new ShapeError(
      `tensor: ${values.length} values do not fill shape ${shapeToString(shape)} (${sizeOf(shape)} needed)`,
    );
  }
  if (!backend.dtypes.includes(dtype)) {
    throw new Error(
      `tensor: the ${backend.name} backend does not support ${dtype} (it supports ${backend.dtypes.join(", ")})`,
    );
  }
  // `upload` copies, so an array of the dtype goes as it is; the typed-array
  // constructor converts others (`Float64Array.from` walks an iterator,
  // several times slower on rows of data).
  const data =
    dtype === "float64"
      ? values instanceof Float64Array
        ? values
        : new Float64Array(values)
      : values instanceof Float32Array
        ? values
        : new Float32Array(values);
  const dataId = backend.upload(data, shape, dtype);
  return new Tensor({ shape: [...shape], dtype }, { kind: "data", backend, dataId });
}

/** A tensor of `shape` filled with `value`, on a backend or beside an existing tensor. */
export function full(where: Backend | Tensor, shape: Shape, value: number, dtype?: DType): Tensor {
  const dt = dtype ?? (where instanceof Tensor ? where.dtype : "float64");
  return apply("fill", [], { shape: [...shape], value, dtype: dt }, where);
}

export const zeros = (where: Backend | Tensor, shape: Shape, dtype?: DType): Tensor =>
  full(where, shape, 0, dtype);
export const ones = (where: Backend | Tensor, shape: Shape, dtype?: DType): Tensor =>
  full(where, shape, 1, dtype);
export const zerosLike = (t: Tensor): Tensor => full(t, t.shape, 0);
export const onesLike = (t: Tensor): Tensor => full(t, t.shape, 1);

/** numpy broadcasting of two shapes, or a ShapeError. */
export function broadcastShapes(a: Shape, b: Shape, where = "broadcast"): Shape {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(
        `${where}: shapes ${shapeToString(a)} and ${shapeToString(b)} cannot be broadcast together`,
      );
    }
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Broadcasts `x` to `shape` (numpy rules: missing leading axes are added). */
export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  if (sameShape(x.shape, shape)) return x;
  if (x.rank > shape.length)
    throw new ShapeError(
      `broadcastTo: cannot broadcast ${shapeToString(x.shape)} to ${shapeToString(shape)}`,
    );
  const lifted =
    x.rank < shape.length ? reshape(x, [...new Array(shape.length - x.rank).fill(1), ...x.shape]) : x;
  return sameShape(lifted.shape, shape) ? lifted : apply("broadcast", [lifted], { shape: [...shape] });
}

function binaryOperands(a: Operand, b: Operand, where: string): [Tensor, Tensor] {
  if (typeof a === "number" && typeof b === "number")
    throw new TypeError(`${where}: at least one operand must be a tensor`);
  if (typeof a === "number") return [full(b as Tensor, (b as Tensor).shape, a), b as Tensor];
  if (typeof b === "number") return [a, full(a, a.shape, b)];
  if (sameShape(a.shape, b.shape)) return [a, b];
  const shape = broadcastShapes(a.shape, b.shape, where);
  return [broadcastTo(a, shape), broadcastTo(b, shape)];
}

type BinaryPrim = "add" | "sub" | "mul" | "div" | "greater" | "equal";
function binary(prim: BinaryPrim, a: Operand, b: Operand): Tensor {
  const [x, y] = binaryOperands(a, b, prim);
  return apply(prim, [x, y], {});
}

export const add = (a: Operand, b: Operand): Tensor => binary("add", a, b);
export const sub = (a: Operand, b: Operand): Tensor => binary("sub", a, b);
export const mul = (a: Operand, b: Operand): Tensor => binary("mul", a, b);
export const div = (a: Operand, b: Operand): Tensor => binary("div", a, b);
/** 1 where a > b, else 0. */
export const greater = (a: Operand, b: Operand): Tensor => binary("greater", a, b);
/** 1 where a == b, else 0. */
export const equal = (a: Operand, b: Operand): Tensor => binary("equal", a, b);
/** 1 where a < b, else 0. */
export const less = (a: Operand, b: Operand): Tensor => binary("greater", b, a);

export const neg = (x: Tensor): Tensor => apply("neg", [x], {});
export const exp = (x: Tensor): Tensor => apply("exp", [x], {});
export const log = (x: Tensor): Tensor => apply("log", [x], {});
export const sqrt = (x: Tensor): Tensor => apply("sqrt", [x], {});
export const tanh = (x: Tensor): Tensor => apply("tanh", [x], {});
export const sigmoid = (x: Tensor): Tensor => apply("sigmoid", [x], {});
export const relu = (x: Tensor): Tensor => apply("relu", [x], {});
export const square = (x: Tensor): Tensor => apply("mul", [x, x], {});

/** cond != 0 ? a : b, with broadcasting. */
export function where(cond: Tensor, a: Operand, b: Operand): Tensor {
  const ta = typeof a === "number" ? full(cond, cond.shape, a) : a;
  const tb = typeof b === "number" ? full(cond, cond.shape, b) : b;
  const shape = broadcastShapes(broadcastShapes(cond.shape, ta.shape, "where"), tb.shape, "where");
  return apply("select", [broadcastTo(cond, shape), broadcastTo(ta, shape), broadcastTo(tb, shape)], {});
}

/** Matrix product of rank-2 tensors. */
export const matmul = (a: Tensor, b: Tensor): Tensor => apply("matmul", [a, b], {});

function normalizeAxes(x: Tensor, axis: number | readonly number[] | undefined, where: string): number[] {
  const list = axis === undefined ? x.shape.map((_, i) => i) : typeof axis === "number" ? [axis] : [...axis];
  return list.map((a) => {
    const ax = a < 0 ? a + x.rank : a;
    if (!Number.isInteger(ax) || ax < 0 || ax >= x.rank) {
      throw new ShapeError(`${where}: axis ${a} is out of range for shape ${shapeToString(x.shape)}`);
    }
    return ax;
  });
}

function reduce(
  prim: "sum" | "max",
  x: Tensor,
  axis: number | readonly number[] | undefined,
  keepDims: boolean,
): Tensor {
  const axes = normalizeAxes(x, axis, prim);
  const kept = axes.length ? apply(prim, [x], { axes }) : x;
  if (keepDims) return kept;
  return reshape(
    kept,
    x.shape.filter((_, i) => !axes.includes(i)),
  );
}

/** Sum over `axis` (all axes when omitted). */
export const sum = (x: Tensor, axis?: number | readonly number[], keepDims = false): Tensor =>
  reduce("sum", x, axis, keepDims);
/** Maximum over `axis` (all axes when omitted). */
export const max = (x: Tensor, axis?: number | readonly number[], keepDims = false): Tensor =>
  reduce("max", x, axis, keepDims);
/** Mean over `axis` (all axes when omitted). */
export function mean(x: Tensor, axis?: number | readonly number[], keepDims = false): Tensor {
  const axes = normalizeAxes(x, axis, "mean");
  const count = axes.reduce((n, a) => n * x.shape[a], 1);
  return div(sum(x, axes, keepDims), count);
}

export function reshape(x: Tensor, shape: Shape): Tensor {
  return sameShape(x.shape, shape) ? x : apply("reshape", [x], { shape: [...shape] });
}

/** Permutes axes (reverses them when `perm` is omitted). */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  const p = perm ?? x.shape.map((_, i) => x.rank - 1 - i);
  return p.every((a, i) => a === i) ? x : apply("transpose", [x], { perm: [...p] });
}

/** `size[i] = -1` means "to the end of axis i". */
export function slice(x: Tensor, begin: readonly number[], size: readonly number[]): Tensor {
  const sz = size.map((s, i) => (s === -1 ? x.shape[i] - begin[i] : s));
  return apply("slice", [x], { begin: [...begin], size: sz });
}

export function concat(xs: readonly Tensor[], axis: number): Tensor {
  if (xs.length === 1) return xs[0];
  return apply("concat", xs, { axis: axis < 0 ? axis + xs[0].rank : axis });
}

/** Takes entries `indices` along `axis`. */
export const gather = (x: Tensor, indices: readonly number[], axis: number): Tensor =>
  apply("gather", [x], { axis, indices: [...indices] });

/** Adds the entries of `x` along `axis` into a zero tensor of length `size` at `indices`. */
export const scatterAdd = (x: Tensor, indices: readonly number[], axis: number, size: number): Tensor =>
  apply("scatterAdd", [x], { axis, indices: [...indices], size });

export const cast = (x: Tensor, dtype: DType): Tensor =>
  x.dtype === dtype ? x : apply("cast", [x], { dtype });
