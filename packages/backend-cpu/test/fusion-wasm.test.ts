/**
 * The WebAssembly SIMD row loop: its own activations (tanh, sigmoid) against
 * Math, lane remainders handled by the JavaScript tail, and the encoder's
 * output accepted by the engine.
 */

import type { DType, HostArray } from "@neureco/core";
import * as nc from "@neureco/core";
import { describe, expect, it } from "vitest";
import { planFusion } from "../src/fusion/index.js";
import { compileRowLoop } from "../src/fusion/js-loop.js";
import { createWasmRunner, hasWasmSimd } from "../src/fusion/wasm/runner.js";

/** Runs f(x) for a rank-1 x through the WebAssembly runner. */
function runElementwise(f: (x: nc.Tensor) => nc.Tensor[], x: HostArray, dtype: DType): HostArray[] {
  const { graph } = nc.traceFunction([{ shape: [x.length], dtype }], (t) => f(t));
  const plan = planFusion(graph);
  if (!plan) throw new Error("expected a fusable graph");
  const tail = compileRowLoop({
    program: plan.program,
    inputRowSizes: plan.rowInputs.map((r) => r.rowSize),
    outputRowSizes: plan.rowOutputs.map((r) => r.rowSize),
    accumulatorOps: plan.accumulators.map((a) => a.op),
  });
  const runner = createWasmRunner(plan, tail);
  if (!runner) throw new Error("expected the WebAssembly runner");
  const outputs = plan.rowOutputs.map(() =>
    dtype === "float64" ? new Float64Array(x.length) : new Float32Array(x.length),
  );
  runner.run([x], [], outputs, []);
  return outputs;
}

/** Arguments spread over many magnitudes, both signs, and the special values. */
function arguments64(): Float64Array {
  const xs: number[] = [
    0,
    -0,
    1e-300,
    -1e-300,
    5e-324,
    Number.MIN_VALUE,
    20,
    -20,
    19.06,
    40,
    700,
    -700,
    1000,
    -1000,
  ];
  for (let e = -20; e <= 2; e += 0.01) xs.push(10 ** e, -(10 ** e));
  return Float64Array.from(xs);
}

function relativeError(actual: number, expected: number): number {
  if (Object.is(actual, expected)) return 0;
  return expected === 0 ? Math.abs(actual) : Math.abs(actual - expected) / Math.abs(expected);
}

describe("WebAssembly SIMD row loop", () => {
  it("is available in this engine", () => {
    expect(hasWasmSimd()).toBe(true);
  });

  it("computes tanh to about one part in 1e15 in float64, with exact signs of zero and saturation", () => {
    const x = arguments64();
    const [tanh] = runElementwise((t) => [nc.tanh(t)], x, "float64");
    let worst = 0;
    x.forEach((v, i) => {
      worst = Math.max(worst, relativeError(tanh[i], Math.tanh(v)));
    });
    expect(worst).toBeLessThan(1e-15);
    expect(Object.is(tanh[0], 0)).toBe(true);
    expect(Object.is(tanh[1], -0)).toBe(true);
    const special = runElementwise(
      (t) => [nc.tanh(t)],
      Float64Array.from([Number.NaN, Infinity, -Infinity]),
      "float64",
    )[0];
    expect(Array.from(special)).toEqual([Number.NaN, 1, -1]);
  });

  it("computes sigmoid to about one part in 1e15 where it is not below 1e-300", () => {
    const x = arguments64();
    const [sigmoid] = runElementwise((t) => [nc.sigmoid(t)], x, "float64");
    x.forEach((v, i) => {
      const expected = 1 / (1 + Math.exp(-v));
      if (expected > 1e-300) expect(relativeError(sigmoid[i], expected), `sigmoid(${v})`).toBeLessThan(1e-15);
      else expect(sigmoid[i]).toBeLessThan(1e-300);
    });
  });

  it("computes float32 tanh and sigmoid to float32 precision", () => {
    const x = Float32Array.from(arguments64().filter((v) => Math.abs(v) < 1e30));
    const [tanh, sigmoid] = runElementwise((t) => [nc.tanh(t), nc.sigmoid(t)], x, "float32");
    x.forEach((v, i) => {
      expect(relativeError(tanh[i], Math.tanh(v)), `tanh(${v})`).toBeLessThan(4e-7);
      const s = 1 / (1 + Math.exp(-v));
      if (s > 1e-37) expect(relativeError(sigmoid[i], s), `sigmoid(${v})`).toBeLessThan(4e-7);
    });
  });

  it("sees new input data on every run (an input is copied again when it is another array)", () => {
    const n = 64;
    const { graph } = nc.traceFunction([{ shape: [n, 2], dtype: "float64" }], (t) => [
      nc.tanh(t),
      nc.sum(t, 0),
    ]);
    const plan = planFusion(graph);
    if (!plan) throw new Error("expected a fusable graph");
    const tail = compileRowLoop({
      program: plan.program,
      inputRowSizes: plan.rowInputs.map((r) => r.rowSize),
      outputRowSizes: plan.rowOutputs.map((r) => r.rowSize),
      accumulatorOps: plan.accumulators.map((a) => a.op),
    });
    const runner = createWasmRunner(plan, tail, { threadWork: Number.POSITIVE_INFINITY });
    if (!runner) throw new Error("expected the WebAssembly runner");
    const a = Float64Array.from({ length: 2 * n }, (_, i) => i / 50);
    const b = Float64Array.from({ length: 2 * n }, (_, i) => -i / 30);
    for (const x of [a, b, a, Float64Array.from(a)]) {
      const out = new Float64Array(2 * n);
      const sums = new Float64Array(2);
      runner.run([x], [], [out], [sums]);
      out.forEach((v, i) => {
        expect(Math.abs(v - Math.tanh(x[i]))).toBeLessThan(1e-15);
      });
      expect(sums[0]).toBeCloseTo(
        x.filter((_, i) => i % 2 === 0).reduce((s, v) => s + v, 0),
        10,
      );
    }
  });

  it("handles row counts that are not a multiple of the lane count", () => {
    for (const dtype of ["float64", "float32"] as const) {
      for (const n of [1, 2, 3, 4, 5, 6, 7, 9]) {
        const x = Float64Array.from({ length: n }, (_, i) => i - 2.5);
        const [out] = runElementwise(
          (t) => [nc.mul(nc.tanh(t), 3)],
          dtype === "float64" ? x : Float32Array.from(x),
          dtype,
        );
        out.forEach((v, i) => {
          expect(v).toBeCloseTo(3 * Math.tanh(x[i]), 6);
        });
      }
    }
  });
});
