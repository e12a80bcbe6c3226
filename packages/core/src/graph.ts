import {
  DTYPES,
  type DType,
  PRIMITIVE_ARITY,
  type PrimitiveName,
  type PrimitiveParams,
  type Shape,
} from "./primitives.js";

/** Static type of a value in a graph: its shape and dtype. */
export interface ValueType {
  readonly shape: Shape;
  readonly dtype: DType;
}

export interface NodeOf<P extends PrimitiveName> {
  readonly prim: P;
  readonly params: PrimitiveParams[P];
  /** Value ids of the inputs. */
  readonly inputs: readonly number[];
  readonly out: ValueType;
}

export type GraphNode = { [P in PrimitiveName]: NodeOf<P> }[PrimitiveName];

/**
 * A traced computation. Value ids number the graph inputs first
 * (0 … inputs.length − 1), then one value per node in order.
 */
export interface Graph {
  readonly inputs: readonly ValueType[];
  readonly nodes: readonly GraphNode[];
  readonly outputs: readonly number[];
}

export function valueTypeOf(graph: Graph, id: number): ValueType {
  const n = graph.inputs.length;
  return id < n ? graph.inputs[id] : graph.nodes[id - n].out;
}

export function sizeOf(shape: Shape): number {
  let s = 1;
  for (const d of shape) s *= d;
  return s;
}

/** The stride of each axis of a row-major (C-order) array of `shape`, in elements. */
export function rowMajorStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

export function shapeToString(shape: Shape): string {
  return `(${shape.join(", ")})`;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export class ShapeError extends Error {
  override name = "ShapeError";
}

function fail(prim: string, message: string): never {
  throw new ShapeError(`${prim}: ${message}`);
}

function checkAxis(prim: string, axis: number, rank: number): void {
  if (!Number.isInteger(axis) || axis < 0 || axis >= rank) {
    fail(prim, `axis ${axis} is out of range for a tensor of rank ${rank}`);
  }
}

function checkShape(prim: string, shape: Shape): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) fail(prim, `invalid shape ${shapeToString(shape)}`);
  }
}

export function checkDType(where: string, dtype: string): asserts dtype is DType {
  if (!(DTYPES as readonly string[]).includes(dtype)) {
    throw new TypeError(`${where}: unknown dtype "${dtype}" (expected one of ${DTYPES.join(", ")})`);
  }
}

/**
 * The output type of a primitive applied to inputs of the given types, or a
 * ShapeError naming the primitive and the offending shapes.
 */
