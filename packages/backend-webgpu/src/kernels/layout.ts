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
import { ELEMENT_ENTRY, elementGrid, type Program, uniformWords, wgslPrelude } from "../program.js";
import type { GpuRuntime } from "../runtime.js";
import { checkRank, formatShape, MAX_RANK } from "../shape.js";
import { createOutput, tensorOf } from "../tensor.js";

// Uniform layout (u32 words).
const U_SHAPE = 4; // iteration shape
const U_SRC = U_SHAPE + MAX_RANK; // source strides
const U_DST = U_SRC + MAX_RANK; // target strides
const U_WORDS = U_DST + MAX_RANK;

const STRIDED_COPY_WGSL = `${wgslPrelude(U_WORDS, ["f32"])}
${ELEMENT_ENTRY} {
  let i = linearIndex(gid, nwg);
  if (i >= p(0u)) { return; }
  var rem = i;
  var src = p(2u);
  var dst = p(3u);
  for (var d = p(1u); d > 0u; d--) {
    let k = d - 1u;
    let size = p(${U_SHAPE}u + k);
    let c = rem % size;
    rem /= size;
    src += c * p(${U_SRC}u + k);
    dst += c * p(${U_DST}u + k);
  }
  out[dst] = in0[src];
}`;

interface StridedCopy {
  /** Shape iterated over (one thread per element). */
  readonly shape: Shape;
  readonly sourceBase: number;
  readonly sourceStrides: readonly number[];
  readonly targetBase: number;
  readonly targetStrides: readonly number[];
}

/**
 * The one program behind broadcast, transpose, slice and concat: for each
 * multi-index c of `shape`, target[targetBase + c·targetStrides] =
 * source[sourceBase + c·sourceStrides].
 */
function stridedCopy(rt: GpuRuntime, source: GPUBuffer, target: GPUBuffer, copy: StridedCopy): void {
  const total = sizeOf(copy.shape);
  if (total === 0) return;
  const words = new Array<number>(U_WORDS).fill(0);
  words.splice(0, 4, total, copy.shape.length, copy.sourceBase, copy.targetBase);
  copy.shape.forEach((d, i) => {
    words[U_SHAPE + i] = d;
    words[U_SRC + i] = copy.sourceStrides[i];
    words[U_DST + i] = copy.targetStrides[i];
  });
  const program: Program = {
    name: "strided-copy",
    cacheKey: "strided-copy",
    wgsl: () => STRIDED_COPY_WGSL,
    uniforms: uniformWords(words),
    dispatch: elementGrid(total, rt.maxWorkgroupsPerDimension),
  };
  rt.dispatch(program, [source], target);
}

export function broadcastKernel(
  rt: GpuRuntime,
  inputs: readonly TensorInfo[],
  params: PrimitiveParams["broadcast"],
  out: OutputSpec,
): DataId {
  const input = inputs[0];
  const source = tensorOf(rt, input, "broadcast");
  const { shape } = params;
  checkRank(shape, "broadcast");
  if (input.shape.length !== shape.length || input.shape.some((d, i) => d !== 1 && d !== shape[i])) {
    throw new Error(
      `webgpu broadcast: cannot broadcast ${formatShape(input.shape)} to ${formatShape(shape)}`,
    );
  }
  const result = createOutput(rt, out, "broadcast");
  if (result.size === 0) return result;
  const inStrides = rowMajorStrides(input.shape);
  stridedCopy(rt, source.buffer, result.buffer, {
    shape,
    sourceBase: 0,
    sourceStrides: inStrides.map((s, i) => (input.shape[i] === 1 ? 0 : s)),
    targetBase: 0,
    targetStrides: rowMajorStrides(shape),
  });
  return result;
}

export function transposeKernel(
  rt: GpuRuntime,
  inputs: readonly TensorInfo[],
  params: PrimitiveParams["transpose"],
  out: OutputSpec,
): DataId {
  const input = inputs[0];
  const source = tensorOf(rt, input, "transpose");
  const { perm } = params;
  checkRank(input.shape, "transpose");
  const isPermutation =
    perm.length === input.shape.length && [...perm].sort((a, b) => a - b).every((p, i) => p === i);
  if (!isPermutation) {
    throw new Error(
      `webgpu transpose: [${perm.join(", ")}] is not a permutation of ${formatShape(input.shape)}'s axes`,
    );
  }
  const result = createOutput(rt, out, "transpose");
  if (result.size === 0) return result;
  const outShape = perm.map((p) => input.shape[p]);
  const inStrides = rowMajorStrides(input.shape);
  stridedCopy(rt, source.buffer, result.buffer, {
    shape: outShape,
    sourceBase: 0,
    sourceStrides: perm.map((p) => inStrides[p]),
    targetBase: 0,
    targetStrides: rowMajorStrides(outShape),
  });
  return result;
}

export function sliceKernel(
  rt: GpuRuntime,
  inputs: readonly TensorInfo[],
  params: PrimitiveParams["slice"],
  out: OutputSpec,
): DataId {
  const input = inputs[0];
  const source = tensorOf(rt, input, "slice");
  const { begin, size } = params;
  checkRank(input.shape, "slice");
  const valid =
    begin.length === input.shape.length &&
    size.length === input.shape.length &&
    input.shape.every((d, i) => begin[i] >= 0 && size[i] >= 0 && begin[i] + size[i] <= d);
  if (!valid) {
    throw new Error(
      `webgpu slice: begin [${begin.join(", ")}] size [${size.join(", ")}] out of range for ${formatShape(input.shape)}`,
    );
  }
  const result = createOutput(rt, out, "slice");
  if (result.size === 0) return result;
  const inStrides = rowMajorStrides(input.shape);
  stridedCopy(rt, source.buffer, result.buffer, {
    shape: size,
    sourceBase: begin.reduce((acc, b, i) => acc + b * inStrides[i], 0),
    sourceStrides: inStrides,
    targetBase: 0,
    targetStrides: rowMajorStrides(size),
  });
  return result;
}

export function concatKernel(
  rt: GpuRuntime,
  inputs: readonly TensorInfo[],
  params: PrimitiveParams["concat"],
  out: OutputSpec,
): DataId {
  const { axis } = params;
  const sources = inputs.map((info) => tensorOf(rt, info, "concat"));
  checkRank(out.shape, "concat");
  const consistent = inputs.every(
    (info) =>
      info.shape.length === out.shape.length && info.shape.every((d, i) => i === axis || d === out.shape[i]),
  );
  const axisTotal = inputs.reduce((acc, info) => acc + (info.shape[axis] ?? 0), 0);
  if (!consistent || axis < 0 || axis >= out.shape.length || axisTotal !== out.shape[axis]) {
    throw new Error(
      `webgpu concat: cannot concatenate ${inputs.map((i) => formatShape(i.shape)).join(", ")} along axis ${axis}`,
    );
  }
  const result = createOutput(rt, out, "concat");
  if (result.size === 0) return result;
  const outStrides = rowMajorStrides(out.shape);
  let offset = 0;
  inputs.forEach((info, i) => {
    if (sources[i].size > 0) {
      stridedCopy(rt, sources[i].buffer, result.buffer, {
        shape: info.shape,
        sourceBase: 0,
        sourceStrides: rowMajorStrides(info.shape),
        targetBase: offset * outStrides[axis],
        targetStrides: outStrides,
      });
    }
    offset += info.shape[axis];
  });
  return result;
}
