import type { Shape } from "@neureco/core";

/** Highest rank the layout and reduction shaders accept (shapes live in fixed-size uniforms). */
export const MAX_RANK = 6;

export function checkRank(shape: Shape, what: string): void {
  if (shape.length > MAX_RANK) {
    throw new Error(`webgpu ${what}: rank ${shape.length} is above the supported maximum of ${MAX_RANK}`);
  }
}

export const formatShape = (shape: Shape): string => `[${shape.join(", ")}]`;
