/**
 * Runs a generated WebAssembly row loop: copies the inputs into the module's
 * memory, runs whole lane groups there, finishes the last few rows with the
 * JavaScript loop, and folds the per-lane partial reductions.
 *
 * The lane groups are cut into chunks fixed by the row count (and the size
 * of the graph's reductions), each reducing into its own region, and the
 * regions are folded in chunk order: the bits of every result are the same
 * whether the chunks run on the calling thread or are shared with helper
 * threads, on the first run of a graph or a later one.
 */
import type { HostArray } from "@neureco/core";
import type { AccumulateOp, FusionPlan } from "@neureco/core/fusion";
import { reuseCount } from "../../storage.js";
import type { RowLoop } from "../js-loop.js";
import { generateWasmLoop, rowsPerIterationOf, WASM_IMPORTS, type WasmLayout } from "./row-loop.js";
import { canUseThreads, chunkStart, ThreadedModule } from "./threads.js";

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
  /** At most this many helper threads per run (default: all there are). */
  readonly helpers?: number;
}

/** Work (rows × instructions) below which handing rows to threads costs more than it saves. */
const DEFAULT_THREAD_WORK = 400_000;
/** Work (rows × instructions) per chunk at least: handing out a chunk costs a few microseconds. */
const MIN_CHUNK_WORK = 100_000;
/**
 * Work per chunk at least, per element of its accumulator region: setting up
 * and combining a chunk's partials (two operations per element, on the
 * calling thread) must stay cheap beside computing them. Measured on the
 * normal equations of networks of 65 to 197 weights on 2,000 and 5,000
 * rows: 256 is about the best; 1024 left the 2,000-row cases in one chunk,
 * on one thread (1.5–1.8× slower), and 32 spent up to a quarter of the time
 * combining.
 */
const CHUNK_WORK_PER_PARTIAL = 256;
/** Chunks at most: enough for up to 8 threads to share the rows evenly. */
const MAX_CHUNKS = 64;
/** Bytes of accumulator regions at most, all chunks together. */
const MAX_REGIONS_BYTES = 64 << 20;

/**
 * How many chunks the lane groups of a run are cut into: a function of the
 * graph and its row count only, never of the threads there are.
 */
function chunkCount(plan: FusionPlan): number {
  const lanes = plan.dtype === "float64" ? 2 : 4;
  const partials = plan.accumulators.reduce((n, a) => n + a.size * lanes, 0);
  const work = plan.rows * plan.program.instructions.length;
  const chunkWork = Math.max(MIN_CHUNK_WORK, CHUNK_WORK_PER_PARTIAL * partials);
  const groups = Math.floor(plan.rows / rowsPerIterationOf(plan.dtype));
  const byMemory = Math.floor(MAX_REGIONS_BYTES / Math.max(16, partials * (16 / lanes)));
  return Math.max(1, Math.min(MAX_CHUNKS, groups, byMemory, Math.floor(work / chunkWork)));
}

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
  const threaded = threadWork !== Number.POSITIVE_INFINITY && (options.helpers ?? 1) > 0 && canUseThreads();
  const chunks = chunkCount(plan);
  const generated = generateWasmLoop({
    program: plan.program,
    dtype: plan.dtype,
    rows: plan.rows,
    inputRowSizes: plan.rowInputs.map((r) => r.rowSize),
    outputRowSizes: plan.rowOutputs.map((r) => r.rowSize),
    freeSizes: plan.freeInputSizes,
    accumulatorSizes: plan.accumulators.map((a) => a.size),
    accumulatorOps: plan.accumulators.map((a) => a.op),
    regions: chunks,
    sharedMemory: threaded,
  });
  if (!generated) return undefined;
  const regions = regionsOf(plan, generated.layout);
  let run: RunExport;
  let memory: WebAssembly.Memory;
  let helpers: ThreadedModule | undefined;
  try {
    const { pages } = generated.layout;
    memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: threaded });
    const module = new WebAssembly.Module(generated.bytes);
    const instance = new WebAssembly.Instance(module, { env: { memory, ...WASM_IMPORTS } });
    run = instance.exports.run as RunExport;
    if (threaded && plan.rows * plan.program.instructions.length >= threadWork) {
      helpers = new ThreadedModule(
        module,
        memory,
        generated.layout.regions,
        regions.initial,
        options.helpers ?? Number.POSITIVE_INFINITY,
      );
    }
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
    regions,
  );
}

/** The accumulator regions of a layout, one per chunk. */
interface Regions {
  /** Elements (of the loop's dtype) from one region to the next. */
  readonly length: number;
  /** Where each accumulator's lane partials lie in a region. */
  readonly slices: readonly RegionSlice[];
  /** What a region starts with: 0 for sums, −∞ for maxima. */
  readonly initial: Float64Array | Float32Array;
}

