/// <reference types="@webgpu/types" />
import {
  type DataId,
  type OutputSpec,
  type PrimitiveParams,
  rowMajorStrides,
  type Shape,
  sizeOf,
  type TensorInfo,
} from "@neureco/core";
import { ELEMENT_ENTRY, elementGrid, f32Bits, type Program, uniformWords, wgslPrelude } from "../program.js";
import type { GpuRuntime } from "../runtime.js";
import { checkRank, formatShape, MAX_RANK } from "../shape.js";
import { createOutput, tensorOf } from "../tensor.js";
import { fillBuffer } from "./fill.js";

export type ReduceOp = "sum" | "max";

const COMBINE: { readonly [Op in ReduceOp]: string } = { sum: "acc + x", max: "max(acc, x)" };
const IDENTITY: { readonly [Op in ReduceOp]: number } = { sum: 0, max: Number.NEGATIVE_INFINITY };

/** Above this many reduced elements per output, the reduction is split into chunks (two passes). */
const CHUNK_THRESHOLD = 1024;
const CHUNK_LENGTH = 256;
/** Outputs at which one thread per output already fills the GPU, so chunking is not worth a second pass. */
const MANY_OUTPUTS = 1 << 16;

// Uniform layout (u32 words).
const U_SHAPE = 8; // output shape (reduced axes have size 1)
const U_STRIDES = U_SHAPE + MAX_RANK; // input strides
const U_REDUCED = U_STRIDES + MAX_RANK; // input dims on reduced axes, 1 elsewhere
const U_WORDS = U_REDUCED + MAX_RANK;

/**
 * One thread per (output element, chunk). It finds the input offset of its
 * output element from the output multi-index, then walks chunk `c` of the
 * reduced elements, decoding each into an offset along the reduced axes.
 */
function reduceProgram(
  op: ReduceOp,
  uniforms: Uint32Array<ArrayBuffer>,
  threads: number,
  maxPerDim: number,
): Program {
  return {
    name: `reduce-${op}`,
    cacheKey: `reduce:${op}`,
    wgsl: () => `${wgslPrelude(U_WORDS, ["f32"])}
${ELEMENT_ENTRY} {
  let t = linearIndex(gid, nwg);
  if (t >= p(0u)) { return; }
  let rank = p(1u);
  let count = p(2u);
  let chunks = p(4u);
  let chunkLength = p(5u);
  let c = t % chunks;
  var rem = t / chunks;
  var base = 0u;
  for (var d = rank; d > 0u; d--) {
    let k = d - 1u;
    let size = p(${U_SHAPE}u + k);
    base += (rem % size) * p(${U_STRIDES}u + k);
    rem /= size;
  }
  var acc = bitcast<f32>(p(3u));
  let end = min(count, (c + 1u) * chunkLength);
  for (var j = c * chunkLength; j < end; j++) {
    var r = j;
    var offset = base;
    for (var d = rank; d > 0u; d--) {
      let k = d - 1u;
      let size = p(${U_REDUCED}u + k);
      offset += (r % size) * p(${U_STRIDES}u + k);
      r /= size;
    }
    let x = in0[offset];
    acc = ${COMBINE[op]};
  }
  out[t] = acc;
}`,
    uniforms,
    dispatch: elementGrid(threads, maxPerDim),
  };
}

/**
 * Reduces `source` (of `shape`) over `axes` into `target`; for long
 * reductions with few outputs it reduces chunks into a temporary buffer first
 * and then reduces the chunk results.
 */
export function reduceInto(
  rt: GpuRuntime,
  op: ReduceOp,
  source: GPUBuffer,
  shape: Shape,
  axes: readonly number[],
  target: GPUBuffer,
): void {
  const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const reducedDims = shape.map((d, i) => (axes.includes(i) ? d : 1));
  const outputs = sizeOf(outShape);
  const count = sizeOf(reducedDims);
  const chunked = count > CHUNK_THRESHOLD && outputs < MANY_OUTPUTS;
  const chunks = chunked ? Math.ceil(count / CHUNK_LENGTH) : 1;
  const chunkLength = chunked ? CHUNK_LENGTH : Math.max(count, 1);
  const threads = outputs * chunks;
  const words = new Array<number>(U_WORDS).fill(1);
  words.splice(0, 8, threads, shape.length, count, f32Bits(IDENTITY[op]), chunks, chunkLength, 0, 0);
  outShape.forEach((d, i) => (words[U_SHAPE + i] = d));
  rowMajorStrides(shape).forEach((s, i) => (words[U_STRIDES + i] = s));
  reducedDims.forEach((d, i) => (words[U_REDUCED + i] = d));
  const program = reduceProgram(op, uniformWords(words), threads, rt.maxWorkgroupsPerDimension);
  if (!chunked) {
    rt.dispatch(program, [source], target);
    return;
  }
  const partial = rt.allocate(threads * 4);
  rt.dispatch(program, [source], partial);
  reduceInto(rt, op, partial, [outputs, chunks], [1], target);
  rt.pool.release(partial);
}

export function reduceKernel(op: ReduceOp) {
  return (
    rt: GpuRuntime,
    inputs: readonly TensorInfo[],
    params: PrimitiveParams["sum"],
    out: OutputSpec,
  ): DataId => {
    const input = inputs[0];
    const source = tensorOf(rt, input, op);
    checkRank(input.shape, op);
    const rank = input.shape.length;
    if (params.axes.some((a) => !Number.isInteger(a) || a < 0 || a >= rank)) {
      throw new Error(
        `webgpu ${op}: axes [${params.axes.join(", ")}] out of range for ${formatShape(input.shape)}`,
      );
    }
    const result = createOutput(rt, out, op);
    if (result.size === 0) return result;
    if (source.size === 0) fillBuffer(rt, result.buffer, result.size, IDENTITY[op]);
    else reduceInto(rt, op, source.buffer, input.shape, params.axes, result.buffer);
    return result;
  };
}
