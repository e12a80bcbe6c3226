/**
 * When the WebGPU backend fuses: a graph runs kernel by kernel until its
 * structure has run `fuseAfterCalls` times, then as one shader over the
 * rows, with the same results to float32 accuracy; `fuse: false` never
 * fuses. (What fused graphs compute is checked by the fusion conformance
 * suite, conformance.test.ts.)
 */
import type { Backend, CompiledGraph, Graph, Tensor } from "@neureco/core";
import * as nc from "@neureco/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GatedGraph } from "../src/fusion/compile.js";
import { type WebGpuBackend, webgpu } from "../src/index.js";
import { maxAbsDiff, randomValues } from "./helpers.js";

/** `gpu` with its compiler wrapped to keep what it returned. */
function watched(gpu: WebGpuBackend): { backend: Backend; compiled: (CompiledGraph | undefined)[] } {
  const compiled: (CompiledGraph | undefined)[] = [];
  return {
    compiled,
    backend: {
      name: gpu.name,
      dtypes: gpu.dtypes,
      kernels: gpu.kernels,
      upload: (data, shape, dtype) => gpu.upload(data, shape, dtype),
      read: (info) => gpu.read(info),
      dispose: (id) => gpu.dispose(id),
      compile: (graph: Graph) => {
        const result = gpu.compile(graph);
        compiled.push(result);
        return result;
      },
      destroy: () => gpu.destroy(),
    },
  };
}

/** A network's loss and its gradient w.r.t. the weights, on 300 rows. */
function lossAndGradient(backend: Backend) {
  const x = nc.tensor(backend, randomValues(300 * 5, 1), [300, 5], "float32");
  const w = nc.tensor(backend, randomValues(5 * 7, 2), [5, 7], "float32");
  const step = nc.jit((w: Tensor, x: Tensor) => {
    const [value, [gw]] = nc.valueAndGrad((w: Tensor) => nc.sum(nc.square(nc.tanh(nc.matmul(x, w)))))(w);
    return [value, gw];
  });
  return () => step(w, x);
}

describe("webgpu: when graphs are fused", () => {
  let gpu: WebGpuBackend;
  let unfused: WebGpuBackend;
  beforeAll(async () => {
    gpu = await webgpu({ fuseAfterCalls: 3 });
    unfused = await webgpu({ fuse: false });
  });
  afterAll(() => {
    gpu.destroy();
    unfused.destroy();
  });

  it("runs a graph kernel by kernel for its first two runs, fused from the third, with the same results", async () => {
    const { backend, compiled } = watched(gpu);
    const run = lossAndGradient(backend);
    const results: Float32Array[][] = [];
    const fused: boolean[] = [];
    for (let call = 0; call < 4; call++) {
      results.push((await Promise.all(run().map((t) => t.read()))) as Float32Array[]);
      const graph = compiled[compiled.length - 1];
      expect(graph).toBeInstanceOf(GatedGraph);
      fused.push((graph as GatedGraph).fused);
    }
    expect(fused).toEqual([false, false, true, true]);
    for (let call = 1; call < 4; call++) {
      results[call].forEach((values, k) => {
        const scale = Math.max(...Array.from(results[0][k], Math.abs));
        expect(maxAbsDiff(values, results[0][k])).toBeLessThanOrEqual(1e-5 * scale);
      });
    }
  });

  it("never compiles with fuse: false, and agrees with the fused backend", async () => {
    const { backend, compiled } = watched(unfused);
    const run = lossAndGradient(backend);
    const fusedRun = lossAndGradient(gpu);
    for (let call = 0; call < 3; call++) {
      const [a, b] = await Promise.all([
        Promise.all(run().map((t) => t.read())),
        Promise.all(fusedRun().map((t) => t.read())),
      ]);
      a.forEach((values, k) => {
        const scale = Math.max(...Array.from(b[k], Math.abs));
        expect(maxAbsDiff(values, b[k])).toBeLessThanOrEqual(1e-5 * scale);
      });
    }
    expect(compiled.every((c) => c === undefined)).toBe(true);
  });

  it("keeps apart the factor tables of passes whose reductions split differently between registers and records", async () => {
    // Both graphs reduce XᵀH (8 × 16) and ZᵀZ (10 × 10) over the rows, after
    // a column sum of 100 or 200 values: with 100, XᵀH's 128 elements still
    // fit in registers and ZᵀZ goes through records; with 200, the reverse.
    const fused = await webgpu({ fuseAfterCalls: 1 });
    const reference = await webgpu({ fuse: false });
    try {
      for (const wide of [100, 200]) {
        const run = (backend: Backend) => {
          const x = nc.tensor(backend, randomValues(70 * 8, 3), [70, 8], "float32");
          const h = nc.tensor(backend, randomValues(70 * 16, 4), [70, 16], "float32");
          const z = nc.tensor(backend, randomValues(70 * 10, 5), [70, 10], "float32");
          const c = nc.tensor(backend, randomValues(70 * wide, 6), [70, wide], "float32");
          const f = nc.jit((x: Tensor, h: Tensor, z: Tensor, c: Tensor) => [
            nc.sum(nc.exp(c), [0]),
            nc.matmul(nc.transpose(nc.tanh(x), [1, 0]), nc.tanh(h)),
            nc.matmul(nc.transpose(nc.tanh(z), [1, 0]), nc.tanh(z)),
          ]);
          return f(x, h, z, c);
        };
        const [got, want] = await Promise.all(
          [fused, reference].map((b) => Promise.all(run(b).map((t) => t.read()))),
        );
        got.forEach((values, k) => {
          const scale = Math.max(...Array.from(want[k], Math.abs));
          expect(maxAbsDiff(values, want[k]), `${wide} columns, output ${k}`).toBeLessThanOrEqual(
            1e-5 * scale,
          );
        });
      }
    } finally {
      fused.destroy();
      reference.destroy();
    }
  });

  it("refuses a fuseAfterCalls that is not a whole number ≥ 1", async () => {
    await expect(webgpu({ fuseAfterCalls: 0 })).rejects.toThrow(
      /fuseAfterCalls must be a whole number ≥ 1, got 0/,
    );
  });
});
