import type { Backend } from "@neureco/core";
import { createKernels } from "../src/kernels.js";
import type { CpuStorage } from "../src/storage.js";

/** The CPU backend over `storage` without its compiler: every graph runs kernel by kernel. */
export function interpretedBackend(storage: CpuStorage): Backend {
  return {
    name: "cpu",
    dtypes: ["float64", "float32"],
    upload: (data, shape, dtype) => storage.upload(data, shape, dtype),
    readSync: (info) => storage.get(info).slice(),
    read: async (info) => storage.get(info).slice(),
    dispose: (dataId) => storage.dispose(dataId),
    kernels: createKernels(storage),
    destroy: () => storage.destroy(),
  };
}
