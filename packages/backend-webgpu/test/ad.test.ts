import {
  add,
  type Backend,
  concat,
  type DType,
  gather,
  grad,
  jvp,
  matmul,
  mul,
  sigmoid,
  slice,
  sum,
  type Tensor,
  tanh,
  tensor,
} from "@neureco/core";
import { referenceBackend } from "@neureco/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type WebGpuBackend, webgpu } from "../src/index.js";
import { maxAbsDiff, randomValues } from "./helpers.js";

// A small sparse network in the spirit of the ones the builder makes: a dense
// tanh layer, a gathered skip connection from the inputs, a sigmoid output.
const ROWS = 50;
const SHAPES = { x: [ROWS, 3], w1: [3, 4], b1: [1, 4], w2: [6, 1] } as const;

function network(x: Tensor) {
  return (w1: Tensor, b1: Tensor, w2: Tensor): Tensor => {
    const hidden = tanh(add(matmul(x, w1), b1));
    const skip = gather(x, [2, 0], 1);
    const features = concat([hidden, skip], 1);
    const y = sigmoid(matmul(features, w2));
    return sum(mul(y, slice(y, [0, 0], [ROWS, 1])));
  };
}

function values(seed: number) {
  return {
    x: randomValues(ROWS * 3, seed),
    w1: randomValues(12, seed + 1),
    b1: randomValues(4, seed + 2),
    w2: randomValues(6, seed + 3),
  };
}

function tensors(backend: Backend, dtype: DType, seed: number) {
  const v = values(seed);
  return {
    x: tensor(backend, v.x, SHAPES.x, dtype),
    params: [
      tensor(backend, v.w1, SHAPES.w1, dtype),
      tensor(backend, v.b1, SHAPES.b1, dtype),
      tensor(backend, v.w2, SHAPES.w2, dtype),
    ],
  };
}

describe("core's automatic differentiation on the webgpu backend", () => {
  let gpu: WebGpuBackend;
  const reference = referenceBackend();
  beforeAll(async () => {
    gpu = await webgpu();
  });
  afterAll(() => {
    gpu.destroy();
    reference.destroy();
  });

  it("reverse mode (grad) matches the float64 reference backend", async () => {
    const onGpu = tensors(gpu, "float32", 1);
    const onRef = tensors(reference, "float64", 1);
    const gpuGrads = grad(network(onGpu.x))(...onGpu.params);
    const refGrads = grad(network(onRef.x))(...onRef.params);
    for (let i = 0; i < refGrads.length; i++) {
      const expected = await refGrads[i].read();
      expect(maxAbsDiff(await gpuGrads[i].read(), expected)).toBeLessThan(
        1e-4 * Math.max(1, ...expected.map(Math.abs)),
      );
    }
  });

  it("forward mode (jvp) matches the float64 reference backend", async () => {
    const onGpu = tensors(gpu, "float32", 2);
    const onRef = tensors(reference, "float64", 2);
    const directions = (backend: Backend, dtype: DType) =>
      onGpu.params.map((p, i) => tensor(backend, randomValues(p.size, 10 + i), p.shape, dtype));
    const [gpuValue, gpuTangent] = jvp(network(onGpu.x), onGpu.params, directions(gpu, "float32"));
    const [refValue, refTangent] = jvp(network(onRef.x), onRef.params, directions(reference, "float64"));
    const [v, t] = [(await refValue.read())[0], (await refTangent.read())[0]];
    expect(Math.abs((await gpuValue.read())[0] - v)).toBeLessThan(1e-4 * Math.max(1, Math.abs(v)));
    expect(Math.abs((await gpuTangent.read())[0] - t)).toBeLessThan(1e-4 * Math.max(1, Math.abs(t)));
  });
});
