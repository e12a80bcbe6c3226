/**
 * Helper threads for WebAssembly row loops, in Node.js only (worker_threads,
 * loaded by a dynamic import so that browser bundles never see it).
 *
 * Each worker instantiates a graph's module over the same shared memory. A
 * job cuts the rows into chunks; the calling thread and the helpers claim
 * chunks from a shared counter until none is left, each adding into its own
 * accumulator region. The caller never waits for a helper that has not
 * claimed a chunk, so a helper descheduled on a busy machine costs nothing.
 * The pool starts in the background on first use; until a worker has
 * instantiated a graph, that graph simply runs on the calling thread.
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

/** First row of chunk c (a whole number of lane groups). */
function chunkStart(groups: number, chunks: number, lanes: number, c: number): number {
  return Math.round((groups * c) / chunks) * lanes;
}

// The worker: instantiate graphs on message; take part in jobs announced
// through the control words (Atomics.waitAsync keeps its event loop free).
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const control = new Int32Array(workerData.control);
const region = workerData.region;
const runs = new Map();
const imports = { ${Object.keys(WASM_IMPORTS)
  .map((name) => `${name}: Math.${name}`)
  .join(", ")} };
const claimChunk = ${claimChunk.toString()};
const chunkStart = ${chunkStart.toString()};
parentPort.on("message", (m) => {
  if (m.kind === "forget") { runs.delete(m.id); return; }
  const instance = new WebAssembly.Instance(m.module, { env: { memory: m.memory, ...imports } });
  runs.set(m.id, { run: instance.exports.run, regions: m.regions });
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
    if (!graph || region > control[${PARTICIPANTS}]) continue;
    for (let c; (c = claimChunk(control, ${CLAIM}, seen, chunks)) >= 0; ) {
      try {
        graph.run(chunkStart(groups, chunks, lanes, c), chunkStart(groups, chunks, lanes, c + 1), graph.regions[region]);
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
let nextGraphId = 1;

/** How many helper threads to use: the other cores, at most 7. */
function helperCount(os: typeof import("node:os")): number {
  const cores = typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
  return Math.max(0, Math.min(7, cores - 1));
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
      const count = helperCount(os);
      if (count === 0) return;
      const control = new Int32Array(new SharedArrayBuffer(WORDS * 4));
      const workers = Array.from({ length: count }, (_, helper) => {
        // Region 0 is the calling thread's; helper h adds into region h + 1.
        const worker = new threads.Worker(WORKER_SOURCE, {
          eval: true,
          workerData: { control: control.buffer, region: helper + 1 },
        });
        worker.unref();
        return worker;
      });
      pool = { workers, control };
    })
    .catch(() => {
      // No worker threads here: everything runs on the calling thread.
    });
}

/** The number of helper threads available now (0 while the pool starts or where there is none). */
export function helperThreads(): number {
  startPool();
  return pool?.workers.length ?? 0;
}

/** Resolves once the pool has started (or failed to), with its size; for tests and benchmarks. */
export async function helperThreadsReady(timeoutMs = 10_000): Promise<number> {
  const until = Date.now() + timeoutMs;
  while (helperThreads() === 0 && canUseThreads() && Date.now() < until)
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

  /** `regions`: byte offset of each thread's accumulator region (0: the caller). */
  constructor(
    private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
    private readonly regions: readonly number[],
  ) {
    forgetting?.register(this, this.id);
  }

  /** Helper threads that have instantiated this module (posting it to new ones). */
  helpers(): number {
    const available = Math.min(helperThreads(), this.regions.length - 1);
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
        ready: ready.buffer,
      });
    }
    let count = 0;
    while (count < this.ready.length && Atomics.load(this.ready[count], 0) === 1) count++;
    return count;
  }

  /**
   * Runs rows [0, groups · lanes) on the calling thread (`run`) and the first
   * `helpers` helpers (ready ones, whose accumulator regions the caller zeroed).
   */
  runShared(
    helpers: number,
    groups: number,
    lanes: number,
    run: (start: number, end: number, accumulators: number) => void,
  ): void {
    const control = (pool as Pool).control;
    const chunks = Math.min(groups, 16 * (1 + helpers));
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
      run(chunkStart(groups, chunks, lanes, c), chunkStart(groups, chunks, lanes, c + 1), this.regions[0]);
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
