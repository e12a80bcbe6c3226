import { REFERENCE, type RefValue } from "@neureco/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { roundedSize } from "../src/buffer-pool.js";
import { type WebGpuBackend, WebGpuDeviceError, webgpu } from "../src/index.js";
import { inverseIndexList } from "../src/kernels/indexed.js";
import { apply, input, maxAbsDiff, randomValues, readArray } from "./helpers.js";

const value = (data: ArrayLike<number>, shape: number[]): RefValue => ({
  data: Float64Array.from(data),
  shape,
});

describe("webgpu backend on a real adapter", () => {
  let backend: WebGpuBackend;
  beforeAll(async () => {
    backend = await webgpu();
  });
  afterAll(() => backend.destroy());

  it("is a float32 backend named webgpu", () => {
    expect(backend.name).toBe("webgpu");
    expect(backend.dtypes).toEqual(["float32"]);
  });

  it("converts Float64Array uploads to float32 and reads back a Float32Array", async () => {
    const info = {
      dataId: backend.upload(Float64Array.from([0.1, 1 / 3]), [2], "float32"),
      shape: [2],
      dtype: "float32" as const,
    };
    const back = await backend.read(info);
    expect(back).toBeInstanceOf(Float32Array);
    expect(Array.from(back)).toEqual([Math.fround(0.1), Math.fround(1 / 3)]);
  });

  it("refuses float64 tensors with a message that names float32", () => {
    expect(() => backend.upload(Float64Array.from([1]), [1], "float64")).toThrow(/float32 only/);
  });

  it("keeps a disposed buffer out of the pool until the commands that read it are submitted", async () => {
    const a = input(backend, [1, 2, 3, 4], [4]);
    const negated = apply(backend, "neg", [a], {}, [4]);
    backend.dispose(a.dataId);
    // Same size: would reuse a's buffer and overwrite it before neg runs if
    // the pool handed it out before the submit.
    const b = input(backend, [9, 9, 9, 9], [4]);
    expect(await readArray(backend, negated)).toEqual([-1, -2, -3, -4]);
    expect(await readArray(backend, b)).toEqual([9, 9, 9, 9]);
  });

  it("submits in batches when many dispatches are recorded before a read", async () => {
    const small = await webgpu({ maxBatchedDispatches: 2 });
    try {
      let x = input(small, [1, -2, 3], [3]);
      const one = input(small, [1, 1, 1], [3]);
      for (let i = 0; i < 9; i++) x = apply(small, "add", [x, one], {}, [3]);
      expect(await readArray(small, x)).toEqual([10, 7, 12]);
    } finally {
      small.destroy();
    }
  });

  it("spreads more than 65535 workgroups over a 2D grid", async () => {
    const n = 65_535 * 64 + 1000; // one workgroup of 64 threads per 64 elements
    const x = apply(backend, "fill", [], { shape: [n], value: 0.5, dtype: "float32" }, [n]);
    const doubled = apply(backend, "add", [x, x], {}, [n]);
    const values = await backend.read(doubled);
    expect(values.length).toBe(n);
    expect(values.every((v) => v === 1)).toBe(true);
  });

  it("transposes rank-6 tensors and rejects rank 7 with a clear error", async () => {
    const shape = [2, 1, 3, 2, 1, 2];
    const values = Array.from({ length: 24 }, (_, i) => i);
    const perm = [5, 3, 0, 2, 4, 1];
    const outShape = perm.map((p) => shape[p]);
    const result = await readArray(
      backend,
      apply(backend, "transpose", [input(backend, values, shape)], { perm }, outShape),
    );
    // Independent check: out[j...] = in[i...] with i[perm[k]] = j[k].
    const strides = [12, 12, 4, 2, 2, 1];
    const expected: number[] = [];
    const j = [0, 0, 0, 0, 0, 0];
    const visit = (axis: number): void => {
      if (axis === 6) {
        const i = [0, 0, 0, 0, 0, 0];
        perm.forEach((p, k) => (i[p] = j[k]));
        expected.push(i.reduce((acc, v, d) => acc + v * strides[d], 0));
        return;
      }
      for (j[axis] = 0; j[axis] < outShape[axis]; j[axis]++) visit(axis + 1);
    };
    visit(0);
    expect(result).toEqual(expected);
    const rank7 = [1, 1, 1, 1, 1, 1, 2];
    expect(() =>
      apply(backend, "transpose", [input(backend, [1, 2], rank7)], { perm: [0, 1, 2, 3, 4, 5, 6] }, rank7),
    ).toThrow(/rank 7/);
  });

  it("gathers and scatter-adds with repeated indices", async () => {
    const x = input(backend, [1, 2, 3, 10, 20, 30], [2, 3]);
    const gathered = apply(backend, "gather", [x], { axis: 1, indices: [2, 0, 2, 1] }, [2, 4]);
    expect(await readArray(backend, gathered)).toEqual([3, 1, 3, 2, 30, 10, 30, 20]);
    const scattered = apply(
      backend,
      "scatterAdd",
      [gathered],
      { axis: 1, indices: [2, 0, 2, 1], size: 4 },
      [2, 4],
    );
    expect(await readArray(backend, scattered)).toEqual([1, 2, 6, 0, 10, 20, 60, 0]);
  });

  it("handles zero-size tensors without dispatching", async () => {
    const empty = input(backend, [], [0, 3]);
    expect(await readArray(backend, apply(backend, "sum", [empty], { axes: [0] }, [1, 3]))).toEqual([
      0, 0, 0,
    ]);
    expect(await readArray(backend, apply(backend, "max", [empty], { axes: [0] }, [1, 3]))).toEqual([
      -Infinity,
      -Infinity,
      -Infinity,
    ]);
    const a = input(backend, [], [2, 0]);
    const b = input(backend, [], [0, 2]);
    expect(await readArray(backend, apply(backend, "matmul", [a, b], {}, [2, 2]))).toEqual([0, 0, 0, 0]);
    expect(await readArray(backend, apply(backend, "exp", [empty], {}, [0, 3]))).toEqual([]);
  });

  it("keeps tanh and sigmoid finite and saturated for large |x|", async () => {
    const x = input(backend, [-100, -20, 0, 20, 100], [5]);
    expect(await readArray(backend, apply(backend, "tanh", [x], {}, [5]))).toEqual([-1, -1, 0, 1, 1]);
    const sig = await readArray(backend, apply(backend, "sigmoid", [x], {}, [5]));
    expect(sig[2]).toBe(0.5);
    expect(sig[4]).toBe(1);
    expect(sig[0]).toBeGreaterThanOrEqual(0);
    expect(sig[0]).toBeLessThan(1e-40);
  });

  it("refuses tensors larger than the device can bind, and keeps working", async () => {
    const limit = Math.min(
      backend.device.limits.maxStorageBufferBindingSize,
      backend.device.limits.maxBufferSize,
    );
    const n = Math.floor(limit / 4) + 1;
    expect(() => apply(backend, "fill", [], { shape: [n], value: 1, dtype: "float32" }, [n])).toThrow(
      /exceeds this device's largest storage buffer/,
    );
    expect(await readArray(backend, apply(backend, "neg", [input(backend, [2], [1])], {}, [1]))).toEqual([
      -2,
    ]);
  });

  it("rejects tensors of another backend instance", async () => {
    const other = await webgpu();
    try {
      const foreign = input(other, [1], [1]);
      expect(() => apply(backend, "neg", [foreign], {}, [1])).toThrow(/another backend/);
    } finally {
      other.destroy();
    }
  });
});

