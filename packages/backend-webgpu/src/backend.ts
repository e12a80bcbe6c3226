/// <reference types="@webgpu/types" />
import {
  type Backend,
  type CompiledGraph,
  type DataId,
  type DType,
  type Graph,
  type HostArray,
  type KernelTable,
  type Shape,
  sizeOf,
  type TensorInfo,
} from "@neureco/core";
import { type AcquiredDevice, type AcquireOptions, acquireDevice } from "./device.js";
import { compileGraph, type FusionSettings } from "./fusion/compile.js";
import { binaryKernel, selectKernel, unaryKernel } from "./kernels/elementwise.js";
import { castKernel, fillKernel, reshapeKernel } from "./kernels/fill.js";
import { gatherKernel, scatterAddKernel } from "./kernels/indexed.js";
import { broadcastKernel, concatKernel, sliceKernel, transposeKernel } from "./kernels/layout.js";
import { matmulKernel } from "./kernels/matmul.js";
import { reduceKernel } from "./kernels/reduce.js";
import { GpuRuntime } from "./runtime.js";
import { formatShape } from "./shape.js";
import { assertFloat32, GpuTensor, tensorOf } from "./tensor.js";

export interface WebGpuOptions extends AcquireOptions {
  /**
   * Dispatches recorded before they are submitted without waiting for a
   * read-back (default 256).
   */
  readonly maxBatchedDispatches?: number;
  /**
   * Uses at most this many workgroups per dispatch grid dimension (default and
   * ceiling: the device's limit). Large tensors then spread over more grid
   * dimensions; tests use it to exercise that path with small tensors.
   */
  readonly maxWorkgroupsPerDimension?: number;
  /**
   * Runs row-separable graphs (a network, its derivatives, the Gauss–Newton
   * terms of a build) as one shader over the rows with their reductions,
   * instead of one dispatch per primitive (default true).
   */
  readonly fuse?: boolean;
  /**
   * A graph of a given structure runs kernel by kernel until it has run this
   * many times, and then fused (default 3; 1: fused from its first run).
   * Compiling a shader costs far more than one run, so graphs run once or
   * twice (most of the networks a build tries) are better not compiled.
   */
  readonly fuseAfterCalls?: number;
  /**
   * Workgroup memory a fused pass may use, in floats (default: the device's
   * limit, or 256 on a CPU fallback adapter such as SwiftShader, whose
   * compile time grows with it). Tests use it to run the full-size path on
   * SwiftShader.
   */
  readonly fusedWorkgroupFloats?: number;
}

function kernelTable(rt: GpuRuntime): KernelTable {
  return {
    add: (inputs, _params, out) => binaryKernel("add")(rt, inputs, out),
    sub: (inputs, _params, out) => binaryKernel("sub")(rt, inputs, out),
    mul: (inputs, _params, out) => binaryKernel("mul")(rt, inputs, out),
    div: (inputs, _params, out) => binaryKernel("div")(rt, inputs, out),
    greater: (inputs, _params, out) => binaryKernel("greater")(rt, inputs, out),
    equal: (inputs, _params, out) => binaryKernel("equal")(rt, inputs, out),
    neg: (inputs, _params, out) => unaryKernel("neg")(rt, inputs, out),
    exp: (inputs, _params, out) => unaryKernel("exp")(rt, inputs, out),
    log: (inputs, _params, out) => unaryKernel("log")(rt, inputs, out),
    sqrt: (inputs, _params, out) => unaryKernel("sqrt")(rt, inputs, out),
    tanh: (inputs, _params, out) => unaryKernel("tanh")(rt, inputs, out),
    sigmoid: (inputs, _params, out) => unaryKernel("sigmoid")(rt, inputs, out),
    relu: (inputs, _params, out) => unaryKernel("relu")(rt, inputs, out),
    select: (inputs, _params, out) => selectKernel(rt, inputs, out),
    matmul: (inputs, _params, out) => matmulKernel(rt, inputs, out),
    sum: (inputs, params, out) => reduceKernel("sum")(rt, inputs, params, out),
    max: (inputs, params, out) => reduceKernel("max")(rt, inputs, params, out),
    broadcast: (inputs, params, out) => broadcastKernel(rt, inputs, params, out),
    reshape: (inputs, _params, out) => reshapeKernel(rt, inputs, out),
    transpose: (inputs, params, out) => transposeKernel(rt, inputs, params, out),
    slice: (inputs, params, out) => sliceKernel(rt, inputs, params, out),
    concat: (inputs, params, out) => concatKernel(rt, inputs, params, out),
    gather: (inputs, params, out) => gatherKernel(rt, inputs, params, out),
    scatterAdd: (inputs, params, out) => scatterAddKernel(rt, inputs, params, out),
    fill: (inputs, params, out) => fillKernel(rt, inputs, params, out),
    cast: (inputs, params, out) => castKernel(rt, inputs, params, out),
  };
}

