/**
 * Host memory of the CPU backend: one typed array per handle. Stored arrays
 * are never mutated after the kernel that wrote them returns.
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

export class CpuStorage {
  private readonly arrays = new Map<DataId, HostArray>();
  private readonly disposed = new WeakSet<DataId>();
  private destroyed = false;
  private nextId = 0;

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
    return newHostArray(out.dtype, sizeOf(out.shape));
  }

  upload(data: HostArray, shape: Shape, dtype: DType): DataId {
    this.checkAlive();
    const size = sizeOf(shape);
    if (data.length !== size) {
      throw new Error(
        `cpu backend: upload of ${data.length} values for shape ${describeShape(shape)} (${size} elements)`,
      );
    }
    const copy = newHostArray(dtype, size);
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
    if (this.arrays.delete(dataId)) this.disposed.add(dataId);
  }

  destroy(): void {
    for (const dataId of this.arrays.keys()) this.disposed.add(dataId);
    this.arrays.clear();
    this.destroyed = true;
  }

  /** Number of live buffers (for leak checks in tests). */
  get liveCount(): number {
    return this.arrays.size;
  }
}
