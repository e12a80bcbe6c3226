/// <reference types="@webgpu/types" />
export { webgpu, WebGpuBackend, type WebGpuOptions } from "./backend.js";
export { WebGpuDeviceError, WebGpuUnavailableError } from "./errors.js";