const DEFAULT_FUSE_AFTER_CALLS = 3;

/**
 * Whether the adapter emulates a GPU on the CPU: a fallback adapter, or a
 * software Vulkan driver (SwiftShader, which a browser without a GPU may
 * offer as an ordinary adapter; Mesa's lavapipe / llvmpipe).
 */
function runsOnCpu(adapter: GPUAdapter): boolean {
  const info = adapter.info;
  if (!info) return false;
  if (info.isFallbackAdapter) return true;
  const names = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`;
  return /swiftshader|lavapipe|llvmpipe/i.test(names);
}

function fuseAfterCallsOf(options: WebGpuOptions): number {
  const calls = options.fuseAfterCalls ?? DEFAULT_FUSE_AFTER_CALLS;
  if (!(Number.isInteger(calls) && calls >= 1)) {
    throw new Error(`webgpu: fuseAfterCalls must be a whole number ≥ 1, got ${calls}`);
  }
  return calls;
}

/** The WebGPU backend: float32 buffers on one GPU device. */
export class WebGpuBackend implements Backend {
  readonly name = "webgpu";
  readonly dtypes: readonly DType[] = ["float32"];
  readonly kernels: KernelTable;
  /** The device, for interop (sharing buffers with other WebGPU code). */
  readonly device: GPUDevice;
  readonly adapter: GPUAdapter;
  /**
   * Held for the device's whole life: Dawn for Node crashes if its GPU
   * object is garbage-collected while a device is in use.
   */
  readonly gpu: GPU;
  readonly #runtime: GpuRuntime;
  readonly #fusion: FusionSettings | undefined;
  #destroyed = false;

  constructor(acquired: AcquiredDevice, options: WebGpuOptions = {}) {
    this.gpu = acquired.gpu;
    this.adapter = acquired.adapter;
    this.device = acquired.device;
    this.#runtime = new GpuRuntime(acquired.device, {
      maxBatchedDispatches: options.maxBatchedDispatches ?? 256,
      maxWorkgroupsPerDimension: options.maxWorkgroupsPerDimension,
      fallbackAdapter: runsOnCpu(acquired.adapter),
      workgroupFloats: options.fusedWorkgroupFloats,
    });
    this.kernels = kernelTable(this.#runtime);
    this.#fusion = (options.fuse ?? true) ? { fuseAfterCalls: fuseAfterCallsOf(options) } : undefined;
  }

  compile(graph: Graph): CompiledGraph | undefined {
    if (!this.#fusion) return undefined;
    this.#runtime.health.check();
    return compileGraph(graph, this.#runtime, this.kernels, this.#fusion);
  }

  upload(data: HostArray, shape: Shape, dtype: DType): DataId {
    this.#runtime.health.check();
    assertFloat32(dtype, "upload");
    const size = sizeOf(shape);
    if (data.length !== size) {
      throw new Error(
        `webgpu upload: ${data.length} values for shape ${formatShape(shape)} (${size} elements)`,
      );
    }
    if (size === 0) return new GpuTensor(this.#runtime, undefined, 0);
    const values = data instanceof Float32Array ? data : Float32Array.from(data);
    return new GpuTensor(this.#runtime, this.#runtime.upload(values), size);
  }

  async read(info: TensorInfo): Promise<Float32Array> {
    this.#runtime.health.check();
    const tensor = tensorOf(this.#runtime, info, "read");
    if (tensor.size === 0) return new Float32Array(0);
    const bytes = await this.#runtime.read(tensor.buffer, tensor.size * 4);
    return new Float32Array(bytes);
  }

  dispose(dataId: DataId): void {
    if (this.#destroyed) return;
    if (!(dataId instanceof GpuTensor)) throw new Error("webgpu dispose: not a tensor of this backend");
    dataId.release();
  }

  /** Submits recorded work without waiting for it (reads do this themselves). */
  flush(): void {
    this.#runtime.health.check();
    this.#runtime.flush();
  }

  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#runtime.health.markDestroyed();
    this.#runtime.destroy();
    this.device.destroy();
  }
}

/**
 * Creates the WebGPU backend: `navigator.gpu` in browsers, the `webgpu`
 * package (Dawn) in Node.js. Throws `WebGpuUnavailableError` when there is no
 * adapter, with the reason and how to use the CPU backend instead.
 */
export async function webgpu(options: WebGpuOptions = {}): Promise<WebGpuBackend> {
  fuseAfterCallsOf(options); // checked before a device is made
  return new WebGpuBackend(await acquireDevice(options), options);
}
