import type { Shape } from "@neureco/core";

/** Highest rank the layout and reduction shaders accept (shapes live in fixed-size uniforms). */
export const MAX_RANK = 6;

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function rowMajorStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

export function checkRank(shape: Shape, what: string): void {
  if (shape.length > MAX_RANK) {
    throw new Error(`webgpu ${what}: rank ${shape.length} is above the supported maximum of ${MAX_RANK}`);
  }
}

export const formatShape = (shape: Shape): string => `[${shape.join(", ")}]`;
