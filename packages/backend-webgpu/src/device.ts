/// <reference types="@webgpu/types" />
import { WebGpuUnavailableError } from "./errors.js";

export interface AcquireOptions {
  /** Use this GPU object instead of `navigator.gpu` or Dawn. */
  readonly gpu?: GPU;
  readonly powerPreference?: GPUPowerPreference;
}

export interface AcquiredDevice {
  /**
   * The GPU object the device came from. With Dawn for Node it must stay
   * referenced for the device's whole life: if it is garbage-collected while
   * the device works, Dawn crashes the process.
   */
  readonly gpu: GPU;
  readonly adapter: GPUAdapter;
  readonly device: GPUDevice;
}

interface DawnModule {
  create(flags: string[]): GPU;
}

function isDawnModule(value: unknown): value is DawnModule {
  return (
    typeof value === "object" && value !== null && "create" in value && typeof value.create === "function"
  );
}

/**
 * Imports a module whose specifier bundlers cannot see: the Dawn binding
 * (`webgpu`, a native Node addon) must never end up in a browser bundle, and a
 * browser never reaches this path because it has `navigator.gpu`.
 */
function importHidden(specifier: string): Promise<unknown> {
  return import(/* @vite-ignore */ specifier);
}

function browserGpu(): GPU | undefined {
  const nav: { gpu?: GPU } | undefined = typeof navigator === "undefined" ? undefined : navigator;
  return nav?.gpu ?? undefined;
}

const isNode = (): boolean => typeof process !== "undefined" && typeof process.versions?.node === "string";

async function dawnGpu(): Promise<GPU> {
  let mod: unknown;
  try {
    mod = await importHidden("webgpu");
  } catch (cause) {
    throw new WebGpuUnavailableError(
      `the "webgpu" package (Dawn for Node.js) could not be loaded (${String(cause)}).`,
      { cause },
    );
  }
  if (!isDawnModule(mod)) throw new WebGpuUnavailableError('the "webgpu" package does not export create().');
  return mod.create([]);
}

function noAdapterReason(inNode: boolean): string {
  if (inNode) {
    return (
      "Dawn found no GPU adapter. The usual cause is a missing or unsupported Vulkan driver: " +
      "install one (a GPU driver, Mesa's lavapipe, or SwiftShader from Chromium) and point " +
      "VK_ICD_FILENAMES at its ICD json file, e.g. VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json."
    );
  }
  return (
    "navigator.gpu.requestAdapter() returned no adapter. WebGPU may be disabled or blocklisted in this " +
    "browser (headless Chromium needs --enable-unsafe-webgpu)."
  );
}

/** Finds a GPU (browser or Dawn), an adapter and a device with the adapter's largest buffer limits. */
export async function acquireDevice(options: AcquireOptions = {}): Promise<AcquiredDevice> {
  const inNode = options.gpu === undefined && browserGpu() === undefined && isNode();
  let gpu = options.gpu ?? browserGpu();
  if (gpu === undefined) {
    if (!inNode) {
      throw new WebGpuUnavailableError(
        "this environment has no navigator.gpu (WebGPU needs a recent browser and a secure context: https or localhost).",
      );
    }
    gpu = await dawnGpu();
  }
  const adapter = await gpu.requestAdapter(
    options.powerPreference ? { powerPreference: options.powerPreference } : undefined,
  );
  if (!adapter) throw new WebGpuUnavailableError(noAdapterReason(inNode));
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({
      requiredLimits: {
        maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
        maxBufferSize: adapter.limits.maxBufferSize,
        maxComputeWorkgroupsPerDimension: adapter.limits.maxComputeWorkgroupsPerDimension,
        // The fused row pass binds each row input and output, and keeps a
        // block of rows' reduction terms in workgroup memory.
        maxStorageBuffersPerShaderStage: adapter.limits.maxStorageBuffersPerShaderStage,
        maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
      },
    });
  } catch (cause) {
    throw new WebGpuUnavailableError(`the adapter refused to create a device (${String(cause)}).`, { cause });
  }
  return { gpu, adapter, device };
}
