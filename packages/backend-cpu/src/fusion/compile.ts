/**
 * The CPU backend's graph compiler: a row-separable graph becomes its
 * batch-free prologue (ordinary kernels), one fused loop over the rows, and
 * an epilogue over the accumulated reductions. Graphs it cannot fuse get
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
  unpackSymmetric,
  valueTypeOf,
} from "@neureco/core/fusion";
import { createKernels } from "../kernels.js";
import type { CpuStorage } from "../storage.js";
import { compileRowLoop, MAX_LOCALS, type RowLoop } from "./js-loop.js";
import { createWasmRunner, type RowRunner } from "./wasm/runner.js";

export interface FusionOptions {
  /**
   * Which row loop to generate: JavaScript, WebAssembly where available, or
   * ("auto", the default) WebAssembly once a run has enough work to repay
   * compiling it (rows × scalar instructions ≥ 50,000).
   */
  readonly loop?: "js" | "wasm" | "auto";
  /**
   * Share the rows of a WebAssembly loop with helper threads (Node.js) when a
   * run has at least this much work, in rows × scalar instructions;
   * Infinity: never. Default 400,000.
   */
  readonly threadWork?: number;
  /**
   * At most this many helper threads per run (default: all there are). The
   * results are the same bits whatever the number of threads.
   */
  readonly helpers?: number;
}

/** A compiled graph, with how its last run was executed (for benchmarks and tests). */
export interface FusedGraph extends CompiledGraph {
  readonly execution: () => { readonly loop: "js" | "wasm"; readonly threads: number };
}

/** Work (rows × instructions) from which "auto" generates WebAssembly. */
const WASM_MIN_WORK = 50_000;
/**
 * Most scalars (instructions plus accumulated elements) of a fused loop.
 * The Gauss–Newton matrix of a network of p weights has p(p+1)/2 of each
 * (its upper triangle). Bigger programs compile for seconds and run no
 * faster than the kernels one by one. Measured on 2,000 rows: 241 weights
 * (about 63,000 scalars) 30 ms fused after 0.8 s of compiling, 60 ms
 * interpreted; 307 weights (about 100,000) 93 ms fused after 1.6 s, 90 ms
 * interpreted.
 */
export const MAX_FUSED_SCALARS = 75_000;
/** Compiled graphs kept per backend, by structure. */
const CACHE_ENTRIES = 64;

/**
 * Graphs traced again on every call (grad or vjp without jit) are new
 * objects with the same structure: compiled graphs are kept by structure, so
 * that such calls compile once. Per storage, least recently used first out.
 */
const compiledByStructure = new WeakMap<CpuStorage, Map<string, FusedGraph | null>>();

/** The compiled form of `graph` on `storage`, or undefined when it cannot be fused. */
export function compileGraph(
  graph: Graph,
  storage: CpuStorage,
  options: FusionOptions = {},
): FusedGraph | undefined {
  let cache = compiledByStructure.get(storage);
  if (!cache) {
    cache = new Map();
    compiledByStructure.set(storage, cache);
  }
  const key = `${options.loop ?? "auto"}|${options.threadWork ?? ""}|${options.helpers ?? ""}|${graphStructureKey(graph)}`;
  let compiled = cache.get(key);
  if (compiled === undefined) {
    compiled = compileNew(graph, storage, options) ?? null;
    if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
  } else {
    cache.delete(key); // re-inserted below as the most recently used
  }
  cache.set(key, compiled);
  return compiled ?? undefined;
}

function compileNew(graph: Graph, storage: CpuStorage, options: FusionOptions): FusedGraph | undefined {
  const plan = planFusion(graph);
  if (!plan) return undefined;
  const scalars = plan.program.instructions.length + plan.program.accumulations.length;
  if (scalars > MAX_FUSED_SCALARS) return undefined;
  const kernels = createKernels(storage);
  let loop: RowLoop;
  try {
    loop = compileRowLoop({
      program: plan.program,
      inputRowSizes: plan.rowInputs.map((r) => r.rowSize),
      outputRowSizes: plan.rowOutputs.map((r) => r.rowSize),
      accumulatorOps: plan.accumulators.map((a) => a.op),
    });
  } catch {
    // A page whose Content-Security-Policy forbids eval: interpret instead.
    return undefined;
  }
  const loopKind = options.loop ?? "auto";
  const wantsWasm =
    loopKind === "wasm" ||
    (loopKind === "auto" && plan.rows * plan.program.instructions.length >= WASM_MIN_WORK);
  const wasm = wantsWasm
    ? createWasmRunner(plan, loop, { threadWork: options.threadWork, helpers: options.helpers })
    : undefined;
  // A JavaScript loop too big for locals keeps its scalars in arrays, which
  // engines run unoptimised: fine for the few tail rows of a WebAssembly
  // loop, slower than the kernels for all of them.
  if (!wasm && scalars > MAX_LOCALS) return undefined;
  const runner: RowRunner =
    wasm?.run ??
    ((rowInputs, freeInputs, rowOutputs, accumulators) =>
      loop(rowInputs, freeInputs, rowOutputs, accumulators, 0, plan.rows));
  return {
    run: (inputs) => runPlan(graph, plan, runner, storage, kernels, inputs),
    execution: () => ({ loop: wasm ? "wasm" : "js", threads: wasm?.threadsUsed() ?? 1 }),
  };
}

function runPlan(
  graph: Graph,
  plan: FusionPlan,
  runner: RowRunner,
  storage: CpuStorage,
  kernels: KernelTable,
  inputs: readonly TensorInfo[],
): DataId[] {
  const env: RunValues = [...inputs];
  const keep = (id: number, dataId: DataId) => keepValue(graph, env, id, dataId);

  runKernelNodes(graph, kernels, env, plan.before);
  const rowOutputs = plan.rowOutputs.map((r) => storage.allocate(valueTypeOf(graph, r.valueId)));
  const accumulators = plan.accumulators.map((a) =>
    new Float64Array(a.size).fill(a.op === "sum" ? 0 : Number.NEGATIVE_INFINITY),
  );
  runner(
    plan.rowInputs.map((r) => storage.get(inputs[r.valueId])),
    plan.freeInputs.map((id) => storage.get(env[id] as TensorInfo)),
    rowOutputs,
    accumulators,
  );
  plan.rowOutputs.forEach((r, s) => keep(r.valueId, storage.adopt(rowOutputs[s])));
  plan.accumulators.forEach((a, s) => {
    const result = storage.allocate(valueTypeOf(graph, a.valueId));
    result.set(a.symmetric === undefined ? accumulators[s] : unpackSymmetric(accumulators[s], a.symmetric));
    keep(a.valueId, storage.adopt(result));
  });
  runKernelNodes(graph, kernels, env, plan.after);

  return handOutOutputs(graph, kernels, env, (dataId) => storage.dispose(dataId));
}
