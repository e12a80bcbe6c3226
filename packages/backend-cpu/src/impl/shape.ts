/** Shape arithmetic shared by the kernels. */
import type { Shape } from "@neureco/core";

/** Product of the dims in [from, to). */
export function productOf(shape: Shape, from: number, to: number): number {
  let n = 1;
  for (let i = from; i < to; i++) n *= shape[i];
  return n;
}

/** A view of an n-dimensional walk: dims and the source stride of each. */
export interface StridedWalk {
  readonly dims: number[];
  readonly strides: number[];
}

/**
 * Simplifies a walk without changing the order it visits the source: drops
 * dims of size 1 and merges neighbours that are contiguous in the source
 * (stride[i] = stride[i+1] · dim[i+1]), so that broadcasts, slices and
 * transposes reduce to a few long runs.
 */
export function collapseWalk(dims: readonly number[], strides: readonly number[]): StridedWalk {
  const outDims: number[] = [];
  const outStrides: number[] = [];
  for (let i = 0; i < dims.length; i++) {
    if (dims[i] === 1) continue;
    const last = outDims.length - 1;
    if (last >= 0 && outStrides[last] === strides[i] * dims[i]) {
      outDims[last] *= dims[i];
      outStrides[last] = strides[i];
    } else {
      outDims.push(dims[i]);
      outStrides.push(strides[i]);
    }
  }
  return { dims: outDims, strides: outStrides };
}
