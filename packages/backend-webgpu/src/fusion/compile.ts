/// <reference types="@webgpu/types" />
/**
 * The WebGPU backend's graph compiler: a row-separable graph (core's
 * `planFusion`) runs as its batch-free prologue (ordinary kernels), one
 * shader over the rows with its reductions (`row-pass.ts`), one small
 * combining dispatch per reduction (`combine.ts`), and an epilogue of
 * kernels over the reduced values. Everything is recorded into the
 * runtime's command encoder: nothing is read back. Graphs it cannot fuse get
 * undefined, and core interprets them kernel by kernel.
 */
import type {
  CompiledGraph,
  DataId,
  Graph,
  GraphNode,
  Kernel,
  KernelTable,
  PrimitiveName,
  TensorInfo,
  ValueType,
} from "@neureco/core";
import { type FusionPlan, graphStructureKey, planFusion } from "@neureco/core/fusion";
import type { Program } from "../program.js";
import type { GpuRuntime } from "../runtime.js";
import { createOutput, GpuTensor, tensorOf } from "../tensor.js";
import { combineProgram } from "./combine.js";
import { type RowPass, rowPass } from "./row-pass.js";

/** Compiled graphs kept per runtime, by structure. */
const CACHE_ENTRIES = 64;
const compiledByStructure = new WeakMap<GpuRuntime, Map<string, CompiledGraph | null>>();

/** The compiled form of `graph`, or undefined when it cannot be fused. */
export function compileGraph(graph: Graph, rt: GpuRuntime, kernels: KernelTable): CompiledGraph | undefined {
  let cache = compiledByStructure.get(rt);
  if (!cache) {
    cache = new Map();
    compiledByStructure.set(rt, cache);
  }
  const key = graphStructureKey(graph);
  let compiled = cache.get(key);
  if (compiled === undefined) {
    compiled = compileNew(graph, rt, kernels) ?? null;
    if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
  } else {
    cache.delete(key); // re-inserted below as the most recently used
  }
  cache.set(key, compiled);
  return compiled ?? undefined;
}

function compileNew(graph: Graph, rt: GpuRuntime, kernels: KernelTable): CompiledGraph | undefined {
  const plan = planFusion(graph);
  if (!plan) return undefined;
  const pass = rowPass(plan, rt.device.limits);
  if (!pass) return undefined;
  const program: Program = {
    name: "fused-rows",
    cacheKey: `fused-rows:${pass.wgsl}`,
    wgsl: () => pass.wgsl,
    uniforms: pass.uniforms,
    dispatch: [pass.groups, 1, 1],
  };
  const combines = pass.reductions.map((r) =>
    combineProgram(r, pass.groups, pass.partialsPerGroup, rt.maxWorkgroupsPerDimension),
  );
  return {
    run: (inputs) => runPlan(graph, plan, pass, program, combines, rt, kernels, inputs),
  };
}

function runKernel<P extends PrimitiveName>(
  kernels: KernelTable,
  prim: P,
  inputs: readonly TensorInfo[],
  node: GraphNode,
): DataId {
  const kernel: Kernel<P> = kernels[prim];
  return kernel(inputs, node.params as Parameters<Kernel<P>>[1], node.out);
}

function runPlan(
  graph: Graph,
  plan: FusionPlan,
  pass: RowPass,
  program: Program,
  combines: readonly Program[],
  rt: GpuRuntime,
  kernels: KernelTable,
  inputs: readonly TensorInfo[],
): DataId[] {
  const n = graph.inputs.length;
  const env: (TensorInfo | undefined)[] = [...inputs];
  const typeOf = (id: number): ValueType => (id < n ? graph.inputs[id] : graph.nodes[id - n].out);
  const keep = (id: number, dataId: DataId) => {
    env[id] = { dataId, ...typeOf(id) };
  };
  const computeNodes = (nodeIndices: readonly number[]) => {
    for (const k of nodeIndices) {
      const node = graph.nodes[k];
      keep(
        n + k,
        runKernel(
          kernels,
          node.prim,
          node.inputs.map((i) => env[i] as TensorInfo),
          node,
        ),
      );
    }
  };
  const buffer = (id: number) => tensorOf(rt, env[id] as TensorInfo, "fused rows").buffer;

  computeNodes(plan.before);
  const scratch: GPUBuffer[] = [];
  const bindings: GPUBuffer[] = pass.rowInputsRead.map((slot) => buffer(plan.rowInputs[slot].valueId));
  if (pass.readsFree) {
    // The batch-free values (weights) side by side in one buffer: one binding for all.
    const free = rt.allocate(pass.freeSize * 4);
    scratch.push(free);
    plan.freeInputs.forEach((id, slot) => {
      const bytes = plan.freeInputSizes[slot] * 4;
      if (bytes > 0) rt.copy(buffer(id), 0, free, pass.freeOffsets[slot] * 4, bytes);
    });
    bindings.push(free);
  }
  const rowOutputs = plan.rowOutputs.map((r) => createOutput(rt, typeOf(r.valueId), "fused rows"));
  bindings.push(...rowOutputs.map((t) => t.buffer));
  let partials: GPUBuffer | undefined;
  if (pass.reductions.length > 0) {
    partials = rt.allocate(pass.groups * pass.partialsPerGroup * 4);
    scratch.push(partials);
    bindings.push(partials);
  }
  const { pairs } = pass;
  if (pairs) bindings.push(rt.indexBuffers.get(pass.pairsKey, () => pairs));
  rt.dispatchBindings(program, bindings);
  plan.rowOutputs.forEach((r, s) => keep(r.valueId, rowOutputs[s]));
  plan.accumulators.forEach((a, s) => {
    const result = createOutput(rt, typeOf(a.valueId), "fused reduction");
    rt.dispatch(combines[s], [partials as GPUBuffer], result.buffer);
    keep(a.valueId, result);
  });
  for (const b of scratch) rt.pool.release(b);
  computeNodes(plan.after);

  // Hand out each output once; inputs and repeated outputs are copied so the
  // caller owns every handle. Everything else this run created is freed.
  const handedOut = new Set<number>();
  const results = graph.outputs.map((id) => {
    const v = env[id] as TensorInfo;
    if (id < n || handedOut.has(id)) return kernels.reshape([v], { shape: v.shape }, v);
    handedOut.add(id);
    return v.dataId;
  });
  for (let id = n; id < env.length; id++) {
    const v = env[id];
    if (v !== undefined && !handedOut.has(id) && v.dataId instanceof GpuTensor) v.dataId.release();
  }
  return results;
}
