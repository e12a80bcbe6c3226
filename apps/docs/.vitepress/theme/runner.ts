/**
 * What the Run button does: pick a backend (WebGPU when the browser gives an
 * adapter, the CPU otherwise), load the example module and run it.
 */
import { cpu } from "@neureco/backend-cpu";
import { webgpu } from "@neureco/backend-webgpu";
import type { RegressorOptions } from "@neureco/tabular";
import type { ErrorPoint, ExampleResult, RunOptions } from "../../examples/shared.js";

type Backend = NonNullable<RegressorOptions["backend"]>;

export type ExampleName =
  | "getting-started"
  | "compute-gradients"
  | "optimize-inputs"
  | "classify-penguins"
  | "compress-biomass";

type ExampleModule = { run(options: RunOptions): Promise<ExampleResult> };

/** The page imports exactly the files it shows. */
const modules: Record<ExampleName, () => Promise<ExampleModule>> = {
  "getting-started": () => import("../../examples/getting-started.js"),
  "compute-gradients": () => import("../../examples/compute-gradients.js"),
  "optimize-inputs": () => import("../../examples/optimize-inputs.js"),
  "classify-penguins": () => import("../../examples/classify-penguins.js"),
  "compress-biomass": () => import("../../examples/compress-biomass.js"),
};

export type BackendChoice = "auto" | "cpu" | "webgpu";

export interface PickedBackend {
  readonly backend: Backend;
  /** Why this backend was taken, for the reader. */
  readonly note: string;
}

/** `?backend=cpu` or `?backend=webgpu` in the page's address forces a backend. */
export function backendChoiceFromUrl(search: string): BackendChoice {
  const value = new URLSearchParams(search).get("backend");
  return value === "cpu" || value === "webgpu" ? value : "auto";
}

async function hasWebGpuAdapter(): Promise<boolean> {
  const gpu = typeof navigator === "undefined" ? undefined : navigator.gpu;
  if (!gpu) return false;
  try {
    return (await gpu.requestAdapter()) !== null;
  } catch {
    return false;
  }
}

export async function pickBackend(choice: BackendChoice): Promise<PickedBackend> {
  if (choice === "cpu") return { backend: cpu(), note: "CPU (asked for in the address)" };
  if (choice === "webgpu") return { backend: await webgpu(), note: "WebGPU (asked for in the address)" };
  if (await hasWebGpuAdapter())
    return { backend: await webgpu(), note: "WebGPU: this browser gives a GPU adapter" };
  return { backend: cpu(), note: "CPU: this browser gives no WebGPU adapter" };
}

export interface RunHandlers {
  readonly log: (line: string) => void;
  readonly onProgress: (point: ErrorPoint) => void;
}

export async function runExample(
  name: ExampleName,
  backend: Backend,
  handlers: RunHandlers,
): Promise<ExampleResult> {
  const module = await modules[name]();
  return module.run({ backend, log: handlers.log, onProgress: handlers.onProgress });
}

/** Where the page leaves each run for scripts (and the site's tests) to read. */
export interface RunRecord {
  readonly status: "running" | "done" | "error";
  readonly backend?: string;
  readonly result?: ExampleResult;
  readonly error?: string;
  readonly elapsedMs?: number;
}

declare global {
  interface Window {
    __neurecoRuns?: Record<string, RunRecord>;
  }
}

export function recordRun(name: ExampleName, record: RunRecord): void {
  window.__neurecoRuns = { ...(window.__neurecoRuns ?? {}), [name]: record };
}
