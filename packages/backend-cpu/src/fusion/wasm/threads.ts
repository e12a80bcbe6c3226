/**
 * Helper threads for WebAssembly row loops, in Node.js only (worker_threads,
 * loaded by a dynamic import so that browser bundles never see it).
 *
 * Each worker instantiates a graph's module over the same shared memory. A
 * job's rows are cut into chunks fixed by the runner (by the graph and its
 * row count only); the calling thread and the helpers claim chunks from a
 * shared counter until none is left. Each chunk adds into its own
 * accumulator region, which the runner folds in chunk order: which thread
 * ran a chunk, and how many threads took part, never changes a bit of the
 * result. The caller never waits for a helper that has not claimed a chunk,
 * so a helper descheduled on a busy machine costs nothing. The pool starts
 * in the background on first use; until a worker has instantiated a graph,
 * that graph's chunks all run on the calling thread.
 */
import { WASM_IMPORTS } from "./row-loop.js";

type WorkerThreads = typeof import("node:worker_threads");
type NodeWorker = InstanceType<WorkerThreads["Worker"]>;

/** Words of the shared control array (Int32Array over a SharedArrayBuffer). */
const JOB = 0; // job sequence number; helpers wait on it
const CLAIM = 1; // (job & 0x7fff) << 16 | next chunk
const COMPLETED = 2; // chunks finished in the current job
const FAILED = 3; // set when a helper's chunk threw
const GRAPH = 4; // which module
const GROUPS = 5; // lane groups of rows in the job
const CHUNKS = 6; // chunks the groups are cut into
const LANES = 7; // rows per lane group
const PARTICIPANTS = 8; // helpers 1…n take part (others were not ready when the job started)
const WORDS = 9;

/** Most helper threads the pool starts (the calling thread makes one more). */
const MAX_HELPERS = 7;

/**
 * Claims the next chunk of job `job` from word `claimWord`, or returns -1
 * when the job is over (all chunks claimed, or a newer job started). Shared
 * by both sides (the worker gets its source), so it refers to nothing outside.
 */
function claimChunk(control: Int32Array, claimWord: number, job: number, chunks: number): number {
  for (;;) {
    const claim = Atomics.load(control, claimWord);
    if (claim >>> 16 !== (job & 0x7fff)) return -1;
    const next = claim & 0xffff;
    if (next >= chunks) return -1;
    if (Atomics.compareExchange(control, claimWord, claim, claim + 1) === claim) return next;
  }
}

/** First row of chunk c of `chunks` over `groups` lane groups (a whole number of groups). */
export function chunkStart(groups: number, chunks: number, lanes: number, c: number): number {
  return Math.round((groups * c) / chunks) * lanes;
}

// The worker: instantiate graphs on message; take part in jobs announced
// through the control words (Atomics.waitAsync keeps its event loop free).
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const control = new Int32Array(workerData.control);
const helper = workerData.helper;
const runs = new Map();
const imports = { ${Object.keys(WASM_IMPORTS)
  .map((name) => `${name}: Math.${name}`)
  .join(", ")} };