describe("matmul paths against the float64 reference", () => {
  let backend: WebGpuBackend;
  beforeAll(async () => {
    backend = await webgpu();
  });
  afterAll(() => backend.destroy());

  // [n, k, m]: direct (small), tiled (every side ≥ 16, ragged edges), split-K (long k, few outputs)
  const cases: [string, number, number, number][] = [
    ["direct", 7, 3, 5],
    ["tiled", 70, 33, 50],
    ["tiled, exact tiles", 32, 16, 16],
    ["split-K", 3, 5000, 2],
  ];
  for (const [path, n, k, m] of cases) {
    it(`${path}: [${n}, ${k}] · [${k}, ${m}]`, async () => {
      const a = randomValues(n * k, n + k);
      const b = randomValues(k * m, k + m);
      const product = await backend.read(
        apply(backend, "matmul", [input(backend, a, [n, k]), input(backend, b, [k, m])], {}, [n, m]),
      );
      const expected = REFERENCE.matmul([value(a, [n, k]), value(b, [k, m])], {});
      // float32 rounding grows with the inner dimension k (terms of magnitude <= 1)
      expect(maxAbsDiff(product, expected.data)).toBeLessThan(k * 1e-6);
    });
  }
});

describe("a dispatch grid capped at 3 workgroups per dimension (3D grids)", () => {
  let backend: WebGpuBackend;
  beforeAll(async () => {
    backend = await webgpu({ maxWorkgroupsPerDimension: 3 });
  });
  afterAll(() => backend.destroy());

  it("runs elementwise kernels over 1000 elements (16 workgroups)", async () => {
    const x = randomValues(1000, 3);
    const result = await backend.read(apply(backend, "exp", [input(backend, x, [1000])], {}, [1000]));
    expect(maxAbsDiff(result, x.map(Math.exp))).toBeLessThan(1e-6);
  });

  it("runs direct and tiled matmul", async () => {
    for (const [n, k, m] of [
      [300, 5, 2],
      [100, 20, 40],
    ]) {
      const a = randomValues(n * k, 1);
      const b = randomValues(k * m, 2);
      const product = await backend.read(
        apply(backend, "matmul", [input(backend, a, [n, k]), input(backend, b, [k, m])], {}, [n, m]),
      );
      expect(
        maxAbsDiff(product, REFERENCE.matmul([value(a, [n, k]), value(b, [k, m])], {}).data),
      ).toBeLessThan(1e-4);
    }
  });

  it("reduces in chunks and transposes", async () => {
    const x = randomValues(5000 * 3, 5);
    const info = input(backend, x, [5000, 3]);
    const sums = await backend.read(apply(backend, "sum", [info], { axes: [0] }, [1, 3]));
    expect(maxAbsDiff(sums, REFERENCE.sum([value(x, [5000, 3])], { axes: [0] }).data)).toBeLessThan(1e-3);
    const maxes = await backend.read(apply(backend, "max", [info], { axes: [0] }, [1, 3]));
    expect(Array.from(maxes)).toEqual(Array.from(REFERENCE.max([value(x, [5000, 3])], { axes: [0] }).data));
    const y = x.subarray(0, 1200); // 1200 threads: within the 3×3×3 grid of 64-thread groups
    const transposed = await backend.read(
      apply(backend, "transpose", [input(backend, y, [400, 3])], { perm: [1, 0] }, [3, 400]),
    );
    expect(Array.from(transposed)).toEqual(
      Array.from(REFERENCE.transpose([value(y, [400, 3])], { perm: [1, 0] }).data),
    );
  });
});

