/// <reference types="@webgpu/types" />
import { type DataId, type OutputSpec, type PrimitiveParams, sizeOf, type TensorInfo } from "@neureco/core";
import { ELEMENT_ENTRY, elementGrid, f32Bits, type Program, uniformWords, wgslPrelude } from "../program.js";
import type { GpuRuntime } from "../runtime.js";
import { formatShape } from "../shape.js";
import { assertFloat32, createOutput, tensorOf } from "../tensor.js";

function fillProgram(size: number, value: number, maxPerDim: number): Program {
  return {
    name: "fill",
    cacheKey: "fill",
    // The value travels as bits through the uniforms, so ±inf and NaN work
    // (they are not allowed as WGSL constants).
    wgsl: () => `${wgslPrelude(2, [])}
${ELEMENT_ENTRY} {
  let i = linearIndex(gid, nwg);
  if (i >= p(0u)) { return; }
  out[i] = bitcast<f32>(p(1u));
}`,
    uniforms: uniformWords([size, f32Bits(value)]),
    dispatch: elementGrid(size, maxPerDim),
  };
}

/** Records a dispatch that sets the first `size` floats of `buffer` to `value`. */
export function fillBuffer(rt: GpuRuntime, buffer: GPUBuffer, size: number, value: number): void {
  if (size > 0) rt.dispatch(fillProgram(size, value, rt.maxWorkgroupsPerDimension), [], buffer);
}

export function fillKernel(
  rt: GpuRuntime,
  _inputs: readonly TensorInfo[],
  params: PrimitiveParams["fill"],
  out: OutputSpec,
): DataId {
  assertFloat32(params.dtype, "fill");
  const result = createOutput(rt, out, "fill");
  if (result.size > 0) fillBuffer(rt, result.buffer, result.size, params.value);
  return result;
}

/** A copy of the input's elements in a new buffer (reshape, and cast float32 -> float32). */
function copyKernel(what: string) {
  return (rt: GpuRuntime, inputs: readonly TensorInfo[], out: OutputSpec): DataId => {
    const source = tensorOf(rt, inputs[0], what);
    if (sizeOf(inputs[0].shape) !== sizeOf(out.shape)) {
      throw new Error(
        `webgpu ${what}: cannot turn ${formatShape(inputs[0].shape)} into ${formatShape(out.shape)}`,
      );
    }
    const result = createOutput(rt, out, what);
    if (result.size > 0) rt.copy(source.buffer, 0, result.buffer, 0, result.size * 4);
    return result;
  };
}

export const reshapeKernel = copyKernel("reshape");

export function castKernel(
  rt: GpuRuntime,
  inputs: readonly TensorInfo[],
  params: PrimitiveParams["cast"],
  out: OutputSpec,
): DataId {
  assertFloat32(params.dtype, "cast");
  return copyKernel("cast")(rt, inputs, out);
}
