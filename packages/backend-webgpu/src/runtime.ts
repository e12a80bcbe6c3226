/// <reference types="@webgpu/types" />
import { BufferPool } from "./buffer-pool.js";
import { DeviceHealth } from "./device-health.js";
import { BufferUsage, MapMode } from "./gpu-constants.js";
import { IndexBuffers } from "./index-buffers.js";
import type { Program } from "./program.js";

export const STORAGE_USAGE = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;
const UNIFORM_USAGE = BufferUsage.UNIFORM | BufferUsage.COPY_DST;

export interface RuntimeOptions {
  /** Dispatches recorded before the encoder is submitted without waiting for a read. */
  readonly maxBatchedDispatches: number;
  /** Cap on workgroups per grid dimension, at most the device's limit. */
  readonly maxWorkgroupsPerDimension?: number;
  /** The adapter emulates a GPU on the CPU (SwiftShader, lavapipe): see `workgroupFloats`. */
  readonly fallbackAdapter?: boolean;
  /** Workgroup memory of a fused pass, in floats, at most the device's limit. */
  readonly workgroupFloats?: number;
}

/**
 * Workgroup memory of a fused pass on a CPU fallback adapter, in floats.
 * SwiftShader's shader compiler takes time in proportion to a shader's
 * workgroup array: 2.4 s for 4,096 floats, 40 ms for 64 (a build compiles
 * dozens of shaders).
 */
const FALLBACK_WORKGROUP_FLOATS = 256;

/**
 * Owns the device-side machinery: pipeline cache, buffer pool, the command
 * encoder that collects dispatches until a read-back (or the batch limit)
 * submits them, and async read-back through staging buffers.
 */
export class GpuRuntime {
  readonly device: GPUDevice;
  readonly pool: BufferPool;
  readonly health: DeviceHealth;
  readonly maxWorkgroupsPerDimension: number;
  /** Workgroup memory a fused pass may use, in floats. */
  readonly workgroupFloats: number;
  /** Static index lists of gather / scatterAdd, uploaded once. */
  readonly indexBuffers: IndexBuffers;
  readonly #pipelines = new Map<string, GPUComputePipeline>();
  readonly #maxBatch: number;
  #encoder: GPUCommandEncoder | undefined;
  #pass: GPUComputePassEncoder | undefined;
  #recorded = 0;

  constructor(device: GPUDevice, options: RuntimeOptions) {
    this.device = device;
    this.pool = new BufferPool(
      device,
      Math.min(device.limits.maxBufferSize, device.limits.maxStorageBufferBindingSize),
    );
    this.health = new DeviceHealth(device);
    this.maxWorkgroupsPerDimension = Math.min(
      device.limits.maxComputeWorkgroupsPerDimension,
      options.maxWorkgroupsPerDimension ?? Number.POSITIVE_INFINITY,
    );
    this.#maxBatch = options.maxBatchedDispatches;
    const deviceFloats = Math.floor(device.limits.maxComputeWorkgroupStorageSize / 4);
    this.workgroupFloats = Math.min(
      deviceFloats,
      options.workgroupFloats ?? (options.fallbackAdapter ? FALLBACK_WORKGROUP_FLOATS : deviceFloats),
    );
    this.indexBuffers = new IndexBuffers(
      (data) => this.upload(data),
      (buffer) => this.pool.release(buffer),
    );
  }

  /** A pooled storage buffer of at least `bytes` bytes. */
  allocate(bytes: number): GPUBuffer {
    if (bytes > this.pool.maxBufferBytes) {
      throw new Error(
        `webgpu: a buffer of ${bytes} bytes exceeds this device's largest storage buffer ` +
          `(${this.pool.maxBufferBytes} bytes); split the data into smaller batches`,
      );
    }
    return this.pool.acquire(bytes, STORAGE_USAGE);
  }

  /** A pooled storage buffer holding `data`. */
  upload(data: Float32Array | Uint32Array): GPUBuffer {
    const buffer = this.allocate(data.byteLength);
    this.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
    return buffer;
  }

  /** Records one dispatch of `program` reading `inputs` and writing `output`. */
  dispatch(program: Program, inputs: readonly GPUBuffer[], output: GPUBuffer): void {
    this.dispatchBindings(program, [...inputs, output]);
  }

  /**
   * Records one dispatch of `program` whose binding 0 holds its uniforms and
   * bindings 1, 2, ... are `buffers` in order (for a shader with several
   * outputs).
   */
  dispatchBindings(program: Program, buffers: readonly GPUBuffer[]): void {
    const uniform = this.pool.acquire(program.uniforms.byteLength, UNIFORM_USAGE);
    this.device.queue.writeBuffer(uniform, 0, program.uniforms);
    this.#record(program, [uniform, ...buffers]);
    this.pool.release(uniform);
  }

  #record(program: Program, buffers: readonly GPUBuffer[]): void {
    const pipeline = this.#pipeline(program);
    const entries: GPUBindGroupEntry[] = buffers.map((buffer, binding) => ({
      binding,
      resource: { buffer },
    }));
    const bindGroup = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    const pass = this.#computePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(...program.dispatch);
    this.#countCommand();
  }

  /** Records a buffer-to-buffer copy (byte counts are multiples of 4). */
  copy(
    source: GPUBuffer,
    sourceOffset: number,
    target: GPUBuffer,
    targetOffset: number,
    bytes: number,
  ): void {
    this.#endPass();
    this.#commandEncoder().copyBufferToBuffer(source, sourceOffset, target, targetOffset, bytes);
    this.#countCommand();
  }

  /** Submits everything recorded so far. */
  flush(): void {
    this.#endPass();
    if (this.#encoder) {
      this.device.queue.submit([this.#encoder.finish()]);
      this.#encoder = undefined;
      this.#recorded = 0;
    }
    this.pool.afterSubmit();
  }

  /** Copies the first `bytes` bytes of `buffer` to the host once the queue reaches them. */
  async read(buffer: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
    this.health.check();
    const staging = this.device.createBuffer({
      size: bytes,
      usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST,
    });
    this.copy(buffer, 0, staging, 0, bytes);
    this.flush();
    try {
      const mapped = staging.mapAsync(MapMode.READ);
      mapped.catch(() => {}); // if the device is lost first, `health.lost` reports it
      await Promise.race([mapped, this.health.lost]);
      this.health.check();
      return staging.getMappedRange().slice(0);
    } finally {
      if (staging.mapState === "mapped") staging.unmap();
      staging.destroy();
    }
  }

  destroy(): void {
    this.#pass = undefined;
    this.#encoder = undefined;
    this.indexBuffers.destroy();
    this.pool.destroy();
    this.#pipelines.clear();
  }

  #pipeline(program: Program): GPUComputePipeline {
    let pipeline = this.#pipelines.get(program.cacheKey);
    if (!pipeline) {
      const module = this.device.createShaderModule({ label: program.name, code: program.wgsl() });
      pipeline = this.device.createComputePipeline({
        label: program.name,
        layout: "auto",
        compute: { module, entryPoint: "main" },
      });
      this.#pipelines.set(program.cacheKey, pipeline);
    }
    return pipeline;
  }

  #commandEncoder(): GPUCommandEncoder {
    this.#encoder ??= this.device.createCommandEncoder();
    return this.#encoder;
  }

  #computePass(): GPUComputePassEncoder {
    this.#pass ??= this.#commandEncoder().beginComputePass();
    return this.#pass;
  }

  #endPass(): void {
    this.#pass?.end();
    this.#pass = undefined;
  }

  #countCommand(): void {
    this.#recorded++;
    if (this.#recorded >= this.#maxBatch) this.flush();
  }
}