function regionsOf(plan: FusionPlan, layout: WasmLayout): Regions {
  const bytesPerElement = plan.dtype === "float64" ? 8 : 4;
  const lanes = 16 / bytesPerElement;
  const length = layout.regionStride / bytesPerElement;
  const slices = plan.accumulators.map((a, s) => {
    const start = layout.accumulators[s] / bytesPerElement;
    return { op: a.op, size: a.size, start, end: start + a.size * lanes };
  });
  const initial = plan.dtype === "float64" ? new Float64Array(length) : new Float32Array(length);
  for (const { op, start, end } of slices)
    if (op === "max") initial.fill(Number.NEGATIVE_INFINITY, start, end);
  return { length, slices, initial };
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
  regions: Regions,
): WasmRunner {
  const { rows, dtype } = plan;
  const inputViews = plan.rowInputs.map((r, s) =>
    viewOf(buffer, dtype, layout.rowInputs[s], rows * r.rowSize),
  );
  const freeViews = plan.freeInputSizes.map((size, s) => viewOf(buffer, dtype, layout.freeInputs[s], size));
  const outputViews = plan.rowOutputs.map((r, s) =>
    viewOf(buffer, dtype, layout.rowOutputs[s], rows * r.rowSize),
  );
  // One region per chunk of lane groups, one after the other.
  const chunks = layout.regions.length;
  const { length: regionLength, slices, initial } = regions;
  const regionsView = viewOf(buffer, dtype, layout.regions[0], chunks * regionLength);
  /** The chunks' partials combined, in float64. */
  const combined = new Float64Array(regionLength);
  const fullRows = rows - (rows % rowsPerIteration);
  const groups = fullRows / rowsPerIteration;
  /** Runs chunk c into its region, set up first. */
  const runChunk = (c: number) => {
    regionsView.set(initial, c * regionLength);
    run(
      chunkStart(groups, chunks, rowsPerIteration, c),
      chunkStart(groups, chunks, rowsPerIteration, c + 1),
      layout.regions[c],
    );
  };
  let threadsUsed = 1;
  /** The array each row input was last copied from, and its `reuseCount` then. */
  const copiedInputs: ({ array: WeakRef<HostArray>; reuses: number } | undefined)[] = plan.rowInputs.map(
    () => undefined,
  );
  const runRows: RowRunner = (rowInputs, freeInputs, rowOutputs, accumulators) => {
    const threads = 1 + (helpers?.helpers() ?? 0);
    inputViews.forEach((view, s) => {
      // A stored array is never mutated while its handle lives, so the array
      // copied last time is still there unless it was freed and reused since.
      const input = rowInputs[s];
      const copied = copiedInputs[s];
      if (copied?.array.deref() === input && copied.reuses === reuseCount(input)) return;
      view.set(input);
      copiedInputs[s] =
        typeof WeakRef === "function" ? { array: new WeakRef(input), reuses: reuseCount(input) } : undefined;
    });
    freeViews.forEach((view, s) => view.set(freeInputs[s]));
    if (helpers && threads > 1) helpers.runShared(threads - 1, groups, rowsPerIteration, runChunk);
    // The same chunks as with helpers, so that the same partials are combined.
    else for (let c = 0; c < chunks; c++) runChunk(c);
    threadsUsed = threads;
    outputViews.forEach((view, s) =>
      rowOutputs[s].set(view.subarray(0, fullRows * plan.rowOutputs[s].rowSize)),
    );
    // The chunks' partials in chunk order, then the lanes, then the last few rows.
    combineChunks(regionsView, chunks, slices, combined);
    foldLanes(slices, combined, lanes, accumulators);
    if (fullRows < rows) tail(rowInputs, freeInputs, rowOutputs, accumulators, fullRows, rows);
  };
  return { run: runRows, threadsUsed: () => threadsUsed };
}

interface RegionSlice {
  readonly op: AccumulateOp;
  /** Elements of the accumulator. */
  readonly size: number;
  /** Its lane partials in a region: [start, end). */
  readonly start: number;
  readonly end: number;
}

/**
 * Sums (or maxes) the lane partials of chunks 0, 1, … in that order into
 * `combined` (float64, whatever the regions' dtype).
 */
function combineChunks(
  regions: HostArray,
  chunks: number,
  slices: readonly RegionSlice[],
  combined: Float64Array,
): void {
  const length = combined.length;
  for (let i = 0; i < length; i++) combined[i] = regions[i];
  for (const { op, start, end } of slices) {
    for (let c = 1; c < chunks; c++) {
      const base = c * length;
      if (op === "sum") {
        for (let i = start; i < end; i++) combined[i] += regions[base + i];
      } else {
        for (let i = start; i < end; i++) {
          const v = regions[base + i];
          if (v > combined[i] || Number.isNaN(v)) combined[i] = v;
        }
      }
    }
  }
}

/** Adds (or maxes) each accumulator's combined lane partials into the float64 accumulators. */
function foldLanes(
  slices: readonly RegionSlice[],
  combined: Float64Array,
  lanes: number,
  accumulators: readonly Float64Array[],
): void {
  slices.forEach(({ op, size, start }, s) => {
    const target = accumulators[s];
    for (let index = 0; index < size; index++) {
      let acc = target[index];
      for (let lane = 0; lane < lanes; lane++) {
        const v = combined[start + index * lanes + lane];
        if (op === "sum") acc += v;
        else if (v > acc || Number.isNaN(v)) acc = v;
      }
      target[index] = acc;
    }
  });
}