describe("device failures become clear errors", () => {
  it("reports an uncaptured GPU error at the next read and call", async () => {
    const backend = await webgpu();
    try {
      const x = input(backend, [1, 2], [2]);
      // An invalid usage combination: a validation error nobody captures.
      backend.device.createBuffer({ size: 4, usage: 0x0001 | 0x0080 });
      await expect(backend.read(x)).rejects.toThrow(WebGpuDeviceError);
      expect(() => apply(backend, "neg", [x], {}, [2])).toThrow(/reported an error/);
    } finally {
      backend.destroy();
    }
  });

  it("reports a lost device instead of hanging", async () => {
    const backend = await webgpu();
    try {
      const x = input(backend, [1, 2], [2]);
      const y = apply(backend, "exp", [x], {}, [2]);
      backend.device.destroy(); // what a driver reset looks like from here
      await expect(backend.read(y)).rejects.toThrow(/lost/);
      expect(() => apply(backend, "neg", [x], {}, [2])).toThrow(/lost/);
    } finally {
      backend.destroy();
    }
  });

  it("fails every call after destroy", async () => {
    const backend = await webgpu();
    const x = input(backend, [1], [1]);
    backend.destroy();
    expect(() => input(backend, [1], [1])).toThrow(/destroyed/);
    await expect(Promise.resolve().then(() => backend.read(x))).rejects.toThrow(/destroyed/);
    expect(() => backend.dispose(x.dataId)).not.toThrow();
  });
});

describe("host-side helpers", () => {
  it("builds the inverse (CSR) list of a scatter index list", () => {
    // indices[j] = slot: slot 0 <- j 1, slot 1 <- none, slot 2 <- j 0, 2, 3
    expect(Array.from(inverseIndexList([2, 0, 2, 2], 3))).toEqual([0, 1, 1, 4, 1, 0, 2, 3]);
  });

  it("rounds pool sizes to powers of two, then whole MiB", () => {
    expect([1, 17, 1000, 1 << 20, (1 << 20) + 1].map(roundedSize)).toEqual([16, 32, 1024, 1 << 20, 2 << 20]);
  });
});
