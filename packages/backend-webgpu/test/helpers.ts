import type { Backend, PrimitiveName, PrimitiveParams, Shape, TensorInfo } from "@neureco/core";

/** Uploads float32 values as a kernel input. */
export function input(backend: Backend, values: ArrayLike<number>, shape: Shape): TensorInfo {
  return { dataId: backend.upload(Float32Array.from(values), shape, "float32"), shape, dtype: "float32" };
}

/** Runs one primitive and returns its float32 output as a kernel input for the next. */
export function apply<P extends PrimitiveName>(
  backend: Backend,
  prim: P,
  inputs: readonly TensorInfo[],
  params: PrimitiveParams[P],
  shape: Shape,
): TensorInfo {
  const kernel = backend.kernels[prim];
  return { dataId: kernel(inputs, params, { shape, dtype: "float32" }), shape, dtype: "float32" };
}

export async function readArray(backend: Backend, info: TensorInfo): Promise<number[]> {
  return Array.from(await backend.read(info));
}

/** Deterministic pseudo-random values in [-1, 1) (mulberry32). */
export function randomValues(count: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** Largest |a[i] - b[i]|. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}
