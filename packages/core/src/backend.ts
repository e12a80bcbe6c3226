import type { Graph } from "./graph.js";
import type { DType, PrimitiveName, PrimitiveParams, Shape } from "./primitives.js";

/** Host-side element storage for a dtype. */
export type HostArray = Float64Array | Float32Array;

/**
 * Opaque handle to a buffer a backend owns. Core never looks inside it; the
 * backend maps it to its own storage (a typed array, a GPUBuffer, ...).
 */
export type DataId = object;

/** What a kernel sees of each input: the handle plus its static type. */
export interface TensorInfo {
  readonly dataId: DataId;
  readonly shape: Shape;
  readonly dtype: DType;
}

/** Shape and dtype the kernel must produce (core has already inferred them). */
export interface OutputSpec {
  readonly shape: Shape;
  readonly dtype: DType;
}

/**
 * A kernel computes one primitive: it reads its inputs, allocates the output
 * and returns its handle. It must not dispose or mutate its inputs.
 */
export type Kernel<P extends PrimitiveName> = (
  inputs: readonly TensorInfo[],
  params: PrimitiveParams[P],
  out: OutputSpec,
) => DataId;

export type KernelTable = { readonly [P in PrimitiveName]: Kernel<P> };

/** A graph a backend has compiled (for example fused into one loop). */
export interface CompiledGraph {
  /** Inputs in the graph's input order; returns one handle per graph output. */
  run(inputs: readonly TensorInfo[]): DataId[];
  dispose?(): void;
}

/**
 * The backend plugin interface. A backend is a plain object: buffers, the
 * kernel table, and optionally a graph compiler. Everything it must provide
 * is here; there is no base class of stubs.
 */
export interface Backend {
  /** Short name, e.g. "cpu" or "webgpu". */
  readonly name: string;
  /** dtypes this backend can store and compute in. */
  readonly dtypes: readonly DType[];
  /** Copies `data` (length = product of shape) into a new buffer. */
  upload(data: HostArray, shape: Shape, dtype: DType): DataId;
  /** Copies a buffer back to the host. Always async; GPU backends wait for the queue. */
  read(info: TensorInfo): Promise<HostArray>;
  /** Synchronous read-back, for backends whose memory is host memory. */
  readSync?(info: TensorInfo): HostArray;
  /** Frees one buffer. Disposing twice is a no-op. */
  dispose(dataId: DataId): void;
  readonly kernels: KernelTable;
  /**
   * Optional: compile a whole traced graph (fusion). Return undefined to let
   * core interpret the graph kernel by kernel.
   */
  compile?(graph: Graph): CompiledGraph | undefined;
  /** Frees everything the backend holds; later calls are errors. */
  destroy(): void;
}
