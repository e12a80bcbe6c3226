/**
 * Helper threads for WebAssembly row loops, in Node.js only (worker_threads,
 * loaded by a dynamic import so that browser bundles never see it).
 *
 * Each worker instantiates a graph's module over the same shared memory and
 * runs a share of the rows when told to through a shared control array.
 * The pool starts in the background on first use; until a worker has
 * instantiated a graph, that graph simply runs on the calling thread.
 */
import { WASM_IMPORTS } from "./row-loop.js";

type WorkerThreads = typeof import("node:worker_threads");
type NodeWorker = InstanceType<WorkerThreads["Worker"]>;

/** Control words per worker, in an Int32Array over a SharedArrayBuffer. */
const SEQUENCE = 0;
const DONE = 1;
const GRAPH = 2;
const START = 3;
const END = 4;
const ACCUMULATORS = 5;
const FAILED = 6;
const WORDS = 8;

// The worker: instantiate graphs on message; run jobs signalled through the
// control words (Atomics.waitAsync keeps its event loop free for messages).
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const control = new Int32Array(workerData.control, workerData.slot * ${WORDS} * 4, ${WORDS});
const runs = new Map();
const imports = { ${Object.keys(WASM_IMPORTS)
  .map((name) => `${name}: Math.${name}`)
  .join(", ")} };
parentPort.on("message", (m) => {
  if (m.kind === "forget") { runs.delete(m.id); return; }
  const instance = new WebAssembly.Instance(m.module, { env: { memory: m.memory, ...imports } });
  runs.set(m.id, instance.exports.run);
  Atomics.store(new Int32Array(m.ready), 0, 1);
});
(async () => {
  let seen = 0;
  for (;;) {
    const waited = Atomics.waitAsync(control, ${SEQUENCE}, seen);
    if (waited.async) await waited.value;
    seen = Atomics.load(control, ${SEQUENCE});
    try {
      runs.get(control[${GRAPH}])(control[${START}], control[${END}], control[${ACCUMULATORS}]);
    } catch {
      Atomics.store(control, ${FAILED}, 1);
    }
    Atomics.store(control, ${DONE}, seen);
    Atomics.notify(control, ${DONE});
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

/** Starts the pool in the background (once); later calls see it when it is ready. */
function startPool(): void {
  if (poolStarting || !isNode || typeof SharedArrayBuffer === "undefined") return;
  poolStarting = true;
  const load = (specifier: string) => import(/* @vite-ignore */ specifier);
  Promise.all([
    load("node:worker_threads") as Promise<WorkerThreads>,
    load("node:os") as Promise<typeof import("node:os")>,
  ])
    .then(([threads, os]) => {
      const count = helperCount(os);
      if (count === 0) return;
      const control = new Int32Array(new SharedArrayBuffer(count * WORDS * 4));
      const workers = Array.from({ length: count }, (_, slot) => {
        const worker = new threads.Worker(WORKER_SOURCE, {
          eval: true,
          workerData: { control: control.buffer, slot },
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

/** Whether this environment can share WebAssembly memory with helper threads at all. */
export function canUseThreads(): boolean {
  return isNode && typeof SharedArrayBuffer !== "undefined";
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

/**
 * One graph's module on the helper threads. `helpers()` says how many are
 * ready; `run` hands ranges to them and waits until they are done.
 */
export class ThreadedModule {
  private readonly id = nextGraphId++;
  private readonly ready: Int32Array[] = [];
  private posted = 0;

  constructor(
    private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
  ) {
    forgetting?.register(this, this.id);
  }

  /** Helper threads that have instantiated this module (posting it to new ones). */
  helpers(): number {
    const available = helperThreads();
    const workers = pool?.workers ?? [];
    for (; this.posted < available; this.posted++) {
      const ready = new Int32Array(new SharedArrayBuffer(4));
      this.ready.push(ready);
      workers[this.posted].postMessage({
        kind: "graph",
        id: this.id,
        module: this.module,
        memory: this.memory,
        ready: ready.buffer,
      });
    }
    let count = 0;
    while (count < this.ready.length && Atomics.load(this.ready[count], 0) === 1) count++;
    return count;
  }

  /** Starts ranges on helpers 0…k−1 (one per helper); `wait` blocks until they finish. */
  start(ranges: readonly { start: number; end: number; accumulators: number }[]): void {
    const control = (pool as Pool).control;
    ranges.forEach((range, helper) => {
      const base = helper * WORDS;
      control[base + GRAPH] = this.id;
      control[base + START] = range.start;
      control[base + END] = range.end;
      control[base + ACCUMULATORS] = range.accumulators;
      Atomics.add(control, base + SEQUENCE, 1);
      Atomics.notify(control, base + SEQUENCE);
    });
  }

  wait(helpersStarted: number): void {
    const control = (pool as Pool).control;
    for (let helper = 0; helper < helpersStarted; helper++) {
      const base = helper * WORDS;
      const target = Atomics.load(control, base + SEQUENCE);
      const deadline = Date.now() + 60_000;
      for (;;) {
        const done = Atomics.load(control, base + DONE);
        if (done === target) break;
        if (Date.now() > deadline) throw new Error("cpu backend: a helper thread did not finish its rows");
        Atomics.wait(control, base + DONE, done, 1000);
      }
      if (Atomics.exchange(control, base + FAILED, 0) !== 0)
        throw new Error("cpu backend: a helper thread failed on its rows");
    }
  }
}
