/**
 * Runs a generated WebAssembly row loop: copies the inputs into the module's
 * memory, runs whole lane groups there, finishes the last few rows with the
 * JavaScript loop, and folds the per-lane partial reductions.
 */
import type { HostArray } from "@neureco/core";
import type { RowLoop } from "../js-loop.js";
import type { FusionPlan } from "../plan.js";
import { generateWasmLoop, WASM_IMPORTS, type WasmLayout } from "./row-loop.js";
import { canUseThreads, ThreadedModule } from "./threads.js";

/** Computes every row: fills row outputs and adds into the float64 accumulators. */
export type RowRunner = (
  rowInputs: readonly HostArray[],
  freeInputs: readonly HostArray[],
  rowOutputs: readonly HostArray[],
  accumulators: readonly Float64Array[],
) => void;

let simdSupport: boolean | undefined;

/** Whether this engine runs WebAssembly SIMD (checked once on a tiny module). */
export function hasWasmSimd(): boolean {
  if (simdSupport === undefined) {
    // (func (result v128) v128.const i32x4 0 0 0 0)
    const probe = new Uint8Array([
      0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12, 0, 0, 0, 0,
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11,
    ]);
    simdSupport = typeof WebAssembly === "object" && WebAssembly.validate(probe);
  }
  return simdSupport;
}

type RunExport = (start: number, end: number, accumulators: number) => void;

function viewOf(
  buffer: ArrayBufferLike,
  dtype: "float64" | "float32",
  byteOffset: number,
  length: number,
): HostArray {
  return dtype === "float64"
    ? new Float64Array(buffer, byteOffset, length)
    : new Float32Array(buffer, byteOffset, length);
}

export interface WasmRunnerOptions {
  /** Share rows with helper threads when a run has at least this much work (rows × scalar instructions); Infinity: never. */
  readonly threadWork?: number;
}

/** Work (rows × instructions) below which handing rows to threads costs more than it saves. */
const DEFAULT_THREAD_WORK = 400_000;
/** Accumulator regions laid out for the calling thread and up to 7 helpers. */
const MAX_REGIONS = 8;

/** A WebAssembly runner, with how many threads its last run used. */
export interface WasmRunner {
  readonly run: RowRunner;
  readonly threadsUsed: () => number;
}

/**
 * A runner for `plan`, or undefined where WebAssembly SIMD is missing, the
 * module cannot be compiled synchronously, or the data is too big.
 */
export function createWasmRunner(
  plan: FusionPlan,
  tail: RowLoop,
  options: WasmRunnerOptions = {},
): WasmRunner | undefined {
  if (!hasWasmSimd()) return undefined;
  const threadWork = options.threadWork ?? DEFAULT_THREAD_WORK;
  const threaded = threadWork !== Number.POSITIVE_INFINITY && canUseThreads();
  const generated = generateWasmLoop({
    program: plan.program,
    dtype: plan.dtype,
    rows: plan.rows,
    inputRowSizes: plan.rowInputs.map((r) => r.rowSize),
    outputRowSizes: plan.rowOutputs.map((r) => r.rowSize),
    freeSizes: plan.freeInputSizes,
    accumulatorSizes: plan.accumulators.map((a) => a.size),
    accumulatorOps: plan.accumulators.map((a) => a.op),
    regions: threaded ? MAX_REGIONS : 1,
    sharedMemory: threaded,
  });
  if (!generated) return undefined;
  let run: RunExport;
  let memory: WebAssembly.Memory;
  let helpers: ThreadedModule | undefined;
  try {
    const { pages } = generated.layout;
    memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: threaded });
    const module = new WebAssembly.Module(generated.bytes);
    const instance = new WebAssembly.Instance(module, { env: { memory, ...WASM_IMPORTS } });
    run = instance.exports.run as RunExport;
    if (threaded && plan.rows * plan.program.instructions.length >= threadWork)
      helpers = new ThreadedModule(module, memory, generated.layout.regions);
  } catch {
    // e.g. a browser's main thread refuses to compile big modules synchronously
    return undefined;
  }
  return wasmRunner(
    plan,
    generated.layout,
    generated.lanes,
    generated.rowsPerIteration,
    memory.buffer,
    run,
    tail,
    helpers,
  );
}

