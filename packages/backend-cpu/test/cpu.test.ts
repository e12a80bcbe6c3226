import type { DType, HostArray } from "@neureco/core";
import { describe, expect, it } from "vitest";
import { cpu } from "../src/index.js";

const f64 = (values: number[]) => Float64Array.from(values);

describe("cpu backend", () => {
  it("is named cpu and supports float64 and float32", () => {
    const backend = cpu();
    expect(backend.name).toBe("cpu");
    expect([...backend.dtypes].sort()).toEqual(["float32", "float64"]);
    backend.destroy();
  });

  it("stores float32 data in a Float32Array, rounding float64 input", () => {
    const backend = cpu();
    const info = {
      dataId: backend.upload(f64([0.1, 1 / 3]), [2], "float32"),
      shape: [2],
      dtype: "float32" as const,
    };
    const back = backend.readSync?.(info);
    expect(back).toBeInstanceOf(Float32Array);
    expect(Array.from(back ?? [])).toEqual([Math.fround(0.1), Math.fround(1 / 3)]);
    backend.destroy();
  });

  it("rejects an unknown dtype with a clear error", () => {
    const backend = cpu();
    expect(() => backend.upload(f64([1]), [1], "int32" as DType)).toThrow(/unknown dtype "int32"/);
    const x = { dataId: backend.upload(f64([1]), [1], "float64"), shape: [1], dtype: "float64" as const };
    expect(() => backend.kernels.neg([x], {}, { shape: [1], dtype: "float16" as DType })).toThrow(
      /unknown dtype/,
    );
    backend.destroy();
  });

  it("rejects an upload whose length does not match the shape", () => {
    const backend = cpu();
    expect(() => backend.upload(f64([1, 2, 3]), [2, 2], "float64")).toThrow(/3 values for shape \[2, 2\]/);
    backend.destroy();
  });

  it("says when tensor data was disposed", async () => {
    const backend = cpu();
    const x = { dataId: backend.upload(f64([1, 2]), [2], "float64"), shape: [2], dtype: "float64" as const };
    backend.dispose(x.dataId);
    backend.dispose(x.dataId);
    expect(() => backend.readSync?.(x)).toThrow("tensor data was disposed");
    await expect(backend.read(x)).rejects.toThrow("tensor data was disposed");
    expect(() => backend.kernels.exp([x], {}, { shape: [2], dtype: "float64" })).toThrow(
      "tensor data was disposed",
    );
    backend.destroy();
  });

  it("refuses handles of another backend and a wrong dtype", () => {
    const one = cpu();
    const other = cpu();
    const x = { dataId: one.upload(f64([1]), [1], "float64"), shape: [1], dtype: "float64" as const };
    expect(() => other.readSync?.(x)).toThrow(/not created by this backend/);
    expect(() => one.readSync?.({ ...x, dtype: "float32" })).toThrow(/float64, used as float32/);
    one.destroy();
    other.destroy();
  });

  it("fails clearly on every use after destroy; dispose stays a no-op", async () => {
    const backend = cpu();
    const x = { dataId: backend.upload(f64([1]), [1], "float64"), shape: [1], dtype: "float64" as const };
    backend.destroy();
    expect(() => backend.upload(f64([1]), [1], "float64")).toThrow(/destroyed/);
    await expect(backend.read(x)).rejects.toThrow(/destroyed/);
    expect(() => backend.kernels.neg([x], {}, { shape: [1], dtype: "float64" })).toThrow(/destroyed/);
    expect(() => backend.kernels.fill([], { shape: [1], value: 0, dtype: "float64" }, x)).toThrow(
      /destroyed/,
    );
    expect(() => backend.dispose(x.dataId)).not.toThrow();
  });

  describe("kernel argument checks", () => {
    const backend = cpu();
    const upload = (values: number[], shape: number[], dtype: DType = "float64") => ({
      dataId: backend.upload(dtype === "float64" ? f64(values) : Float32Array.from(values), shape, dtype),
      shape,
      dtype,
    });
    const a = upload([1, 2, 3, 4, 5, 6], [2, 3]);
    const b = upload([1, 2, 3, 4, 5, 6], [3, 2]);
    const out = (shape: number[]) => ({ shape, dtype: "float64" as const });

    it("binary operands must have identical shapes", () => {
      expect(() => backend.kernels.add([a, b], {}, out([2, 3]))).toThrow(
        /operand shapes \[2, 3\] and \[3, 2\] differ/,
      );
    });
    it("matmul inner dimensions must agree", () => {
      expect(() => backend.kernels.matmul([a, a], {}, out([2, 3]))).toThrow(
        /cannot multiply \[2, 3\] by \[2, 3\]/,
      );
    });
    it("the output spec must match the primitive's output shape", () => {
      expect(() => backend.kernels.matmul([a, b], {}, out([2, 3]))).toThrow(
        /output shape \[2, 3\] should be \[2, 2\]/,
      );
    });
    it("indices must be in range", () => {
      expect(() => backend.kernels.gather([a], { axis: 1, indices: [0, 3] }, out([2, 2]))).toThrow(
        /index 3 out of range/,
      );
      expect(() =>
        backend.kernels.scatterAdd([a], { axis: 1, indices: [0, 1, 2], size: 2 }, out([2, 2])),
      ).toThrow(/index 2 out of range \[0, 2\)/);
      expect(() => backend.kernels.scatterAdd([a], { axis: 1, indices: [0], size: 2 }, out([2, 2]))).toThrow(
        /1 indices for 3 entries/,
      );
    });
    it("axes, permutations, slices and broadcasts are checked", () => {
      expect(() => backend.kernels.sum([a], { axes: [2] }, out([2, 3]))).toThrow(/axis 2 out of range/);
      expect(() => backend.kernels.transpose([a], { perm: [0, 0] }, out([2, 2]))).toThrow(
        /not a permutation/,
      );
      expect(() => backend.kernels.slice([a], { begin: [1, 1], size: [1, 3] }, out([1, 3]))).toThrow(
        /outside/,
      );
      expect(() => backend.kernels.broadcast([a], { shape: [4, 3] }, out([4, 3]))).toThrow(
        /cannot broadcast/,
      );
      expect(() => backend.kernels.reshape([a], { shape: [4] }, out([4]))).toThrow(/cannot reshape/);
      expect(() => backend.kernels.concat([a, b], { axis: 0 }, out([5, 3]))).toThrow(/differ off axis 0/);
    });
    it("a kernel may not be given the wrong number of inputs", () => {
      expect(() => backend.kernels.neg([a, a], {}, out([2, 3]))).toThrow(/expects 1 input/);
      expect(() => backend.kernels.concat([], { axis: 0 }, out([0]))).toThrow(/at least one input/);
    });
  });

  describe("edge cases", () => {
    const backend = cpu();
    const read = (dataId: object, shape: number[], dtype: DType = "float64"): HostArray => {
      const result = backend.readSync?.({ dataId, shape, dtype });
      if (result === undefined) throw new Error("cpu backend has readSync");
      return result;
    };
    const upload = (values: number[], shape: number[]) => ({
      dataId: backend.upload(f64(values), shape, "float64"),
      shape,
      dtype: "float64" as const,
    });

    it("sum over an empty axis is 0 and max over it is -Infinity", () => {
      const empty = upload([], [2, 0]);
      const spec = { shape: [2, 1], dtype: "float64" as const };
      expect(Array.from(read(backend.kernels.sum([empty], { axes: [1] }, spec), [2, 1]))).toEqual([0, 0]);
      expect(Array.from(read(backend.kernels.max([empty], { axes: [1] }, spec), [2, 1]))).toEqual([
        -Infinity,
        -Infinity,
      ]);
    });

    it("max propagates NaN wherever it sits", () => {
      const x = upload([Number.NaN, 1, 2, 3, Number.NaN, 0], [2, 3]);
      const rows = read(backend.kernels.max([x], { axes: [1] }, { shape: [2, 1], dtype: "float64" }), [2, 1]);
      expect(Array.from(rows)).toEqual([Number.NaN, Number.NaN]);
      const cols = read(backend.kernels.max([x], { axes: [0] }, { shape: [1, 3], dtype: "float64" }), [1, 3]);
      expect(Array.from(cols)).toEqual([Number.NaN, Number.NaN, 2]);
    });

    it("matmul with an empty inner dimension gives zeros", () => {
      const a = upload([], [2, 0]);
      const b = upload([], [0, 3]);
      const c = read(backend.kernels.matmul([a, b], {}, { shape: [2, 3], dtype: "float64" }), [2, 3]);
      expect(Array.from(c)).toEqual([0, 0, 0, 0, 0, 0]);
    });

    it("sigmoid saturates without NaN at large magnitudes", () => {
      const x = upload([-1000, 1000, 0], [3]);
      const y = read(backend.kernels.sigmoid([x], {}, { shape: [3], dtype: "float64" }), [3]);
      expect(Array.from(y)).toEqual([0, 1, 0.5]);
    });

    it("cast rounds to float32 and back exactly", () => {
      const x = upload([0.1, 1e-50, 3e39], [3]);
      const y = read(
        backend.kernels.cast([x], { dtype: "float32" }, { shape: [3], dtype: "float32" }),
        [3],
        "float32",
      );
      expect(y).toBeInstanceOf(Float32Array);
      expect(Array.from(y)).toEqual([Math.fround(0.1), 0, Infinity]);
    });

    it("a kernel never returns its input's handle", () => {
      const x = upload([1, 2], [2]);
      const y = backend.kernels.reshape([x], { shape: [1, 2] }, { shape: [1, 2], dtype: "float64" });
      expect(y).not.toBe(x.dataId);
      backend.dispose(x.dataId);
      expect(Array.from(read(y, [1, 2]))).toEqual([1, 2]);
    });
  });
});
