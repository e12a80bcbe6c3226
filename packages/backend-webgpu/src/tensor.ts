/// <reference types="@webgpu/types" />
import { type DType, type OutputSpec, sizeOf, type TensorInfo } from "@neureco/core";
import type { GpuRuntime } from "./runtime.js";
import { formatShape } from "./shape.js";

/**
 * The DataId of this backend: a float32 GPU buffer (or none, for zero-size
 * tensors) and the runtime that owns it.
 */
export class GpuTensor {
  #buffer: GPUBuffer | undefined;
  readonly size: number;
  readonly owner: GpuRuntime;

  constructor(owner: GpuRuntime, buffer: GPUBuffer | undefined, size: number) {
    this.owner = owner;
    this.#buffer = buffer;
    this.size = size;
  }

  get disposed(): boolean {
    return this.size > 0 && this.#buffer === undefined;
  }

  /** The buffer; throws for zero-size or disposed tensors. */
  get buffer(): GPUBuffer {
    if (!this.#buffer) {
      throw new Error(
        this.size === 0 ? "webgpu: a zero-size tensor has no buffer" : "webgpu: tensor was disposed",
      );
    }
    return this.#buffer;
  }

  /** Hands the buffer back to the pool; later uses are errors. */
  release(): void {
    if (this.#buffer) this.owner.pool.release(this.#buffer);
    this.#buffer = undefined;
  }
}

export function assertFloat32(dtype: DType, what: string): void {
  if (dtype !== "float32") {
    throw new Error(`webgpu ${what}: dtype ${dtype} is not supported; this backend computes in float32 only`);
  }
}

/** The backend's view of a kernel input, checked to belong to `runtime`. */
export function tensorOf(runtime: GpuRuntime, info: TensorInfo, what: string): GpuTensor {
  const id = info.dataId;
  if (!(id instanceof GpuTensor) || id.owner !== runtime) {
    throw new Error(`webgpu ${what}: the input tensor belongs to another backend`);
  }
  if (id.disposed)
    throw new Error(`webgpu ${what}: the input tensor ${formatShape(info.shape)} was disposed`);
  assertFloat32(info.dtype, what);
  return id;
}

/**
 * Allocates the output of a kernel (no buffer when it has no elements). Every
 * kernel calls it, so it is also where a lost device or an earlier GPU error
 * is reported.
 */
export function createOutput(runtime: GpuRuntime, out: OutputSpec, what: string): GpuTensor {
  runtime.health.check();
  assertFloat32(out.dtype, what);
  const size = sizeOf(out.shape);
  return new GpuTensor(runtime, size > 0 ? runtime.allocate(size * 4) : undefined, size);
}
