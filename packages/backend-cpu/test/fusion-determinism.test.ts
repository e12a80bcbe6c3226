/**
 * A fused graph with row reductions gives the same bits on every run: on its
 * first runs (before helper threads are ready) and later ones, and whatever
 * the number of helper threads sharing its rows.
 */

import type { Backend, DType, Tensor } from "@neureco/core";
import * as nc from "@neureco/core";
import { describe, expect, it } from "vitest";
import {
  compileGraph,
  type FusedGraph,
  type FusionOptions,
  helperThreadsReady,
} from "../src/fusion/index.js";
import { CpuStorage } from "../src/storage.js";
import { interpretedBackend } from "./interpreted-backend.js";
import { smallNetwork, squaredError } from "./small-network.js";

/** Enough rows for helper threads by default (rows × instructions ≥ 400,000); not a multiple of the lanes. */
const ROWS = 20_001;

/** A fresh backend (nothing compiled yet) whose graphs compile with `options`. */
function backendWith(options: FusionOptions, compiled: FusedGraph[]): Backend {
  const storage = new CpuStorage();
  return {
    ...interpretedBackend(storage),
    compile: (graph) => {
      const c = compileGraph(graph, storage, options);
      if (c) compiled.push(c);
      return c;
    },
  };
}

/** jit(valueAndGrad) of a small tanh network's squared error, over the weights. */
function lossAndGradients(backend: Backend, dtype: DType): () => Float64Array[] {
  const { W1, b1, W2, b2, X, y } = smallNetwork(backend, ROWS, dtype);
  const error = squaredError(y);
  const vg = nc.valueAndGrad((W1: Tensor, b1: Tensor, W2: Tensor, b2: Tensor) => error(W1, b1, W2, b2, X));
  const f = nc.jit((W1: Tensor, b1: Tensor, W2: Tensor, b2: Tensor) => {
    const [value, grads] = vg(W1, b1, W2, b2);
    return [value, ...grads];
  });
  return () => f(W1, b1, W2, b2).map((x) => Float64Array.from(x.readSync()));
}

function bitsOf(arrays: readonly Float64Array[]): string[] {
  return arrays.map((a) => Array.from(new BigUint64Array(a.buffer), (b) => b.toString(16)).join(" "));
}

interface Runs {
  readonly run: () => Float64Array[];
  readonly compiled: FusedGraph[];
}

function runsWith(options: FusionOptions, dtype: DType): Runs {
  const compiled: FusedGraph[] = [];
  return { run: lossAndGradients(backendWith(options, compiled), dtype), compiled };
}

/** Most threads any run of these graphs used so far. */
function threadsUsed(runs: Runs): number {
  return Math.max(1, ...runs.compiled.map((c) => c.execution().threads));
}

describe("fused row reductions are reproducible bit for bit", () => {
  for (const dtype of ["float64", "float32"] as const) {
    it(`on every run, first runs included, with 0, 1 or 2 helper threads (${dtype})`, async () => {
      // WebAssembly on the calling thread only, on a fresh backend.
      const reference = bitsOf(runsWith({ loop: "wasm", threadWork: Infinity }, dtype).run());
      const cases = [0, 1, 2].map((helpers) => ({
        helpers,
        runs: runsWith({ loop: "wasm", threadWork: 1, helpers }, dtype),
      }));
      // First runs on fresh backends, before the helpers have the graphs (or exist at all).
      for (const { helpers, runs } of cases)
        expect(bitsOf(runs.run()), `${helpers} helpers, first run`).toEqual(reference);
      const available = await helperThreadsReady(10_000, 2);
      for (const { helpers, runs } of cases) {
        const wanted = 1 + Math.min(helpers, available);
        // Helpers instantiate each graph in the background: run until they take part, and on.
        for (let call = 1; call < 200 && (call < 30 || threadsUsed(runs) < wanted); call++) {
          expect(bitsOf(runs.run()), `${helpers} helpers, run ${call}`).toEqual(reference);
          if (call % 5 === 0) await new Promise((r) => setTimeout(r, 5));
        }
        expect(threadsUsed(runs), `${helpers} helpers`).toBe(wanted);
      }
    });

    it(`with the default options, as with no threads (${dtype})`, async () => {
      const reference = bitsOf(runsWith({ threadWork: Infinity }, dtype).run());
      const runs = runsWith({}, dtype);
      expect(bitsOf(runs.run()), "first run").toEqual(reference);
      const available = await helperThreadsReady();
      for (let call = 1; call < 200 && (call < 30 || (available > 0 && threadsUsed(runs) === 1)); call++) {
        expect(bitsOf(runs.run()), `run ${call}`).toEqual(reference);
        if (call % 5 === 0) await new Promise((r) => setTimeout(r, 5));
      }
      expect(runs.compiled.every((c) => c.execution().loop === "wasm")).toBe(true);
      if (available > 0) expect(threadsUsed(runs)).toBeGreaterThan(1);
    });
  }
});