const claimChunk = ${claimChunk.toString()};
const chunkStart = ${chunkStart.toString()};
parentPort.on("message", (m) => {
  if (m.kind === "forget") { runs.delete(m.id); return; }
  const instance = new WebAssembly.Instance(m.module, { env: { memory: m.memory, ...imports } });
  const view = m.initial instanceof Float64Array ? new Float64Array(m.memory.buffer) : new Float32Array(m.memory.buffer);
  runs.set(m.id, { run: instance.exports.run, regions: m.regions, initial: m.initial, view });
  Atomics.store(new Int32Array(m.ready), 0, 1);
});
(async () => {
  let seen = Atomics.load(control, ${JOB});
  for (;;) {
    const waited = Atomics.waitAsync(control, ${JOB}, seen);
    if (waited.async) await waited.value;
    seen = Atomics.load(control, ${JOB});
    const graph = runs.get(control[${GRAPH}]);
    const groups = control[${GROUPS}], chunks = control[${CHUNKS}], lanes = control[${LANES}];
    if (!graph || helper > control[${PARTICIPANTS}]) continue;
    for (let c; (c = claimChunk(control, ${CLAIM}, seen, chunks)) >= 0; ) {
      try {
        // The chunk's region, set up here (not in the calling thread's cache).
        graph.view.set(graph.initial, graph.regions[c] / graph.view.BYTES_PER_ELEMENT);
        graph.run(chunkStart(groups, chunks, lanes, c), chunkStart(groups, chunks, lanes, c + 1), graph.regions[c]);
      } catch {
        Atomics.store(control, ${FAILED}, 1);
      }
      Atomics.add(control, ${COMPLETED}, 1);
      Atomics.notify(control, ${COMPLETED});
    }
  }
})();
`;

const isNode = typeof process !== "undefined" && typeof process.versions?.node === "string";

interface Pool {
  readonly workers: readonly NodeWorker[];
  readonly control: Int32Array;
}

let pool: Pool | undefined;
let poolStarting = false;
/** Whether starting the pool has finished (or failed). */
let poolSettled = false;
let nextGraphId = 1;
/** Helpers asked for beyond the default (tests). */
let minimumHelpers = 0;
let growPool: (() => void) | undefined;

/** How many helper threads to use: the other cores, at most 7. */
function helperCount(os: typeof import("node:os")): number {
  const cores = typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
  return Math.max(0, Math.min(MAX_HELPERS, cores - 1));
}

/** Whether this environment can share WebAssembly memory with helper threads at all. */
export function canUseThreads(): boolean {
  return (
    isNode &&
    typeof SharedArrayBuffer !== "undefined" &&
    typeof (Atomics as { waitAsync?: unknown }).waitAsync === "function"
  );
}

/** Starts the pool in the background (once); later calls see it when it is ready. */
function startPool(): void {
  if (poolStarting || !canUseThreads()) return;
  poolStarting = true;
  const load = (specifier: string) => import(/* @vite-ignore */ specifier);
  Promise.all([
    load("node:worker_threads") as Promise<WorkerThreads>,
    load("node:os") as Promise<typeof import("node:os")>,
  ])
    .then(([threads, os]) => {
      const control = new Int32Array(new SharedArrayBuffer(WORDS * 4));
      const workers: NodeWorker[] = [];
      growPool = () => {
        const count = Math.min(MAX_HELPERS, Math.max(helperCount(os), minimumHelpers));
        while (workers.length < count) {
          // Helper h (from 1) takes part in jobs that have at least h participants.
          const worker = new threads.Worker(WORKER_SOURCE, {
            eval: true,
            workerData: { control: control.buffer, helper: workers.length + 1 },
          });
          worker.unref();
          workers.push(worker);
        }
      };
      growPool();
      pool = { workers, control };
    })
    .catch(() => {
      // No worker threads here: everything runs on the calling thread.
    })
    .finally(() => {
      poolSettled = true;
    });
}

/** The number of helper threads available now (0 while the pool starts or where there is none). */
export function helperThreads(): number {
  startPool();
  return pool?.workers.length ?? 0;
}

/**
 * Resolves once the pool has started (or failed to), with its size; for tests
 * and benchmarks. `minimum`: start at least this many helpers (at most 7),
 * even on a machine with fewer cores.
 */
export async function helperThreadsReady(timeoutMs = 10_000, minimum = 0): Promise<number> {
  minimumHelpers = Math.max(minimumHelpers, Math.min(MAX_HELPERS, minimum));
  startPool();
  growPool?.();
  const until = Date.now() + timeoutMs;
  while (
    (!poolSettled || (pool !== undefined && helperThreads() < minimumHelpers)) &&
    canUseThreads() &&
    Date.now() < until
  )
    await new Promise((r) => setTimeout(r, 10));
  return helperThreads();
}

const forgetting =
  typeof FinalizationRegistry === "function"
    ? new FinalizationRegistry<number>((id) => {
        for (const worker of pool?.workers ?? []) worker.postMessage({ kind: "forget", id });
      })
    : undefined;

let jobSequence = 0;

/** One graph's module on the helper threads. */
export class ThreadedModule {
  private readonly id = nextGraphId++;
  private readonly ready: Int32Array[] = [];
  private posted = 0;

  /**
   * `regions`: byte offset of each chunk's accumulator region; `initial`: the
   * contents a region starts with (in the loop's dtype); `maxHelpers`: the
   * most helper threads to share a run with.
   */
  constructor(
    private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
    private readonly regions: readonly number[],
    private readonly initial: Float64Array | Float32Array,
    private readonly maxHelpers: number,
  ) {
    forgetting?.register(this, this.id);
  }

  /** Helper threads that have instantiated this module (posting it to new ones). */
  helpers(): number {
    // More helpers than chunks beyond the caller's first would find nothing to do.
    const available = Math.min(helperThreads(), this.maxHelpers, this.regions.length - 1);
    const workers = pool?.workers ?? [];
    for (; this.posted < available; this.posted++) {
      const ready = new Int32Array(new SharedArrayBuffer(4));
      this.ready.push(ready);
      workers[this.posted].postMessage({
        kind: "graph",
        id: this.id,
        module: this.module,
        memory: this.memory,
        regions: this.regions,
        initial: this.initial,
        ready: ready.buffer,
      });
    }
    let count = 0;
    while (count < this.ready.length && Atomics.load(this.ready[count], 0) === 1) count++;
    return count;
  }

  /**
   * Runs rows [0, groups · lanes), cut into as many chunks as there are
   * regions (chunk c setting up region c, then adding into it), on the
   * calling thread (`runChunk`) and the first `helpers` helpers (ready ones).
   */
  runShared(helpers: number, groups: number, lanes: number, runChunk: (chunk: number) => void): void {
    const control = (pool as Pool).control;
    const chunks = this.regions.length;
    control[PARTICIPANTS] = helpers;
    const job = ++jobSequence;
    control[GRAPH] = this.id;
    control[GROUPS] = groups;
    control[CHUNKS] = chunks;
    control[LANES] = lanes;
    Atomics.store(control, COMPLETED, 0);
    Atomics.store(control, CLAIM, (job & 0x7fff) << 16);
    Atomics.store(control, JOB, job);
    Atomics.notify(control, JOB);
    let mine = 0;
    for (
      let c = claimChunk(control, CLAIM, job, chunks);
      c >= 0;
      c = claimChunk(control, CLAIM, job, chunks), mine++
    ) {
      runChunk(c);
    }
    // Wait for the chunks the helpers claimed.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const completed = Atomics.load(control, COMPLETED);
      if (completed + mine >= chunks) break;
      if (Date.now() > deadline) throw new Error("cpu backend: a helper thread did not finish its rows");
      Atomics.wait(control, COMPLETED, completed, 5);
    }
    if (Atomics.exchange(control, FAILED, 0) !== 0)
      throw new Error("cpu backend: a helper thread failed on its rows");
  }
}
