import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BufferPool } from "../src/buffer-pool.js";
import { type WebGpuBackend, webgpu } from "../src/index.js";
import { STORAGE_USAGE } from "../src/runtime.js";

// A Regressor's gradient over many rows needs more buffer memory per call than
// the pool's free-list cap; the pool must still reuse those buffers on the
// next call instead of destroying and re-creating them.
const MIB = 1 << 20;

describe("buffer pool under calls larger than its free-list cap", () => {
  let gpu: WebGpuBackend;
  beforeAll(async () => {
    gpu = await webgpu();
  });
  afterAll(() => {
    gpu.destroy();
  });

  it("keeps as many free bytes as were held at once, and reuses them", () => {
    const pool = new BufferPool(gpu.device, gpu.device.limits.maxStorageBufferBindingSize, MIB);
    // Like a graph run between two submits: an intermediate released before
    // the submit cannot be reused yet, so the call holds every buffer it made.
    const call = () => {
      const a = pool.acquire(MIB, STORAGE_USAGE);
      const b = pool.acquire(2 * MIB, STORAGE_USAGE);
      pool.release(a);
      const c = pool.acquire(MIB, STORAGE_USAGE);
      pool.release(b);
      pool.release(c);
      pool.afterSubmit();
      return [a, b, c];
    };
    const first = call();
    expect(new Set(first).size).toBe(3);
    const second = call();
    expect(new Set([...first, ...second]).size).toBe(3);
    pool.destroy();
  });

  it("still destroys what exceeds both the cap and the most held at once", () => {
    const pool = new BufferPool(gpu.device, gpu.device.limits.maxStorageBufferBindingSize, MIB);
    const a = pool.acquire(MIB, STORAGE_USAGE);
    pool.release(a);
    pool.afterSubmit(); // free: a (1 MiB)
    const c = pool.acquire(2 * MIB, STORAGE_USAGE); // held at most 2 MiB at once
    pool.release(c);
    pool.afterSubmit(); // 1 MiB free + 2 MiB > max(1 MiB, 2 MiB): c is destroyed
    expect(pool.acquire(2 * MIB, STORAGE_USAGE)).not.toBe(c);
    expect(pool.acquire(MIB, STORAGE_USAGE)).toBe(a);
    pool.destroy();
  });
});
