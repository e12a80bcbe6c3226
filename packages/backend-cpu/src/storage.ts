/**
 * Host memory of the CPU backend: one typed array per handle. Stored arrays
 * are never mutated after the kernel that wrote them returns, as long as
 * their handle lives.
 *
 * Freed arrays of at least POOL_MIN_BYTES are kept (up to POOL_MAX_BYTES in
 * all) and handed out again for the next array of the same dtype and
 * length: a fresh large array costs the operating system a page fault per
 * 4 KB on first touch, which on virtual machines made uploading 10^5 rows
 * of two inputs slower than the fused loop that reads them. A reused array
 * has new contents under the same identity; `reuseCount` tells them apart
 * for caches keyed by array (the WebAssembly runner's copied inputs).
 */
import {
  type DataId,
  type DType,
  type HostArray,
  type OutputSpec,
  type Shape,
  sizeOf,
  type TensorInfo,
} from "@neureco/core";

/** The handle type; core treats it as opaque. */
class CpuDataId {
  constructor(readonly id: number) {}
}

export function newHostArray(dtype: DType, length: number): HostArray {
  switch (dtype) {
    case "float64":
      return new Float64Array(length);
    case "float32":
      return new Float32Array(length);
    default:
      throw new Error(
        `cpu backend: unknown dtype ${JSON.stringify(dtype)} (expected "float64" or "float32")`,
      );
  }
}

export function dtypeOfArray(array: HostArray): DType {
  return array instanceof Float64Array ? "float64" : "float32";
}

const describeShape = (shape: Shape) => `[${shape.join(", ")}]`;

const BYTES_PER_ELEMENT: Record<DType, number> = { float64: 8, float32: 4 };

/** Smallest array kept for reuse: smaller ones come cheaply from the engine's heap. */
const POOL_MIN_BYTES = 1 << 16;
/** Most bytes of freed arrays kept for reuse, per storage. */
const POOL_MAX_BYTES = 64 << 20;

const reuses = new WeakMap<HostArray, number>();

/** How many times `array` was handed out again after being freed (0: never). */
export function reuseCount(array: HostArray): number {
  return reuses.get(array) ?? 0;
}

export class CpuStorage {
  private readonly arrays = new Map<DataId, HostArray>();
  private readonly disposed = new WeakSet<DataId>();
  private destroyed = false;
  private nextId = 0;
  /** Freed arrays by dtype and length, oldest first; `pooledBytes` in all. */
  private readonly pool: Record<DType, Map<number, HostArray[]>> = { float64: new Map(), float32: new Map() };
  private pooledBytes = 0;

  private checkAlive(): void {
    if (this.destroyed) throw new Error("cpu backend was destroyed; create a new one with cpu()");
  }

  /** Stores `array` (taking ownership) under a new handle. */
  adopt(array: HostArray): DataId {
    this.checkAlive();
    const dataId = new CpuDataId(this.nextId++);
    this.arrays.set(dataId, array);
    return dataId;
  }

  /** A zeroed array for a kernel's output, checked against the spec. */
  allocate(out: OutputSpec): HostArray {
    this.checkAlive();
    const length = sizeOf(out.shape);
    return this.reuse(out.dtype, length)?.fill(0) ?? newHostArray(out.dtype, length);
  }

  /** A freed array of this dtype and length, taken out of the pool, or undefined. */
  private reuse(dtype: DType, length: number): HostArray | undefined {
    // Most kernel outputs are small: they never reach the pool, so they skip the lookup (as does
    // an unknown dtype, which newHostArray then names).
    if (!(length * BYTES_PER_ELEMENT[dtype] >= POOL_MIN_BYTES)) return undefined;
    const array = this.pool[dtype].get(length)?.pop();
    if (array === undefined) return undefined;
    this.pooledBytes -= array.byteLength;
    reuses.set(array, reuseCount(array) + 1);
    return array;
  }

  /** Keeps a freed array for reuse; beyond POOL_MAX_BYTES, drops kept arrays, the lengths kept first going first. */
  private release(array: HostArray): void {
    if (array.byteLength < POOL_MIN_BYTES || array.byteLength > POOL_MAX_BYTES) return;
    const byLength = this.pool[dtypeOfArray(array)];
    const arrays = byLength.get(array.length);
    if (arrays) arrays.push(array);
    else byLength.set(array.length, [array]);
    this.pooledBytes += array.byteLength;
    for (const lengths of [this.pool.float64, this.pool.float32]) {
      for (const [length, kept] of lengths) {
        if (this.pooledBytes <= POOL_MAX_BYTES) return;
        while (kept.length > 0 && this.pooledBytes > POOL_MAX_BYTES)
          this.pooledBytes -= (kept.shift() as HostArray).byteLength;
        if (kept.length === 0) lengths.delete(length);
      }
    }
  }

  upload(data: HostArray, shape: Shape, dtype: DType): DataId {
    this.checkAlive();
    const size = sizeOf(shape);
    if (data.length !== size) {
      throw new Error(
        `cpu backend: upload of ${data.length} values for shape ${describeShape(shape)} (${size} elements)`,
      );
    }
    const copy = this.reuse(dtype, size) ?? newHostArray(dtype, size);
    copy.set(data);
    return this.adopt(copy);
  }

  /** The stored array of an input, after checking it is alive and matches `info`. */
  get(info: TensorInfo): HostArray {
    this.checkAlive();
    const array = this.arrays.get(info.dataId);
    if (array === undefined) {
      throw new Error(
        this.disposed.has(info.dataId)
          ? "cpu backend: tensor data was disposed"
          : "cpu backend: unknown tensor data (not created by this backend)",
      );
    }
    const dtype = dtypeOfArray(array);
    if (dtype !== info.dtype) throw new Error(`cpu backend: tensor data is ${dtype}, used as ${info.dtype}`);
    if (array.length !== sizeOf(info.shape)) {
      throw new Error(
        `cpu backend: tensor data has ${array.length} elements, used as shape ${describeShape(info.shape)}`,
      );
    }
    return array;
  }

  /** Frees one handle; a second call, or a call after destroy, does nothing. */
  dispose(dataId: DataId): void {
    const array = this.arrays.get(dataId);
    if (array === undefined) return;
    this.arrays.delete(dataId);
    this.disposed.add(dataId);
    this.release(array);
  }

  destroy(): void {
    for (const dataId of this.arrays.keys()) this.disposed.add(dataId);
    this.arrays.clear();
    this.pool.float64.clear();
    this.pool.float32.clear();
    this.pooledBytes = 0;
    this.destroyed = true;
  }

  /** Number of live buffers (for leak checks in tests). */
  get liveCount(): number {
    return this.arrays.size;
  }
}
