/**
 * A plain float64 reference implementation of every primitive, written for
 * obviousness rather than speed: each output element is computed from its
 * multi-index. Backends are tested against it.
 */
import { rowMajorStrides, sizeOf } from "../graph.js";
import type { DType, PrimitiveName, PrimitiveParams, Shape } from "../primitives.js";

/** A host value in row-major order. */
export interface RefValue {
  readonly data: Float64Array;
  readonly shape: Shape;
}

function flatIndex(index: readonly number[], strides: readonly number[]): number {
  let flat = 0;
  for (let i = 0; i < index.length; i++) flat += index[i] * strides[i];
  return flat;
}

/** Calls `fn` with the multi-index of every element of `shape`, in row-major order. */
function forEachIndex(shape: Shape, fn: (index: number[], flat: number) => void): void {
  const n = sizeOf(shape);
  const strides = rowMajorStrides(shape);
  for (let flat = 0; flat < n; flat++) {
    const index = shape.map((d, i) => Math.floor(flat / strides[i]) % d);
    fn(index, flat);
  }
}

function assertSameShape(a: Shape, b: Shape, what: string): void {
  if (a.length !== b.length || a.some((d, i) => d !== b[i])) {
    throw new Error(`${what}: shapes [${a.join(", ")}] and [${b.join(", ")}] differ`);
  }
}

function mapValue(x: RefValue, f: (v: number) => number): RefValue {
  return { data: x.data.map(f), shape: [...x.shape] };
}

function zipValues(a: RefValue, b: RefValue, f: (x: number, y: number) => number, what: string): RefValue {
  assertSameShape(a.shape, b.shape, what);
  return { data: a.data.map((x, i) => f(x, b.data[i])), shape: [...a.shape] };
}

export const refAdd = (a: RefValue, b: RefValue) => zipValues(a, b, (x, y) => x + y, "add");
export const refSub = (a: RefValue, b: RefValue) => zipValues(a, b, (x, y) => x - y, "sub");
export const refMul = (a: RefValue, b: RefValue) => zipValues(a, b, (x, y) => x * y, "mul");
export const refDiv = (a: RefValue, b: RefValue) => zipValues(a, b, (x, y) => x / y, "div");
export const refGreater = (a: RefValue, b: RefValue) => zipValues(a, b, (x, y) => (x > y ? 1 : 0), "greater");
export const refEqual = (a: RefValue, b: RefValue) => zipValues(a, b, (x, y) => (x === y ? 1 : 0), "equal");

export const refNeg = (x: RefValue) => mapValue(x, (v) => -v);
export const refExp = (x: RefValue) => mapValue(x, Math.exp);
export const refLog = (x: RefValue) => mapValue(x, Math.log);
export const refSqrt = (x: RefValue) => mapValue(x, Math.sqrt);
export const refTanh = (x: RefValue) => mapValue(x, Math.tanh);
export const refSigmoid = (x: RefValue) => mapValue(x, (v) => 1 / (1 + Math.exp(-v)));
export const refRelu = (x: RefValue) => mapValue(x, (v) => (v > 0 ? v : 0));

export function refSelect(cond: RefValue, a: RefValue, b: RefValue): RefValue {
  assertSameShape(cond.shape, a.shape, "select");
  assertSameShape(a.shape, b.shape, "select");
  return { data: cond.data.map((c, i) => (c !== 0 ? a.data[i] : b.data[i])), shape: [...a.shape] };
}

export function refMatmul(a: RefValue, b: RefValue): RefValue {
  if (a.shape.length !== 2 || b.shape.length !== 2 || a.shape[1] !== b.shape[0]) {
    throw new Error(`matmul: cannot multiply [${a.shape.join(", ")}] by [${b.shape.join(", ")}]`);
  }
  const [n, k] = a.shape;
  const m = b.shape[1];
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a.data[i * k + p] * b.data[p * m + j];
      out[i * m + j] = s;
    }
  }
  return { data: out, shape: [n, m] };
}