function wasmRunner(
  plan: FusionPlan,
  layout: WasmLayout,
  lanes: number,
  rowsPerIteration: number,
  buffer: ArrayBufferLike,
  run: RunExport,
  tail: RowLoop,
  helpers: ThreadedModule | undefined,
): WasmRunner {
  const { rows, dtype } = plan;
  const inputViews = plan.rowInputs.map((r, s) =>
    viewOf(buffer, dtype, layout.rowInputs[s], rows * r.rowSize),
  );
  const freeViews = plan.freeInputSizes.map((size, s) => viewOf(buffer, dtype, layout.freeInputs[s], size));
  const outputViews = plan.rowOutputs.map((r, s) =>
    viewOf(buffer, dtype, layout.rowOutputs[s], rows * r.rowSize),
  );
  const lanesPerElement = 16 / (dtype === "float64" ? 8 : 4);
  const accumulatorViews = layout.regions.map((region) =>
    plan.accumulators.map((a, s) =>
      viewOf(buffer, dtype, region + layout.accumulators[s], a.size * lanesPerElement),
    ),
  );
  const fullRows = rows - (rows % rowsPerIteration);
  let threadsUsed = 1;
  const copiedInputs: (WeakRef<HostArray> | undefined)[] = plan.rowInputs.map(() => undefined);
  const runRows: RowRunner = (rowInputs, freeInputs, rowOutputs, accumulators) => {
    const threads = 1 + (helpers?.helpers() ?? 0);
    inputViews.forEach((view, s) => {
      // Stored arrays are never mutated, so the array copied last time is still there.
      if (copiedInputs[s]?.deref() === rowInputs[s]) return;
      view.set(rowInputs[s]);
      copiedInputs[s] = typeof WeakRef === "function" ? new WeakRef(rowInputs[s]) : undefined;
    });
    freeViews.forEach((view, s) => view.set(freeInputs[s]));
    for (let t = 0; t < threads; t++) {
      accumulatorViews[t].forEach((view, s) =>
        view.fill(plan.accumulators[s].op === "sum" ? 0 : Number.NEGATIVE_INFINITY),
      );
    }
    if (helpers && threads > 1)
      helpers.runShared(threads - 1, fullRows / rowsPerIteration, rowsPerIteration, run);
    else run(0, fullRows, layout.regions[0]);
    threadsUsed = threads;
    outputViews.forEach((view, s) =>
      rowOutputs[s].set(view.subarray(0, fullRows * plan.rowOutputs[s].rowSize)),
    );
    if (fullRows < rows) tail(rowInputs, freeInputs, rowOutputs, accumulators, fullRows, rows);
    for (let t = 0; t < threads; t++) foldLanes(plan, accumulatorViews[t], lanes, accumulators);
  };
  return { run: runRows, threadsUsed: () => threadsUsed };
}

/** Adds (or maxes) each accumulator's lane partials into the float64 accumulators. */
function foldLanes(
  plan: FusionPlan,
  views: readonly HostArray[],
  lanes: number,
  accumulators: readonly Float64Array[],
): void {
  plan.accumulators.forEach((a, s) => {
    const view = views[s];
    const target = accumulators[s];
    const stride = 16 / view.BYTES_PER_ELEMENT;
    for (let index = 0; index < a.size; index++) {
      let acc = target[index];
      for (let lane = 0; lane < lanes; lane++) {
        const v = view[index * stride + lane];
        if (a.op === "sum") acc += v;
        else if (v > acc || Number.isNaN(v)) acc = v;
      }
      target[index] = acc;
    }
  });
}
