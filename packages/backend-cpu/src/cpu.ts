/** The CPU backend: host typed arrays and the kernel table. */
import type { Backend, DType } from "@neureco/core";
import { compileGraph } from "./fusion/index.js";
import { createKernels } from "./kernels.js";
import { CpuStorage } from "./storage.js";

const CPU_DTYPES: readonly DType[] = ["float64", "float32"];

/**
 * Creates a CPU backend (float64 and float32). Each call gives an independent
 * backend with its own memory; `destroy()` frees it.
 */
export function cpu(): Backend {
  const storage = new CpuStorage();
  const readSync: NonNullable<Backend["readSync"]> = (info) => storage.get(info).slice();
  return {
    name: "cpu",
    dtypes: CPU_DTYPES,
    upload: (data, shape, dtype) => storage.upload(data, shape, dtype),
    readSync,
    read: async (info) => readSync(info),
    dispose: (dataId) => storage.dispose(dataId),
    kernels: createKernels(storage),
    destroy: () => storage.destroy(),
    compile: (graph) => compileGraph(graph, storage),
  };
}
