/** Data-movement primitives on typed arrays: broadcast, transpose, slice, concat. */
import { type HostArray, rowMajorStrides, type Shape } from "@neureco/core";
import { productOf } from "./shape.js";
import { stridedCopyImpl } from "./strided-copy.js";

/** numpy-style broadcast of `x` (shape `inShape`, same rank) to `outShape`. */
export function broadcastImpl(x: HostArray, inShape: Shape, outShape: Shape, out: HostArray): void {
  const inStrides = rowMajorStrides(inShape);
  const strides = outShape.map((_, i) => (inShape[i] === 1 ? 0 : inStrides[i]));
  stridedCopyImpl(x, 0, outShape, strides, out);
}

/** Output dim i is input dim perm[i]. */
export function transposeImpl(x: HostArray, shape: Shape, perm: readonly number[], out: HostArray): void {
  const inStrides = rowMajorStrides(shape);
  stridedCopyImpl(
    x,
    0,
    perm.map((p) => shape[p]),
    perm.map((p) => inStrides[p]),
    out,
  );
}

export function sliceImpl(
  x: HostArray,
  shape: Shape,
  begin: readonly number[],
  size: readonly number[],
  out: HostArray,
): void {
  const strides = rowMajorStrides(shape);
  let offset = 0;
  for (let i = 0; i < shape.length; i++) offset += begin[i] * strides[i];
  stridedCopyImpl(x, offset, size, strides, out);
}

/** Concatenates along `axis`; each input is copied as `outer` contiguous blocks. */
export function concatImpl(
  xs: readonly { readonly data: HostArray; readonly shape: Shape }[],
  axis: number,
  out: HostArray,
): void {
  if (xs.length === 0) return;
  const shape = xs[0].shape;
  const outer = productOf(shape, 0, axis);
  const inner = productOf(shape, axis + 1, shape.length);
  let rowLength = 0;
  for (const x of xs) rowLength += x.shape[axis] * inner;
  let start = 0;
  for (const x of xs) {
    const block = x.shape[axis] * inner;
    if (block > 0) {
      for (let o = 0; o < outer; o++) {
        out.set(x.data.subarray(o * block, (o + 1) * block), o * rowLength + start);
      }
    }
    start += block;
  }
}
