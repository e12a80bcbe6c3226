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
import type { CompiledGraph, DataId, Graph, KernelTable, TensorInfo } from "@neureco/core";
import {
  type FusionPlan,
  graphStructureKey,
  handOutOutputs,
  keepValue,
  planFusion,
  type RunValues,
  runKernelNodes,
  valueTypeOf,
} from "@neureco/core/fusion";
import type { Program } from "../program.js";
import type { GpuRuntime } from "../runtime.js";
import { createOutput, GpuTensor, tensorOf } from "../tensor.js";
import { combineProgram } from "./combine.js";
import { type RowPass, rowPass } from "./row-pass.js";

/** Compiled graphs kept per runtime, by structure. */
const CACHE_ENTRIES = 64;
const compiledByStructure = new WeakMap<GpuRuntime, Map<string, CompiledGraph | null>>();

export interface FusionSettings {
  /**
   * A graph runs kernel by kernel until its structure has run this many
   * times, then as one shader over the rows: a shader takes long to compile
   * (seconds on a software adapter), which repays itself only for graphs
   * that run again and again — an evaluation, a gradient in a loop, a
   * build's training of one network — not for the many a build tries once.
   * 1: compile at the first run.
   */
  readonly fuseAfterCalls: number;
}

/** The compiled form of `graph`, or undefined when it runs kernel by kernel. */
export function compileGraph(
  graph: Graph,
  rt: GpuRuntime,
  kernels: KernelTable,
  settings: FusionSettings,
): CompiledGraph | undefined {
  let cache = compiledByStructure.get(rt);
  if (!cache) {
    cache = new Map();
    compiledByStructure.set(rt, cache);
  }
  const key = `${settings.fuseAfterCalls}|${graphStructureKey(graph)}`;
  let compiled = cache.get(key);
  if (compiled === undefined) {
    compiled =
      settings.fuseAfterCalls <= 1
        ? (fusedRunner(graph, rt, kernels) ?? null)
        : new GatedGraph(graph, rt, kernels, settings.fuseAfterCalls);
    if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
  } else {
    cache.delete(key); // re-inserted below as the most recently used
  }
  cache.set(key, compiled);
  return compiled ?? undefined;
}

/** Runs kernel by kernel until the `fuseAfterCalls`-th run, then fused when the graph can be. */
export class GatedGraph implements CompiledGraph {
  #calls = 0;
  /** undefined: not yet decided; null: cannot be fused. */
  #fused: CompiledGraph | null | undefined;

  constructor(
    private readonly graph: Graph,
    private readonly rt: GpuRuntime,
    private readonly kernels: KernelTable,
    private readonly fuseAfterCalls: number,
  ) {}

  /** Whether runs are now one shader over the rows. */
  get fused(): boolean {
    return !!this.#fused;
  }

  run(inputs: readonly TensorInfo[]): DataId[] {
    this.#calls++;
    if (this.#fused === undefined && this.#calls >= this.fuseAfterCalls) {
      this.#fused = fusedRunner(this.graph, this.rt, this.kernels) ?? null;
    }
    if (this.#fused) return this.#fused.run(inputs);
    const env: RunValues = [...inputs];
    runKernelNodes(this.graph, this.kernels, env, this.graph.nodes.keys());
    return handOutOutputs(this.graph, this.kernels, env, release);
  }
}

function fusedRunner(graph: Graph, rt: GpuRuntime, kernels: KernelTable): CompiledGraph | undefined {
  const plan = planFusion(graph);
  if (!plan) return undefined;
  const pass = rowPass(plan, {
    maxStorageBuffersPerShaderStage: rt.device.limits.maxStorageBuffersPerShaderStage,
    maxComputeWorkgroupsPerDimension: rt.maxWorkgroupsPerDimension,
    workgroupFloats: rt.workgroupFloats,
  });
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
  const env: RunValues = [...inputs];
  const keep = (id: number, dataId: DataId) => keepValue(graph, env, id, dataId);
  const buffer = (id: number) => tensorOf(rt, env[id] as TensorInfo, "fused rows").buffer;

  runKernelNodes(graph, kernels, env, plan.before);
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
  const rowOutputs = plan.rowOutputs.map((r) =>
    createOutput(rt, valueTypeOf(graph, r.valueId), "fused rows"),
  );
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
    const result = createOutput(rt, valueTypeOf(graph, a.valueId), "fused reduction");
    rt.dispatch(combines[s], [partials as GPUBuffer], result.buffer);
    keep(a.valueId, result);
  });
  for (const b of scratch) rt.pool.release(b);
  runKernelNodes(graph, kernels, env, plan.after);
  return handOutOutputs(graph, kernels, env, release);
}

/** Frees a value of a run (every value of this backend is a GpuTensor). */
function release(dataId: DataId): void {
  if (dataId instanceof GpuTensor) dataId.release();
}
