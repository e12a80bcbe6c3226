/**
 * A program is a pure description of one compute dispatch: which shader (by
 * cache key and WGSL generator), its per-dispatch parameters and its grid.
 * Kernels build programs; the runtime compiles, caches and dispatches them.
 *
 * Binding convention of every shader: @binding(0) the uniform parameters,
 * @binding(1..k) the read-only inputs in order, @binding(k+1) the output
 * (a shader with several outputs declares its storage bindings 1, 2, ... in
 * the order its caller passes the buffers).
 */
export interface Program {
  /** Family name, for messages. */
  readonly name: string;
  /** Everything the WGSL text depends on: equal keys mean identical shaders. */
  readonly cacheKey: string;
  readonly wgsl: () => string;
  /** Shapes, strides and counts, as u32 words (floats go in as their bits). */
  readonly uniforms: Uint32Array<ArrayBuffer>;
  /** Workgroups along x, y, z. */
  readonly dispatch: readonly [number, number, number];
}

/** Element type of a storage binding. */
export type StorageType = "f32" | "u32";

/** Threads per workgroup of the one-thread-per-element shaders. */
export const WORKGROUP_SIZE = 64;

/**
 * Common WGSL prelude: the uniform block (read with `p(i)`), the storage
 * bindings (`in0`, `in1`, ... and `out`) and `linearIndex`, which folds a
 * multi-dimensional dispatch grid back into one element index.
 */
export function wgslPrelude(uniformWords: number, inputs: readonly StorageType[]): string {
  const vec4s = Math.max(1, Math.ceil(uniformWords / 4));
  const inputDecls = inputs
    .map((type, i) => `@group(0) @binding(${i + 1}) var<storage, read> in${i}: array<${type}>;`)
    .join("\n");
  return `
struct Params { v: array<vec4<u32>, ${vec4s}> }
@group(0) @binding(0) var<uniform> params: Params;
${inputDecls}
@group(0) @binding(${inputs.length + 1}) var<storage, read_write> out: array<f32>;

fn p(i: u32) -> u32 { return params.v[i / 4u][i % 4u]; }

fn linearIndex(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + (gid.y + gid.z * nwg.y) * nwg.x * ${WORKGROUP_SIZE}u;
}
`;
}

/** Entry point signature of the one-thread-per-element shaders. */
export const ELEMENT_ENTRY = `@compute @workgroup_size(${WORKGROUP_SIZE})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>)`;

/** A grid of at least `items` threads that respects the per-dimension workgroup limit. */
export function elementGrid(items: number, maxPerDimension: number): [number, number, number] {
  const groups = Math.max(1, Math.ceil(items / WORKGROUP_SIZE));
  const x = Math.min(groups, maxPerDimension);
  const rest = Math.ceil(groups / x);
  const y = Math.min(rest, maxPerDimension);
  const z = Math.ceil(rest / y);
  if (z > maxPerDimension) throw new Error(`webgpu: ${items} elements exceed the largest dispatch grid`);
  return [x, y, z];
}

/** Packs numbers as u32 uniform words, padded to whole vec4s. */
export function uniformWords(values: readonly number[]): Uint32Array<ArrayBuffer> {
  const words = new Uint32Array(Math.max(4, Math.ceil(values.length / 4) * 4));
  words.set(values);
  return words;
}

/** Bit pattern of an f32, for passing floats through the u32 uniform block. */
export function f32Bits(value: number): number {
  return new Uint32Array(new Float32Array([value]).buffer)[0];
}
