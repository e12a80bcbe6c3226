import type { Backend, DataId, HostArray, KernelTable, TensorInfo } from "../backend.js";
import { PRIMITIVE_NAMES, type PrimitiveName } from "../primitives.js";
import { REFERENCE, type RefValue, roundToDType } from "./reference.js";

/**
 * A backend whose kernels are the reference implementations: slow and
 * obviously correct. Core's own tests run on it, so they need no real
 * backend package.
 */
export function referenceBackend(): Backend {
  const store = new Map<DataId, Float64Array>();
  let destroyed = false;
  const alive = (where: string) => {
    if (destroyed) throw new Error(`reference backend: ${where} after destroy`);
  };
  const valueOf = (t: TensorInfo): RefValue => {
    const data = store.get(t.dataId);
    if (!data) throw new Error("reference backend: tensor data was disposed");
    return { data, shape: t.shape };
  };
  const put = (data: Float64Array): DataId => {
    const id = {};
    store.set(id, data);
    return id;
  };
  const kernelFor = <P extends PrimitiveName>(prim: P): KernelTable[P] =>
    ((inputs, params, out) => {
      alive(prim);
      return put(roundToDType(REFERENCE[prim](inputs.map(valueOf), params).data, out.dtype));
    }) as KernelTable[P];
  const kernels = Object.fromEntries(PRIMITIVE_NAMES.map((p) => [p, kernelFor(p)])) as unknown as KernelTable;
  const toHost = (t: TensorInfo): HostArray =>
    t.dtype === "float64" ? Float64Array.from(valueOf(t).data) : Float32Array.from(valueOf(t).data);
  return {
    name: "reference",
    dtypes: ["float64", "float32"],
    upload(data, _shape, dtype) {
      alive("upload");
      return put(roundToDType(Float64Array.from(data), dtype));
    },
    read: async (t) => toHost(t),
    readSync: toHost,
    dispose(id) {
      store.delete(id);
    },
    kernels,
    destroy() {
      destroyed = true;
      store.clear();
    },
  };
}
