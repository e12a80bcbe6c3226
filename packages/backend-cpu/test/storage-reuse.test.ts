/**
 * Freed arrays are handed out again (storage.ts): a reused array must never
 * carry its old contents into a result — neither into a kernel's output,
 * which starts from zeros, nor into a fused loop that keeps the inputs it
 * copied last time.
 */
import type { Tensor } from "@neureco/core";
import * as nc from "@neureco/core";
import { seededRandom } from "@neureco/core/testing";
import { describe, expect, it } from "vitest";
import { cpu } from "../src/index.js";
import { CpuStorage, reuseCount } from "../src/storage.js";

/** Values uniform in [-1, 1) from a seed. */
function values(length: number, seed: number): Float64Array {
  const random = seededRandom(seed);
  return Float64Array.from({ length }, () => 2 * random() - 1);
}

describe("cpu storage reuse", () => {
  it("hands a freed large array out again, zeroed for a kernel's output and overwritten by an upload", () => {
    const storage = new CpuStorage();
    const length = 20_000;
    const first = storage.upload(values(length, 1), [length], "float64");
    const array = storage.get({ dataId: first, shape: [length], dtype: "float64" });
    storage.dispose(first);
    const output = storage.allocate({ shape: [length], dtype: "float64" });
    expect(output).toBe(array);
    expect(reuseCount(output)).toBe(1);
    expect(output.every((v) => v === 0)).toBe(true);
    const again = storage.upload(values(length, 2), [length], "float64");
    storage.dispose(storage.adopt(output));
    const uploaded = storage.get({ dataId: again, shape: [length], dtype: "float64" });
    expect(Array.from(uploaded)).toEqual(Array.from(values(length, 2)));
  });

  it("keeps small arrays out of the pool", () => {
    const storage = new CpuStorage();
    const small = storage.upload(values(100, 3), [100], "float64");
    const array = storage.get({ dataId: small, shape: [100], dtype: "float64" });
    storage.dispose(small);
    expect(storage.allocate({ shape: [100], dtype: "float64" })).not.toBe(array);
  });

  it("a fused loop sees the new contents of an input array freed and reused since its last run", async () => {
    // Enough rows × instructions for the WebAssembly loop, which keeps the inputs it copied.
    const rows = 8_000;
    const inputs = 4;
    const backend = cpu();
    const fresh = cpu();
    const w = nc.tensor(backend, values(inputs * 6, 4), [inputs, 6]);
    const f = nc.jit((x: Tensor, weights: Tensor) => nc.sum(nc.tanh(nc.matmul(x, weights)), 0));
    const run = async (b: typeof backend, wt: Tensor, data: Float64Array) => {
      const x = nc.tensor(b, data, [rows, inputs]);
      const result = Array.from(await f(x, wt).read());
      x.dispose();
      return result;
    };
    const a = values(rows * inputs, 5);
    const b = values(rows * inputs, 6);
    await run(backend, w, a);
    // x of the second run gets the first run's freed array, with b's values in it.
    const second = await run(backend, w, b);
    const expected = await run(fresh, nc.tensor(fresh, values(inputs * 6, 4), [inputs, 6]), b);
    expect(second).toEqual(expected);
    backend.destroy();
    fresh.destroy();
  });
});
