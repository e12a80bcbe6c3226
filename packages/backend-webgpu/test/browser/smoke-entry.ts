// Browser entry of the smoke test, bundled with esbuild: runs a few
// primitives through navigator.gpu and hands the results to the test.
import type { TensorInfo } from "@neureco/core";
import { webgpu } from "../../src/index.js";
import type { RunSmoke } from "./smoke-api.js";

declare global {
  interface Window {
    runSmoke: RunSmoke;
  }
}

window.runSmoke = async ({ a, aShape, b, bShape }) => {
  const backend = await webgpu();
  try {
    const f32 = (shape: readonly number[]) => ({ shape, dtype: "float32" as const });
    const upload = (data: number[], shape: readonly number[]): TensorInfo => ({
      dataId: backend.upload(Float32Array.from(data), shape, "float32"),
      ...f32(shape),
    });
    const outShape = [aShape[0], bShape[1]];
    const product: TensorInfo = {
      dataId: backend.kernels.matmul([upload(a, aShape), upload(b, bShape)], {}, f32(outShape)),
      ...f32(outShape),
    };
    const squashed: TensorInfo = {
      dataId: backend.kernels.tanh([product], {}, f32(outShape)),
      ...f32(outShape),
    };
    const sumShape = [1, outShape[1]];
    const summed: TensorInfo = {
      dataId: backend.kernels.sum([squashed], { axes: [0] }, f32(sumShape)),
      ...f32(sumShape),
    };
    return {
      adapter: `${backend.adapter.info.vendor} ${backend.adapter.info.architecture}`,
      matmul: Array.from(await backend.read(product)),
      tanh: Array.from(await backend.read(squashed)),
      sum: Array.from(await backend.read(summed)),
    };
  } finally {
    backend.destroy();
  }
};