/** Output shape of a reduction: reduced axes kept with size 1. */
export function reducedShape(shape: Shape, axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

function reduce(
  x: RefValue,
  axes: readonly number[],
  init: number,
  combine: (acc: number, v: number) => number,
): RefValue {
  const outShape = reducedShape(x.shape, axes);
  const outStrides = rowMajorStrides(outShape);
  const out = new Float64Array(sizeOf(outShape)).fill(init);
  forEachIndex(x.shape, (index, flat) => {
    const o = flatIndex(
      index.map((v, i) => (axes.includes(i) ? 0 : v)),
      outStrides,
    );
    out[o] = combine(out[o], x.data[flat]);
  });
  return { data: out, shape: outShape };
}

export const refSum = (x: RefValue, axes: readonly number[]) => reduce(x, axes, 0, (acc, v) => acc + v);
/** The max over an empty set is -Infinity. */
export const refMax = (x: RefValue, axes: readonly number[]) =>
  reduce(x, axes, -Infinity, (acc, v) => Math.max(acc, v));

export function refBroadcast(x: RefValue, shape: Shape): RefValue {
  if (x.shape.length !== shape.length || x.shape.some((d, i) => d !== 1 && d !== shape[i])) {
    throw new Error(`broadcast: cannot broadcast [${x.shape.join(", ")}] to [${shape.join(", ")}]`);
  }
  const inStrides = rowMajorStrides(x.shape);
  const out = new Float64Array(sizeOf(shape));
  forEachIndex(shape, (index, flat) => {
    out[flat] =
      x.data[
        flatIndex(
          index.map((v, i) => (x.shape[i] === 1 ? 0 : v)),
          inStrides,
        )
      ];
  });
  return { data: out, shape: [...shape] };
}

export function refReshape(x: RefValue, shape: Shape): RefValue {
  if (sizeOf(shape) !== x.data.length) {
    throw new Error(`reshape: cannot reshape [${x.shape.join(", ")}] to [${shape.join(", ")}]`);
  }
  return { data: x.data.slice(), shape: [...shape] };
}

export function refTranspose(x: RefValue, perm: readonly number[]): RefValue {
  const outShape = perm.map((p) => x.shape[p]);
  const inStrides = rowMajorStrides(x.shape);
  const out = new Float64Array(x.data.length);
  forEachIndex(outShape, (index, flat) => {
    const inIndex = new Array<number>(perm.length);
    perm.forEach((p, i) => {
      inIndex[p] = index[i];
    });
    out[flat] = x.data[flatIndex(inIndex, inStrides)];
  });
  return { data: out, shape: outShape };
}

export function refSlice(x: RefValue, begin: readonly number[], size: readonly number[]): RefValue {
  const inStrides = rowMajorStrides(x.shape);
  const out = new Float64Array(sizeOf(size));
  forEachIndex(size, (index, flat) => {
    out[flat] =
      x.data[
        flatIndex(
          index.map((v, i) => v + begin[i]),
          inStrides,
        )
      ];
  });
  return { data: out, shape: [...size] };
}

export function refConcat(xs: readonly RefValue[], axis: number): RefValue {
  const outShape = [...xs[0].shape];
  outShape[axis] = xs.reduce((s, x) => s + x.shape[axis], 0);
  const out = new Float64Array(sizeOf(outShape));
  const outStrides = rowMajorStrides(outShape);
  let offset = 0;
  for (const x of xs) {
    forEachIndex(x.shape, (index, flat) => {
      const outIndex = index.map((v, i) => (i === axis ? v + offset : v));
      out[flatIndex(outIndex, outStrides)] = x.data[flat];
    });
    offset += x.shape[axis];
  }
  return { data: out, shape: outShape };
}

export function refGather(x: RefValue, axis: number, indices: readonly number[]): RefValue {
  const outShape = x.shape.map((d, i) => (i === axis ? indices.length : d));
  const inStrides = rowMajorStrides(x.shape);
  const out = new Float64Array(sizeOf(outShape));
  forEachIndex(outShape, (index, flat) => {
    const inIndex = index.map((v, i) => (i === axis ? indices[v] : v));
    out[flat] = x.data[flatIndex(inIndex, inStrides)];
  });
  return { data: out, shape: outShape };
}

export function refScatterAdd(x: RefValue, axis: number, indices: readonly number[], size: number): RefValue {
  const outShape = x.shape.map((d, i) => (i === axis ? size : d));
  const outStrides = rowMajorStrides(outShape);
  const out = new Float64Array(sizeOf(outShape));
  forEachIndex(x.shape, (index, flat) => {
    const outIndex = index.map((v, i) => (i === axis ? indices[v] : v));
    out[flatIndex(outIndex, outStrides)] += x.data[flat];
  });
  return { data: out, shape: outShape };
}

/** Rounds every element to what `dtype` can hold. */
export function roundToDType(data: Float64Array, dtype: DType): Float64Array {
  return dtype === "float32" ? data.map(Math.fround) : data.slice();
}

export function refFill(shape: Shape, value: number, dtype: DType): RefValue {
  return { data: roundToDType(new Float64Array(sizeOf(shape)).fill(value), dtype), shape: [...shape] };
}

export function refCast(x: RefValue, dtype: DType): RefValue {
  return { data: roundToDType(x.data, dtype), shape: [...x.shape] };
}

/** The reference of each primitive, keyed by name: inputs and params in, value out. */
export const REFERENCE: {
  readonly [P in PrimitiveName]: (inputs: readonly RefValue[], params: PrimitiveParams[P]) => RefValue;
} = {
  add: ([a, b]) => refAdd(a, b),
  sub: ([a, b]) => refSub(a, b),
  mul: ([a, b]) => refMul(a, b),
  div: ([a, b]) => refDiv(a, b),
  greater: ([a, b]) => refGreater(a, b),
  equal: ([a, b]) => refEqual(a, b),
  neg: ([x]) => refNeg(x),
  exp: ([x]) => refExp(x),
  log: ([x]) => refLog(x),
  sqrt: ([x]) => refSqrt(x),
  tanh: ([x]) => refTanh(x),
  sigmoid: ([x]) => refSigmoid(x),
  relu: ([x]) => refRelu(x),
  select: ([c, a, b]) => refSelect(c, a, b),
  matmul: ([a, b]) => refMatmul(a, b),
  sum: ([x], p) => refSum(x, p.axes),
  max: ([x], p) => refMax(x, p.axes),
  broadcast: ([x], p) => refBroadcast(x, p.shape),
  reshape: ([x], p) => refReshape(x, p.shape),
  transpose: ([x], p) => refTranspose(x, p.perm),
  slice: ([x], p) => refSlice(x, p.begin, p.size),
  concat: (xs, p) => refConcat(xs, p.axis),
  gather: ([x], p) => refGather(x, p.axis, p.indices),
  scatterAdd: ([x], p) => refScatterAdd(x, p.axis, p.indices, p.size),
  fill: (_inputs, p) => refFill(p.shape, p.value, p.dtype),
  cast: ([x], p) => refCast(x, p.dtype),
};
