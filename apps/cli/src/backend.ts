/** The `--backend` option: which backend runs the model. */

import { cpu } from "@neureco/backend-cpu";
import type { RegressorOptions } from "@neureco/tabular";
import { CliError } from "./io.js";

export const BACKEND_NAMES = ["cpu", "webgpu"] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export type Backend = NonNullable<RegressorOptions["backend"]>;

/** Starts the named backend; a missing GPU is a one-line error that points to `--backend cpu`. */
export async function startBackend(name: BackendName): Promise<Backend> {
  if (name === "cpu") return cpu();
  // Imported on demand: loading the WebGPU runtime costs time the CPU path need not pay.
  const { webgpu, WebGpuUnavailableError } = await import("@neureco/backend-webgpu");
  try {
    return await webgpu();
  } catch (error) {
    if (error instanceof WebGpuUnavailableError) {
      // The library's own hint is about code; on the command line the fix is an option.
      const reason = error.message.split(" To run on the CPU instead")[0];
      throw new CliError(`${reason} Run with --backend cpu instead.`, undefined, { cause: error });
    }
    throw error;
  }
}
