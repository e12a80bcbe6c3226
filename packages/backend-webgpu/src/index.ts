/// <reference types="@webgpu/types" />
export { WebGpuBackend, type WebGpuOptions, webgpu } from "./backend.js";
export { WebGpuDeviceError, WebGpuUnavailableError } from "./errors.js";
