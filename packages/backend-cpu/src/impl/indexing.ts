/**
 * gather / scatterAdd along one axis with static index lists. x is viewed as
 * [outer, dim, inner] where dim is the size of `axis`.
 */
import type { HostArray, Shape } from "@neureco/core";
import { productOf } from "./shape.js";

/** out[o, j, i] = x[o, indices[j], i] */
export function gatherImpl(
  x: HostArray,
  shape: Shape,
  axis: number,
  indices: readonly number[],
  out: HostArray,
): void {
  const outer = productOf(shape, 0, axis);
  const dim = shape[axis];
  const inner = productOf(shape, axis + 1, shape.length);
  const count = indices.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < count; j++) {
      const src = (o * dim + indices[j]) * inner;
      const dst = (o * count + j) * inner;
      if (inner === 1) out[dst] = x[src];
      else out.set(x.subarray(src, src + inner), dst);
    }
  }
}

/** out (size `size` along axis) = 0; out[o, indices[j], i] += x[o, j, i] */
export function scatterAddImpl(
  x: HostArray,
  shape: Shape,
  axis: number,
  indices: readonly number[],
  size: number,
  out: HostArray,
): void {
  out.fill(0);
  const outer = productOf(shape, 0, axis);
  const dim = shape[axis];
  const inner = productOf(shape, axis + 1, shape.length);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < dim; j++) {
      const src = (o * dim + j) * inner;
      const dst = (o * size + indices[j]) * inner;
      for (let i = 0; i < inner; i++) out[dst + i] += x[src + i];
    }
  }
}
