const CPU_HINT =
  'To run on the CPU instead: import { cpu } from "@neureco/backend-cpu" and pass it as the backend, ' +
  "e.g. new Tabular.Regressor({ backend: cpu() }).";

/** Thrown by `webgpu()` when no WebGPU adapter or device can be obtained. */
export class WebGpuUnavailableError extends Error {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`WebGPU is unavailable: ${reason} ${CPU_HINT}`, options);
    this.name = "WebGpuUnavailableError";
  }
}

/** Thrown by every call after the device was lost or reported an uncaptured error. */
export class WebGpuDeviceError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "WebGpuDeviceError";
  }
}
