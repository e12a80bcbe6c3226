/**
 * Layout primitives applied to the elements of one row, at compile time:
 * each maps a row-major list of scalar ids (one per element) to another, so
 * that reshapes, transposes, slices and the like cost nothing in the loop.
 */
import { rowMajorStrides, sizeOf } from "../graph.js";
import type { Shape } from "../primitives.js";

/** Calls `visit` with each multi-index of `shape` in row-major order. */
export function forEachIndex(shape: Shape, visit: (index: readonly number[], flat: number) => void): void {
  const total = sizeOf(shape);
  const index = new Array<number>(shape.length).fill(0);
  for (let flat = 0; flat < total; flat++) {
    visit(index, flat);
    for (let axis = shape.length - 1; axis >= 0; axis--) {
      if (++index[axis] < shape[axis]) break;
      index[axis] = 0;
    }
  }
}

function flatIndex(index: readonly number[], strides: readonly number[]): number {
  let flat = 0;
  for (let i = 0; i < index.length; i++) flat += index[i] * strides[i];
  return flat;
}

export function broadcastElements<T>(elements: readonly T[], from: Shape, to: Shape): T[] {
  const strides = rowMajorStrides(from);
  const out: T[] = [];
  forEachIndex(to, (index) => {
    out.push(
      elements[
        flatIndex(
          index.map((d, axis) => (from[axis] === 1 ? 0 : d)),
          strides,
        )
      ],
    );
  });
  return out;
}

/** Output axis i is input axis perm[i]. */
export function transposeElements<T>(elements: readonly T[], shape: Shape, perm: readonly number[]): T[] {
  const strides = rowMajorStrides(shape);
  const out: T[] = [];
  forEachIndex(
    perm.map((p) => shape[p]),
    (index) => {
      let flat = 0;
      perm.forEach((p, i) => {
        flat += index[i] * strides[p];
      });
      out.push(elements[flat]);
    },
  );
  return out;
}

export function sliceElements<T>(
  elements: readonly T[],
  shape: Shape,
  begin: readonly number[],
  size: Shape,
): T[] {
  const strides = rowMajorStrides(shape);
  const out: T[] = [];
  forEachIndex(size, (index) => {
    out.push(
      elements[
        flatIndex(
          index.map((d, axis) => d + begin[axis]),
          strides,
        )
      ],
    );
  });
  return out;
}

export function concatElements<T>(
  parts: readonly { elements: readonly T[]; shape: Shape }[],
  axis: number,
): T[] {
  const outShape = [...parts[0].shape];
  outShape[axis] = parts.reduce((n, p) => n + p.shape[axis], 0);
  const out: T[] = [];
  forEachIndex(outShape, (index) => {
    let along = index[axis];
    let part = 0;
    while (along >= parts[part].shape[axis]) along -= parts[part++].shape[axis];
    const local = [...index];
    local[axis] = along;
    out.push(parts[part].elements[flatIndex(local, rowMajorStrides(parts[part].shape))]);
  });
  return out;
}

export function gatherElements<T>(
  elements: readonly T[],
  shape: Shape,
  axis: number,
  indices: readonly number[],
): T[] {
  const strides = rowMajorStrides(shape);
  const outShape = [...shape];
  outShape[axis] = indices.length;
  const out: T[] = [];
  forEachIndex(outShape, (index) => {
    const source = [...index];
    source[axis] = indices[index[axis]];
    out.push(elements[flatIndex(source, strides)]);
  });
  return out;
}

/**
 * For each output element of a reduction over `axes` (kept with size 1),
 * the input elements it combines, in row-major order.
 */
export function reductionGroups<T>(elements: readonly T[], shape: Shape, axes: readonly number[]): T[][] {
  const outShape = shape.map((d, axis) => (axes.includes(axis) ? 1 : d));
  const outStrides = rowMajorStrides(outShape);
  const groups: T[][] = Array.from({ length: sizeOf(outShape) }, () => []);
  forEachIndex(shape, (index, flat) => {
    groups[
      flatIndex(
        index.map((d, axis) => (axes.includes(axis) ? 0 : d)),
        outStrides,
      )
    ].push(elements[flat]);
  });
  return groups;
}

/**
 * For each output element of scatterAdd along `axis` into `size` slots, the
 * input elements added into it, in input order.
 */
export function scatterGroups<T>(
  elements: readonly T[],
  shape: Shape,
  axis: number,
  indices: readonly number[],
  size: number,
): T[][] {
  const outShape = [...shape];
  outShape[axis] = size;
  const outStrides = rowMajorStrides(outShape);
  const groups: T[][] = Array.from({ length: sizeOf(outShape) }, () => []);
  forEachIndex(shape, (index, flat) => {
    const target = [...index];
    target[axis] = indices[index[axis]];
    groups[flatIndex(target, outStrides)].push(elements[flat]);
  });
  return groups;
}
