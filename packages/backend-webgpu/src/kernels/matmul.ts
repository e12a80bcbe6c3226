import type { DataId, OutputSpec, TensorInfo } from "@neureco/core";
import { ELEMENT_ENTRY, elementGrid, type Program, uniformWords, wgslPrelude } from "../program.js";
import type { GpuRuntime } from "../runtime.js";
import { formatShape } from "../shape.js";
import { createOutput, tensorOf } from "../tensor.js";
import { fillBuffer } from "./fill.js";
import { reduceInto } from "./reduce.js";

const TILE = 16;
/** The tiled kernel pays off only when a 16×16 output block is mostly used. */
const TILED_MIN = { n: 32, k: 16, m: 16 };
/** Inner dimensions above this, with few outputs, are split into chunks summed afterwards. */
const SPLIT_K_THRESHOLD = 1024;
const SPLIT_K_CHUNK = 256;
const MANY_OUTPUTS = 1 << 16;

/**
 * Tiled [n, k] · [k, m]: each 16×16 workgroup computes one 16×16 block of the
 * output, staging 16×16 tiles of both operands in workgroup memory. Row tiles
 * are spread over the y and z grid dimensions so n can exceed 16 × 65535.
 */
const MATMUL_WGSL = `${wgslPrelude(4, ["f32", "f32"])}
const TILE = ${TILE}u;
var<workgroup> tileA: array<array<f32, ${TILE}>, ${TILE}>;
var<workgroup> tileB: array<array<f32, ${TILE}>, ${TILE}>;

@compute @workgroup_size(${TILE}, ${TILE})
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let n = p(0u);
  let k = p(1u);
  let m = p(2u);
  let row = (wid.y + wid.z * nwg.y) * TILE + lid.y;
  let col = wid.x * TILE + lid.x;
  var acc = 0.0;
  let steps = (k + TILE - 1u) / TILE;
  for (var s = 0u; s < steps; s++) {
    let ak = s * TILE + lid.x;
    let bk = s * TILE + lid.y;
    var a = 0.0;
    if (row < n && ak < k) { a = in0[row * k + ak]; }
    var b = 0.0;
    if (bk < k && col < m) { b = in1[bk * m + col]; }
    tileA[lid.y][lid.x] = a;
    tileB[lid.y][lid.x] = b;
    workgroupBarrier();
    for (var q = 0u; q < TILE; q++) {
      acc += tileA[lid.y][q] * tileB[q][lid.x];
    }
    workgroupBarrier();
  }
  if (row < n && col < m) { out[row * m + col] = acc; }
}`;

function tiledProgram(n: number, k: number, m: number, maxPerDim: number): Program {
  const colTiles = Math.ceil(m / TILE);
  const rowTiles = Math.ceil(n / TILE);
  const y = Math.min(rowTiles, maxPerDim);
  const z = Math.ceil(rowTiles / y);
  if (colTiles > maxPerDim || z > maxPerDim)
    throw new Error(`webgpu matmul: [${n}, ${m}] output is too large`);
  return {
    name: "matmul-tiled",
    cacheKey: "matmul:tiled16",
    wgsl: () => MATMUL_WGSL,
    uniforms: uniformWords([n, k, m]),
    dispatch: [colTiles, y, z],
  };
}

/**
 * One thread per (output element, chunk of the inner dimension): the shape of
 * the small products of this library (tens of neurons, up to millions of
 * rows), where 16×16 tiles would sit mostly idle. With one chunk it writes
 * the output directly; with several, partial sums laid out [n·m, chunks].
 */
const DIRECT_WGSL = `${wgslPrelude(5, ["f32", "f32"])}
${ELEMENT_ENTRY} {
  let t = linearIndex(gid, nwg);
  if (t >= p(0u)) { return; }
  let k = p(1u);
  let m = p(2u);
  let chunks = p(3u);
  let chunkLength = p(4u);
  let c = t % chunks;
  let o = t / chunks;
  let row = o / m;
  let col = o % m;
  var acc = 0.0;
  let end = min(k, (c + 1u) * chunkLength);
  for (var q = c * chunkLength; q < end; q++) {
    acc += in0[row * k + q] * in1[q * m + col];
  }
  out[t] = acc;
}`;

function directProgram(n: number, k: number, m: number, chunks: number, maxPerDim: number): Program {
  const threads = n * m * chunks;
  return {
    name: "matmul-direct",
    cacheKey: "matmul:direct",
    wgsl: () => DIRECT_WGSL,
    uniforms: uniformWords([threads, k, m, chunks, chunks > 1 ? SPLIT_K_CHUNK : k]),
    dispatch: elementGrid(threads, maxPerDim),
  };
}

export function matmulKernel(rt: GpuRuntime, inputs: readonly TensorInfo[], out: OutputSpec): DataId {
  const [aInfo, bInfo] = inputs;
  const a = tensorOf(rt, aInfo, "matmul");
  const b = tensorOf(rt, bInfo, "matmul");
  if (aInfo.shape.length !== 2 || bInfo.shape.length !== 2 || aInfo.shape[1] !== bInfo.shape[0]) {
    throw new Error(
      `webgpu matmul: cannot multiply ${formatShape(aInfo.shape)} by ${formatShape(bInfo.shape)}`,
    );
  }
  const [n, k] = aInfo.shape;
  const m = bInfo.shape[1];
  const result = createOutput(rt, out, "matmul");
  if (result.size === 0) return result;
  if (k === 0) {
    fillBuffer(rt, result.buffer, result.size, 0);
    return result;
  }
  const maxPerDim = rt.maxWorkgroupsPerDimension;
  const operands = [a.buffer, b.buffer];
  const outputs = n * m;
  if (k > SPLIT_K_THRESHOLD && outputs < MANY_OUTPUTS) {
    const chunks = Math.ceil(k / SPLIT_K_CHUNK);
    const partial = rt.allocate(outputs * chunks * 4);
    rt.dispatch(directProgram(n, k, m, chunks, maxPerDim), operands, partial);
    reduceInto(rt, "sum", partial, [outputs, chunks], [1], result.buffer);
    rt.pool.release(partial);
  } else if (n >= TILED_MIN.n && k >= TILED_MIN.k && m >= TILED_MIN.m) {
    rt.dispatch(tiledProgram(n, k, m, maxPerDim), operands, result.buffer);
  } else {
    rt.dispatch(directProgram(n, k, m, 1, maxPerDim), operands, result.buffer);
  }
  return result;
}
