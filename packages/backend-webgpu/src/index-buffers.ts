/// <reference types="@webgpu/types" />

/** How many distinct index lists stay on the device before the oldest is dropped. */
const MAX_ENTRIES = 1024;

/**
 * Device copies of the static index lists of gather / scatterAdd, cached by
 * content: a network uses the same few lists on every call.
 */
export class IndexBuffers {
  readonly #entries = new Map<string, GPUBuffer>();
  readonly #upload: (data: Uint32Array) => GPUBuffer;
  readonly #release: (buffer: GPUBuffer) => void;

  constructor(upload: (data: Uint32Array) => GPUBuffer, release: (buffer: GPUBuffer) => void) {
    this.#upload = upload;
    this.#release = release;
  }

  /** The buffer for `key`, built with `build` the first time. */
  get(key: string, build: () => Uint32Array): GPUBuffer {
    const cached = this.#entries.get(key);
    if (cached) {
      // Re-insert to keep the map in least-recently-used order.
      this.#entries.delete(key);
      this.#entries.set(key, cached);
      return cached;
    }
    const buffer = this.#upload(build());
    this.#entries.set(key, buffer);
    if (this.#entries.size > MAX_ENTRIES) {
      const [oldestKey, oldest] = this.#entries.entries().next().value ?? [];
      if (oldestKey !== undefined && oldest) {
        this.#entries.delete(oldestKey);
        this.#release(oldest); // via the pool: it may still be in use by unsubmitted commands
      }
    }
    return buffer;
  }

  /** Destroys every cached buffer (the device is going away). */
  destroy(): void {
    for (const buffer of this.#entries.values()) buffer.destroy();
    this.#entries.clear();
  }
}
