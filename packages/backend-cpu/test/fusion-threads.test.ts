/**
 * Rows shared with helper threads (Node.js worker_threads over shared
 * WebAssembly memory) give the same results as the interpreter.
 */

import type { Backend, DType, Tensor } from "@neureco/core";
import * as nc from "@neureco/core";
import { describe, expect, it } from "vitest";
import { compileGraph, type FusedGraph, helperThreadsReady } from "../src/fusion/index.js";
import { CpuStorage } from "../src/storage.js";
import { interpretedBackend } from "./interpreted-backend.js";
import { smallNetwork, squaredError } from "./small-network.js";

function lossAndGradients(backend: Backend, rows: number, dtype: DType): Tensor[] {
  const { W1, b1, W2, b2, X, y } = smallNetwork(backend, rows, dtype);
  const [value, grads] = nc.valueAndGrad(squaredError(y))(W1, b1, W2, b2, X);
  return [value, ...grads];
}

describe("fused loops on helper threads", () => {
  for (const dtype of ["float64", "float32"] as const) {
    it(`split the rows and match the interpreter (${dtype})`, async () => {
      const storage = new CpuStorage();
      const compiled: FusedGraph[] = [];
      const interpreted = interpretedBackend(storage);
      const fused: Backend = {
        ...interpreted,
        compile: (graph) => {
          const c = compileGraph(graph, storage, { loop: "wasm", threadWork: 1 });
          if (c) compiled.push(c);
          return c;
        },
      };
      // Enough rows for several chunks; not a multiple of the lanes nor of the threads.
      const rows = 8001;
      const expected = lossAndGradients(interpreted, rows, dtype).map((x) => x.readSync());
      const helpers = await helperThreadsReady();
      // The helpers instantiate each graph in the background: run until they take part.
      let actual: Float64Array[] | Float32Array[] = [];
      for (let attempt = 0; attempt < 200; attempt++) {
        actual = lossAndGradients(fused, rows, dtype).map((x) => x.readSync()) as Float64Array[];
        if (compiled.some((c) => c.execution().threads > 1) || helpers === 0) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      if (helpers > 0) expect(Math.max(...compiled.map((c) => c.execution().threads))).toBeGreaterThan(1);
      const tol = dtype === "float64" ? 1e-13 : 1e-5;
      actual.forEach((a, k) => {
        const scale = Math.max(...Array.from(expected[k], Math.abs));
        a.forEach((v, i) => {
          expect(Math.abs(v - expected[k][i]), `output ${k}[${i}]`).toBeLessThanOrEqual(
            tol * (Math.abs(expected[k][i]) + scale),
          );
        });
      });
    });
  }
});
