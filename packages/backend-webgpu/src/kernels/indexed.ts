import {
  type DataId,
  type OutputSpec,
  type PrimitiveParams,
  type Shape,
  sizeOf,
  type TensorInfo,
} from "@neureco/core";
import { ELEMENT_ENTRY, elementGrid, type Program, uniformWords, wgslPrelude } from "../program.js";
import type { GpuRuntime } from "../runtime.js";
import { formatShape } from "../shape.js";
import { createOutput, tensorOf } from "../tensor.js";
import { fillBuffer } from "./fill.js";

/** View of a shape around `axis` as [outer, axis dim, inner]. */
function aroundAxis(shape: Shape, axis: number): { outer: number; inner: number } {
  return { outer: sizeOf(shape.slice(0, axis)), inner: sizeOf(shape.slice(axis + 1)) };
}

function checkAxis(shape: Shape, axis: number, what: string): void {
  if (!Number.isInteger(axis) || axis < 0 || axis >= shape.length) {
    throw new Error(`webgpu ${what}: axis ${axis} out of range for ${formatShape(shape)}`);
  }
}

function checkIndices(indices: readonly number[], bound: number, what: string): void {
  const bad = indices.find((i) => !Number.isInteger(i) || i < 0 || i >= bound);
  if (bad !== undefined) throw new Error(`webgpu ${what}: index ${bad} out of range [0, ${bound})`);
}

// in0: data, in1: the index list; out[o, j, q] = in0[o, indices[j], q].
const GATHER_WGSL = `${wgslPrelude(5, ["f32", "u32"])}
${ELEMENT_ENTRY} {
  let i = linearIndex(gid, nwg);
  if (i >= p(0u)) { return; }
  let axisIn = p(2u);
  let picks = p(3u);
  let inner = p(4u);
  let q = i % inner;
  let j = (i / inner) % picks;
  let o = i / (inner * picks);
  out[i] = in0[(o * axisIn + in1[j]) * inner + q];
}`;

export function gatherKernel(
  rt: GpuRuntime,
  inputs: readonly TensorInfo[],
  params: PrimitiveParams["gather"],
  out: OutputSpec,
): DataId {
  const input = inputs[0];
  const source = tensorOf(rt, input, "gather");
  const { axis, indices } = params;
  checkAxis(input.shape, axis, "gather");
  checkIndices(indices, input.shape[axis], "gather");
  const result = createOutput(rt, out, "gather");
  if (result.size === 0) return result;
  const { outer, inner } = aroundAxis(input.shape, axis);
  const indexBuffer = rt.indexBuffers.get(`gather:${indices.join(",")}`, () => Uint32Array.from(indices));
  const program: Program = {
    name: "gather",
    cacheKey: "gather",
    wgsl: () => GATHER_WGSL,
    uniforms: uniformWords([result.size, outer, input.shape[axis], indices.length, inner]),
    dispatch: elementGrid(result.size, rt.maxWorkgroupsPerDimension),
  };
  rt.dispatch(program, [source.buffer, indexBuffer], result.buffer);
  return result;
}

/**
 * Inverse of an index list, in CSR form: words [0, size] are offsets, and
 * positions offsets[s] .. offsets[s+1] (after them) list every j with
 * indices[j] = s, in increasing order. Each output slot then sums its own
 * sources, so no float atomics are needed and the result is deterministic.
 */
export function inverseIndexList(indices: readonly number[], size: number): Uint32Array {
  const words = new Uint32Array(size + 1 + indices.length);
  for (const s of indices) words[s + 1]++;
  for (let s = 0; s < size; s++) words[s + 1] += words[s];
  const cursor = words.slice(0, size);
  indices.forEach((s, j) => {
    words[size + 1 + cursor[s]++] = j;
  });
  return words;
}

// in0: data, in1: inverse index list; out[o, s, q] = Σ_{j: indices[j] = s} in0[o, j, q].
const SCATTER_ADD_WGSL = `${wgslPrelude(5, ["f32", "u32"])}
${ELEMENT_ENTRY} {
  let i = linearIndex(gid, nwg);
  if (i >= p(0u)) { return; }
  let axisIn = p(2u);
  let size = p(3u);
  let inner = p(4u);
  let q = i % inner;
  let s = (i / inner) % size;
  let o = i / (inner * size);
  var acc = 0.0;
  for (var e = in1[s]; e < in1[s + 1u]; e++) {
    let j = in1[size + 1u + e];
    acc += in0[(o * axisIn + j) * inner + q];
  }
  out[i] = acc;
}`;

export function scatterAddKernel(
  rt: GpuRuntime,
  inputs: readonly TensorInfo[],
  params: PrimitiveParams["scatterAdd"],
  out: OutputSpec,
): DataId {
  const input = inputs[0];
  const source = tensorOf(rt, input, "scatterAdd");
  const { axis, indices, size } = params;
  checkAxis(input.shape, axis, "scatterAdd");
  if (indices.length !== input.shape[axis]) {
    throw new Error(
      `webgpu scatterAdd: ${indices.length} indices for axis ${axis} of ${formatShape(input.shape)}`,
    );
  }
  checkIndices(indices, size, "scatterAdd");
  const result = createOutput(rt, out, "scatterAdd");
  if (result.size === 0) return result;
  if (source.size === 0) {
    fillBuffer(rt, result.buffer, result.size, 0);
    return result;
  }
  const { outer, inner } = aroundAxis(input.shape, axis);
  const inverse = rt.indexBuffers.get(`scatter:${size}:${indices.join(",")}`, () =>
    inverseIndexList(indices, size),
  );
  const program: Program = {
    name: "scatterAdd",
    cacheKey: "scatterAdd",
    wgsl: () => SCATTER_ADD_WGSL,
    uniforms: uniformWords([result.size, outer, input.shape[axis], size, inner]),
    dispatch: elementGrid(result.size, rt.maxWorkgroupsPerDimension),
  };
  rt.dispatch(program, [source.buffer, inverse], result.buffer);
  return result;
}
