/// <reference types="@webgpu/types" />
import { WebGpuDeviceError } from "./errors.js";

/**
 * Watches `device.lost` and `uncapturederror` and turns them into an Error
 * that every later call throws, so a broken device never makes a read hang
 * or return garbage silently.
 */
export class DeviceHealth {
  #failure: WebGpuDeviceError | undefined;
  #destroyedByUs = false;
  /** Rejects when the device is lost; raced against every read-back. */
  readonly lost: Promise<never>;

  constructor(device: GPUDevice) {
    this.lost = device.lost.then((info) => {
      const error = new WebGpuDeviceError(
        this.#destroyedByUs
          ? "the WebGPU backend was destroyed; create a new one with webgpu()."
          : `the WebGPU device was lost (reason: ${info.reason}${info.message ? `, ${info.message}` : ""}). ` +
              "Create a new backend with webgpu() or use the CPU backend.",
      );
      this.#failure ??= error;
      throw error;
    });
    // The rejection is observed through check() and read(); never unhandled.
    this.lost.catch(() => {});
    device.addEventListener("uncapturederror", (event) => {
      const message = event.error.message;
      this.#failure ??= new WebGpuDeviceError(
        `the WebGPU device reported an error (${event.error.constructor.name}): ${message}`,
      );
    });
  }

  markDestroyed(): void {
    this.#destroyedByUs = true;
    this.#failure ??= new WebGpuDeviceError(
      "the WebGPU backend was destroyed; create a new one with webgpu().",
    );
  }

  /** Throws the first failure seen, if any. */
  check(): void {
    if (this.#failure) throw this.#failure;
  }
}
