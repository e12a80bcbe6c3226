/**
 * The implementations under comparison. Each one sets up the benchmark
 * problem on its own (weights and data uploaded once) and exposes one call
 * that computes the loss and its gradient w.r.t. the weights and the inputs.
 * A call returns when the results are computed and resident in the
 * implementation's memory; they are freed before the next call.
 */
import {
  add,
  type Backend,
  type DType,
  jit,
  matmul,
  square,
  sub,
  sum,
  type Tensor,
  tanh,
  tensor,
  valueAndGrad,
} from "@neureco/core";
import { type FusedGraph, helperThreadsReady } from "../src/fusion/index.js";
import { cpu } from "../src/index.js";
import { type GradientResult, HIDDEN, IN, type Problem, referenceGradient } from "./problem.js";

export interface Implementation {
  /** One timed call. */
  run(): void;
  /** One more call whose results are read back (for the agreement check). */
  result(): GradientResult | Promise<GradientResult>;
  /** A line about the configuration actually used (backend flavour, threads). */
  describe(): string;
}

export const IMPLEMENTATION_NAMES = [
  "neureco",
  "neureco-unfused",
  "plain-js",
  "tfjs-cpu",
  "tfjs-wasm",
] as const;
export type ImplementationName = (typeof IMPLEMENTATION_NAMES)[number];

export async function createImplementation(
  name: ImplementationName,
  problem: Problem,
  dtype: DType,
): Promise<Implementation> {
  switch (name) {
    case "neureco": {
      // Keep the compiled graph to report how it ran (loop kind, threads).
      const backend = cpu();
      const compile = backend.compile;
      let compiled: FusedGraph | undefined;
      const observed: Backend = {
        ...backend,
        compile: (graph) => (compiled = compile?.(graph) as FusedGraph | undefined),
      };
      const describe = () => {
        const how = compiled?.execution();
        return how ? `fused, ${how.loop} loop, ${how.threads} thread(s)` : "not fused";
      };
      await helperThreadsReady();
      return neureco(observed, problem, dtype, describe);
    }
    case "neureco-unfused": {
      // The same backend with its compiler removed: core interprets kernel by kernel.
      const { compile: _ignored, ...interpretedOnly } = cpu();
      return neureco(interpretedOnly, problem, dtype, () => "interpreted kernel by kernel");
    }
    case "plain-js":
      return plainJs(problem);
    case "tfjs-cpu":
    case "tfjs-wasm":
      return tfjs(name, problem);
  }
}

function neureco(backend: Backend, p: Problem, dtype: DType, how: () => string): Implementation {
  const t = (values: Float64Array, shape: number[]) => tensor(backend, values, shape, dtype);
  const params = [
    t(p.W1, [IN, HIDDEN]),
    t(p.b1, [HIDDEN]),
    t(p.W2, [HIDDEN, 1]),
    t(p.b2, [1]),
    t(p.X, [p.rows, IN]),
  ];
  const y = t(p.y, [p.rows, 1]);
  const loss = (W1: Tensor, b1: Tensor, W2: Tensor, b2: Tensor, X: Tensor) =>
    sum(square(sub(add(matmul(tanh(add(matmul(X, W1), b1)), W2), b2), y)));
  const lossAndGrads = valueAndGrad(loss);
  const step = jit((...args: Tensor[]) => {
    const [value, grads] = lossAndGrads(...args);
    return [value, ...grads];
  });
  const read = (x: Tensor) => Float64Array.from(x.readSync());
  return {
    run() {
      for (const out of step(...params)) out.dispose();
    },
    result() {
      const outs = step(...params);
      const [loss, dW1, db1, dW2, db2, dX] = outs.map(read);
      for (const out of outs) out.dispose();
      return { loss: loss[0], dW1, db1, dW2, db2, dX };
    },
    describe: () => `${backend.name} backend, ${dtype}, ${how()}`,
  };
}

function plainJs(p: Problem): Implementation {
  return {
    run() {
      referenceGradient(p);
    },
    result: () => referenceGradient(p),
    describe: () => "one hand-written float64 loop per row, Math.tanh (calibration)",
  };
}

async function tfjs(name: "tfjs-cpu" | "tfjs-wasm", p: Problem): Promise<Implementation> {
  const tf = await import("@tensorflow/tfjs");
  if (name === "tfjs-wasm") {
    const wasm = await import("@tensorflow/tfjs-backend-wasm");
    const { createRequire } = await import("node:module");
    const { dirname } = await import("node:path");
    const wasmFile = createRequire(import.meta.url).resolve(
      "@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm.wasm",
    );
    wasm.setWasmPaths(`${dirname(wasmFile)}/`);
    await tf.setBackend("wasm");
  } else {
    await tf.setBackend("cpu");
  }
  await tf.ready();
  // tfjs takes Float32Array (not Float64Array) data.
  const f32 = Float32Array.from.bind(Float32Array);
  const W1 = tf.tensor2d(f32(p.W1), [IN, HIDDEN], "float32");
  const b1 = tf.tensor1d(f32(p.b1), "float32");
  const W2 = tf.tensor2d(f32(p.W2), [HIDDEN, 1], "float32");
  const b2 = tf.tensor1d(f32(p.b2), "float32");
  const X = tf.tensor2d(f32(p.X), [p.rows, IN], "float32");
  const y = tf.tensor2d(f32(p.y), [p.rows, 1], "float32");
  type T = typeof W1;
  const loss = (w1: T, c1: T, w2: T, c2: T, x: T) =>
    tf.sum(tf.square(tf.sub(tf.add(tf.matMul(tf.tanh(tf.add(tf.matMul(x, w1), c1)), w2), c2), y)));
  const gradients = tf.grads((...args: T[]) => loss(args[0], args[1], args[2], args[3], args[4]));
  const inputs = [W1, b1, W2, b2, X];
  return {
    run() {
      tf.tidy(() => {
        gradients(inputs);
      });
    },
    result() {
      return tf.tidy(() => {
        const value = Float64Array.from(loss(W1, b1, W2, b2, X).dataSync());
        const [dW1, db1, dW2, db2, dX] = gradients(inputs).map((g) => Float64Array.from(g.dataSync()));
        return { loss: value[0], dW1, db1, dW2, db2, dX };
      });
    },
    describe: () => {
      const flags =
        name === "tfjs-wasm"
          ? `, SIMD ${tf.env().getBool("WASM_HAS_SIMD_SUPPORT")}, threads ${tf.env().getBool("WASM_HAS_MULTITHREAD_SUPPORT")}`
          : "";
      return `@tensorflow/tfjs ${tf.version.tfjs}, backend ${tf.getBackend()}, float32${flags}`;
    },
  };
}
