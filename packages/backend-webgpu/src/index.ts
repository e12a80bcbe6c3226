/// <reference types="@webgpu/types" />
/**
 * The public entry of @neureco/backend-webgpu: the `webgpu()` factory, its
 * options, the type of the backend it resolves to (`WebGpuBackend`: a core
 * `Backend` plus `device`, `adapter`, `gpu` and `flush()`; it is made by the
 * factory only, so it is exported as a type), and the two errors a user
 * catches. Kernels, buffer pool and runtime are internal.
 */
export { type WebGpuBackend, type WebGpuOptions, webgpu } from "./backend.js";
export { WebGpuDeviceError, WebGpuUnavailableError } from "./errors.js";