export function inferOutput<P extends PrimitiveName>(
  prim: P,
  inputs: readonly ValueType[],
  params: PrimitiveParams[P],
): ValueType {
  const arity = PRIMITIVE_ARITY[prim];
  if (arity === "variadic" ? inputs.length < 1 : inputs.length !== arity) {
    fail(prim, `expected ${arity === "variadic" ? "at least 1" : arity} input(s), got ${inputs.length}`);
  }
  if (prim !== "fill" && prim !== "cast") {
    const dtype = inputs[0].dtype;
    for (const t of inputs) {
      if (t.dtype !== dtype) fail(prim, `mixed dtypes ${inputs.map((i) => i.dtype).join(", ")} (cast first)`);
    }
  }
  const p = params as PrimitiveParams[PrimitiveName];
  switch (prim) {
    case "add":
    case "sub":
    case "mul":
    case "div":
    case "greater":
    case "equal":
    case "select": {
      const s = inputs[0].shape;
      for (const t of inputs) {
        if (!sameShape(t.shape, s)) {
          fail(prim, `shapes ${inputs.map((i) => shapeToString(i.shape)).join(" and ")} differ`);
        }
      }
      return inputs[0];
    }
    case "neg":
    case "exp":
    case "log":
    case "sqrt":
    case "tanh":
    case "sigmoid":
    case "relu":
      return inputs[0];
    case "matmul": {
      const [a, b] = inputs;
      if (a.shape.length !== 2 || b.shape.length !== 2) {
        fail(prim, `expects rank-2 operands, got ${shapeToString(a.shape)} and ${shapeToString(b.shape)}`);
      }
      if (a.shape[1] !== b.shape[0]) {
        fail(prim, `inner dimensions differ: ${shapeToString(a.shape)} · ${shapeToString(b.shape)}`);
      }
      return { shape: [a.shape[0], b.shape[1]], dtype: a.dtype };
    }
    case "sum":
    case "max": {
      const { axes } = p as PrimitiveParams["sum"];
      const shape = [...inputs[0].shape];
      for (const ax of axes) {
        checkAxis(prim, ax, shape.length);
        shape[ax] = 1;
      }
      if (prim === "max") {
        for (const ax of axes)
          if (inputs[0].shape[ax] === 0) fail(prim, `cannot take the max over empty axis ${ax}`);
      }
      return { shape, dtype: inputs[0].dtype };
    }
    case "broadcast": {
      const { shape } = p as PrimitiveParams["broadcast"];
      checkShape(prim, shape);
      const s = inputs[0].shape;
      if (s.length !== shape.length || s.some((d, i) => d !== 1 && d !== shape[i])) {
        fail(prim, `cannot broadcast ${shapeToString(s)} to ${shapeToString(shape)}`);
      }
      return { shape: [...shape], dtype: inputs[0].dtype };
    }
    case "reshape": {
      const { shape } = p as PrimitiveParams["reshape"];
      checkShape(prim, shape);
      if (sizeOf(shape) !== sizeOf(inputs[0].shape)) {
        fail(prim, `cannot reshape ${shapeToString(inputs[0].shape)} to ${shapeToString(shape)}`);
      }
      return { shape: [...shape], dtype: inputs[0].dtype };
    }
    case "transpose": {
      const { perm } = p as PrimitiveParams["transpose"];
      const s = inputs[0].shape;
      const seen = new Set(perm);
      if (perm.length !== s.length || seen.size !== s.length || perm.some((a) => !(a >= 0 && a < s.length))) {
        fail(prim, `perm [${perm.join(", ")}] is not a permutation of the axes of ${shapeToString(s)}`);
      }
      return { shape: perm.map((a) => s[a]), dtype: inputs[0].dtype };
    }
    case "slice": {
      const { begin, size } = p as PrimitiveParams["slice"];
      const s = inputs[0].shape;
      if (begin.length !== s.length || size.length !== s.length) {
        fail(prim, `begin and size must have rank ${s.length}`);
      }
      for (let i = 0; i < s.length; i++) {
        if (
          !(
            Number.isInteger(begin[i]) &&
            Number.isInteger(size[i]) &&
            begin[i] >= 0 &&
            size[i] >= 0 &&
            begin[i] + size[i] <= s[i]
          )
        ) {
          fail(
            prim,
            `slice [${begin.join(", ")}] + [${size.join(", ")}] is out of bounds for ${shapeToString(s)}`,
          );
        }
      }
      return { shape: [...size], dtype: inputs[0].dtype };
    }
    case "concat": {
      const { axis } = p as PrimitiveParams["concat"];
      const s = inputs[0].shape;
      checkAxis(prim, axis, s.length);
      let total = 0;
      for (const t of inputs) {
        if (t.shape.length !== s.length || t.shape.some((d, i) => i !== axis && d !== s[i])) {
          fail(
            prim,
            `shapes ${inputs.map((i) => shapeToString(i.shape)).join(", ")} differ off axis ${axis}`,
          );
        }
        total += t.shape[axis];
      }
      const shape = [...s];
      shape[axis] = total;
      return { shape, dtype: s.length ? inputs[0].dtype : inputs[0].dtype };
    }
    case "gather": {
      const { axis, indices } = p as PrimitiveParams["gather"];
      const s = inputs[0].shape;
      checkAxis(prim, axis, s.length);
      for (const i of indices) {
        if (!Number.isInteger(i) || i < 0 || i >= s[axis])
          fail(prim, `index ${i} is out of range [0, ${s[axis]})`);
      }
      const shape = [...s];
      shape[axis] = indices.length;
      return { shape, dtype: inputs[0].dtype };
    }
    case "scatterAdd": {
      const { axis, indices, size } = p as PrimitiveParams["scatterAdd"];
      const s = inputs[0].shape;
      checkAxis(prim, axis, s.length);
      if (indices.length !== s[axis])
        fail(prim, `${indices.length} indices for axis ${axis} of size ${s[axis]}`);
      for (const i of indices) {
        if (!Number.isInteger(i) || i < 0 || i >= size) fail(prim, `index ${i} is out of range [0, ${size})`);
      }
      const shape = [...s];
      shape[axis] = size;
      return { shape, dtype: inputs[0].dtype };
    }
    case "fill": {
      const { shape, dtype } = p as PrimitiveParams["fill"];
      checkShape(prim, shape);
      checkDType(prim, dtype);
      return { shape: [...shape], dtype };
    }
    case "cast": {
      const { dtype } = p as PrimitiveParams["cast"];
      checkDType(prim, dtype);
      return { shape: inputs[0].shape, dtype };
    }
  }
  return fail(prim, "unknown primitive");
}
