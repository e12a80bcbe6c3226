import type { Backend, DataId, HostArray, Kernel, KernelTable, TensorInfo } from "../backend.js";
import type { PrimitiveName } from "../primitives.js";
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
  const refValueOf = (t: TensorInfo): RefValue => {
    const data = store.get(t.dataId);
    if (!data) throw new Error("reference backend: tensor data was disposed");
    return { data, shape: t.shape };
  };
  const put = (data: Float64Array): DataId => {
    const id = {};
    store.set(id, data);
    return id;
  };
  const kernelFor =
    <P extends PrimitiveName>(prim: P): Kernel<P> =>
    (inputs, params, out) => {
      alive(prim);
      return put(roundToDType(REFERENCE[prim](inputs.map(refValueOf), params).data, out.dtype));
    };
  const kernels: KernelTable = {
    add: kernelFor("add"),
    sub: kernelFor("sub"),
    mul: kernelFor("mul"),
    div: kernelFor("div"),
    greater: kernelFor("greater"),
    equal: kernelFor("equal"),
    neg: kernelFor("neg"),
    exp: kernelFor("exp"),
    log: kernelFor("log"),
    sqrt: kernelFor("sqrt"),
    tanh: kernelFor("tanh"),
    sigmoid: kernelFor("sigmoid"),
    relu: kernelFor("relu"),
    select: kernelFor("select"),
    matmul: kernelFor("matmul"),
    sum: kernelFor("sum"),
    max: kernelFor("max"),
    broadcast: kernelFor("broadcast"),
    reshape: kernelFor("reshape"),
    transpose: kernelFor("transpose"),
    slice: kernelFor("slice"),
    concat: kernelFor("concat"),
    gather: kernelFor("gather"),
    scatterAdd: kernelFor("scatterAdd"),
    fill: kernelFor("fill"),
    cast: kernelFor("cast"),
  };
  const toHost = (t: TensorInfo): HostArray =>
    t.dtype === "float64" ? Float64Array.from(refValueOf(t).data) : Float32Array.from(refValueOf(t).data);
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
