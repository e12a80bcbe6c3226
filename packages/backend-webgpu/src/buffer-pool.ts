/// <reference types="@webgpu/types" />

const MIB = 1 << 20;

/** Pool bucket for a request: powers of two up to 1 MiB, whole MiBs above. */
export function roundedSize(bytes: number): number {
  if (bytes <= 16) return 16;
  if (bytes <= MIB) return 2 ** Math.ceil(Math.log2(bytes));
  return Math.ceil(bytes / MIB) * MIB;
}

/**
 * GPU buffers pooled by (usage, rounded size). A released buffer may still be
 * used by commands recorded but not yet submitted, so it waits in `pending`
 * and becomes reusable only after the next submit (`afterSubmit`).
 *
 * Free buffers are kept up to `maxFreeBytes` or, when more, the most bytes
 * ever out of the free lists at once (in use, or released but not yet
 * submitted): a workload whose calls each need more than the cap
 * (a gradient over 10^5 rows or more) then reuses its buffers call after call
 * instead of destroying and re-creating them.
 */
export class BufferPool {
  readonly #device: GPUDevice;
  readonly #free = new Map<string, GPUBuffer[]>();
  #pending: GPUBuffer[] = [];
  #freeBytes = 0;
  /** Bytes acquired and not yet back in a free list, and the most ever at once. */
  #inUseBytes = 0;
  #peakInUseBytes = 0;
  readonly #maxFreeBytes: number;
  /** Largest buffer the device can bind; buckets are capped at it. */
  readonly maxBufferBytes: number;

  constructor(device: GPUDevice, maxBufferBytes: number, maxFreeBytes = 256 * MIB) {
    this.#device = device;
    this.maxBufferBytes = maxBufferBytes;
    this.#maxFreeBytes = maxFreeBytes;
  }

  acquire(bytes: number, usage: number): GPUBuffer {
    const size = Math.min(roundedSize(bytes), Math.max(bytes, this.maxBufferBytes));
    this.#inUseBytes += size;
    this.#peakInUseBytes = Math.max(this.#peakInUseBytes, this.#inUseBytes);
    const reused = this.#free.get(`${usage}:${size}`)?.pop();
    if (reused) {
      this.#freeBytes -= size;
      return reused;
    }
    return this.#device.createBuffer({ size, usage });
  }

  release(buffer: GPUBuffer): void {
    this.#pending.push(buffer);
  }

  /** Call after each queue submit: buffers released before it become reusable. */
  afterSubmit(): void {
    const keep = Math.max(this.#maxFreeBytes, this.#peakInUseBytes);
    for (const buffer of this.#pending) {
      this.#inUseBytes -= buffer.size;
      if (this.#freeBytes + buffer.size > keep) {
        buffer.destroy();
        continue;
      }
      const key = `${buffer.usage}:${buffer.size}`;
      const list = this.#free.get(key);
      if (list) list.push(buffer);
      else this.#free.set(key, [buffer]);
      this.#freeBytes += buffer.size;
    }
    this.#pending = [];
  }

  destroy(): void {
    for (const list of this.#free.values()) for (const buffer of list) buffer.destroy();
    for (const buffer of this.#pending) buffer.destroy();
    this.#free.clear();
    this.#pending = [];
    this.#freeBytes = 0;
    this.#inUseBytes = 0;
    this.#peakInUseBytes = 0;
  }
}
