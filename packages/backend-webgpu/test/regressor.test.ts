import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cpu } from "@neureco/backend-cpu";
import { Matrix, type ModelDescription, type NetworkStructure, Tabular, weightCount } from "@neureco/tabular";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type WebGpuBackend, webgpu } from "../src/index.js";
import { randomValues } from "./helpers.js";

// Tabular.Regressor on the WebGPU backend (a real adapter: SwiftShader here)
// against the same model on the CPU backend (float64).

/**
 * 3 inputs, 4 hidden neurons on two levels (neuron 5 takes neurons 3 and 4),
 * 2 outputs; links skip levels (input → output, level 1 → output).
 */
const STRUCTURE: NetworkStructure = {
  inputs: 3,
  hidden: 4,
  outputs: 2,
  links: [
    [0, 3],
    [1, 3],
    [1, 4],
    [2, 4],
    [0, 5],
    [3, 5],
    [4, 5],
    [2, 6],
    [5, 6],
    [3, 7],
    [5, 7],
    [6, 7],
    [0, 8],
    [4, 8],
    [6, 8],
  ],
};

function values(n: number, seed: number, lo: number, hi: number): Float64Array {
  return Float64Array.from(randomValues(n, seed), (v) => lo + ((v + 1) / 2) * (hi - lo));
}

/** Raw units far from normalised ones, so that the normalisation is exercised. */
function sampleModel(): ModelDescription {
  const p = weightCount(STRUCTURE);
  return {
    structure: STRUCTURE,
    weights: values(p, 11, -1.2, 1.2),
    inputNormalization: { shift: Float64Array.of(10, -3, 250), scale: Float64Array.of(4, 0.5, 80) },
    outputNormalization: { shift: Float64Array.of(-20, 1.5), scale: Float64Array.of(12, 0.3) },
    inputNames: ["a", "b", "c"],
    outputNames: ["y0", "y1"],
  };
}

/** n rows in the model's raw input range (shift ± 2·scale). */
function sampleInputs(model: ModelDescription, n: number, seed: number): Matrix {
  const { shift, scale } = model.inputNormalization;
  const u = randomValues(n * shift.length, seed);
  return new Matrix(
    Float64Array.from(u, (v, k) => shift[k % shift.length] + 2 * scale[k % shift.length] * v),
    n,
    shift.length,
  );
}

/** Asserts |actual − expected| ≤ tol · max(1, max|expected|) elementwise, with a message naming `what`. */
function expectClose(actual: Matrix, expected: Matrix, what: string, tol = 2e-5): void {
  expect(actual.shape, `${what}: shape`).toEqual(expected.shape);
  let scale = 1;
  for (const v of expected.data) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let k = 0; k < expected.data.length; k++) {
    worst = Math.max(worst, Math.abs(actual.data[k] - expected.data[k]));
  }
  expect(
    worst / scale,
    `${what}: largest difference ${worst} against a scale of ${scale}`,
  ).toBeLessThanOrEqual(tol);
}

function rmse(a: Matrix, b: Matrix): number {
  let s = 0;
  for (let k = 0; k < a.data.length; k++) s += (a.data[k] - b.data[k]) ** 2;
  return Math.sqrt(s / a.data.length);
}

describe("Tabular.Regressor on the webgpu backend", () => {
  let gpu: WebGpuBackend;
  beforeAll(async () => {
    gpu = await webgpu();
  });
  afterAll(() => {
    gpu.destroy();
  });

  it("runs in float32 on the GPU", () => {
    const model = Tabular.Regressor.fromDescription(sampleModel(), { backend: gpu });
    expect(model.backend).toBe(gpu);
    expect(gpu.dtypes).toEqual(["float32"]);
    model.delete();
    // The regressor did not create the backend, so deleting it leaves the backend usable.
    expect(() => gpu.flush()).not.toThrow();
  });

  it("evaluate, forwardDerivative and gradient match the CPU backend within float32 tolerance", async () => {
    const description = sampleModel();
    const n = 300;
    const p = description.weights.length;
    const onGpu = Tabular.Regressor.fromDescription(description, { backend: gpu });
    const onCpu = Tabular.Regressor.fromDescription(description, { backend: cpu() });
    try {
      const x = sampleInputs(description, n, 21);
      const dx = new Matrix(values(n * 3, 22, -1, 1), n, 3);
      const py = new Matrix(values(n * 2, 23, -1, 1), n, 2);
      // Differentiate at weights other than the stored ones: the call must use the given w.
      const w = new Matrix(
        Float64Array.from(description.weights, (v, k) => v + 0.1 * Math.sin(k)),
        p,
        1,
      );
      const dw = new Matrix(values(p, 24, -1, 1), p, 1);

      const yCpu = await onCpu.evaluate(x);
      expectClose(await onGpu.evaluate(x), yCpu, "evaluate");
      expectClose(await onGpu.evaluate(x.toArray()), yCpu, "evaluate of number[][]");

      const fwdCpu = await onCpu.forwardDerivative({ w, dw, x, dx });
      expectClose(await onGpu.forwardDerivative({ w, dw, x, dx }), fwdCpu, "forwardDerivative");
      const fwdWeightsCpu = await onCpu.forwardDerivative({ w, dw, x, dx: null });
      expectClose(
        await onGpu.forwardDerivative({ w, dw, x, dx: null }),
        fwdWeightsCpu,
        "forwardDerivative with dx null",
      );

      const gCpu = await onCpu.gradient({ w, x, py });
      const gGpu = await onGpu.gradient({ w, x, py });
      expectClose(gGpu.dw, gCpu.dw, "gradient dw", 1e-4); // a sum over 300 rows in float32
      expectClose(gGpu.dx, gCpu.dx, "gradient dx");

      // The derivatives are not trivially zero, and the stored weights did not move.
      expect(Math.max(...fwdCpu.data.map(Math.abs))).toBeGreaterThan(1e-3);
      expect(Math.max(...gCpu.dw.data.map(Math.abs))).toBeGreaterThan(1e-3);
      expect(Array.from(onGpu.getWeights().data)).toEqual(Array.from(description.weights));
      expectClose(await onGpu.evaluate(x), yCpu, "evaluate after the derivatives");
    } finally {
      onGpu.delete();
      onCpu.delete();
      onCpu.backend.destroy();
    }
  });

  it("setWeights changes the GPU model like the CPU one", async () => {
    const description = sampleModel();
    const onGpu = Tabular.Regressor.fromDescription(description, { backend: gpu });
    const onCpu = Tabular.Regressor.fromDescription(description, { backend: cpu() });
    try {
      const x = sampleInputs(description, 50, 31);
      const before = await onGpu.evaluate(x);
      const w = Array.from(description.weights, (v, k) => v * (k % 2 ? 0.5 : -1));
      onGpu.setWeights(w);
      onCpu.setWeights(w);
      const after = await onGpu.evaluate(x);
      expectClose(after, await onCpu.evaluate(x), "evaluate after setWeights");
      expect(rmse(after, before)).toBeGreaterThan(1e-2);
    } finally {
      onGpu.delete();
      onCpu.delete();
      onCpu.backend.destroy();
    }
  });

  describe("with a built model", () => {
    /** A small nonlinear problem: the builder must grow hidden neurons. */
    function smallData(n: number): { x: number[][]; y: number[][] } {
      const x = Array.from({ length: n }, (_, i) => [Math.sin(i), Math.cos(1.3 * i), ((i * 7) % 11) / 5 - 1]);
      const y = x.map(([a, b, c]) => [Math.tanh(2 * a + b) - 0.5 * Math.tanh(2 * b - c)]);
      return { x, y };
    }
    const data = smallData(60);
    const yMatrix = Matrix.from(data.y, "y");
    let dir: string;
    let cpuBuilt: ModelDescription;
    let cpuError: number;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "neureco-webgpu-regressor-"));
      const builder = new Tabular.Regressor(); // the default CPU backend
      await builder.build({ inputData: data.x, outputData: data.y, seed: 1 });
      cpuBuilt = builder.toDescription();
      cpuError = rmse(await builder.evaluate(data.x), yMatrix);
      await builder.save(join(dir, "cpu-built"));
      builder.delete();
    });
    afterAll(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it("a model saved by a CPU build loads into a WebGPU regressor with the same predictions", async () => {
      const onGpu = new Tabular.Regressor({ backend: gpu });
      const onCpu = new Tabular.Regressor({ backend: cpu() });
      try {
        await onGpu.load(join(dir, "cpu-built.ednn"));
        await onCpu.load(join(dir, "cpu-built"));
        expect(onGpu.info()).toEqual(onCpu.info());
        expect(onGpu.info().hiddenNeurons).toBeGreaterThan(0);
        expect(Array.from(onGpu.getWeights().data)).toEqual(Array.from(cpuBuilt.weights));
        const grid = Array.from({ length: 200 }, (_, i) => [
          Math.sin(0.37 * i),
          Math.cos(0.71 * i),
          (i % 9) / 4 - 1,
        ]);
        expectClose(
          await onGpu.evaluate(grid),
          await onCpu.evaluate(grid),
          "predictions of the loaded model",
        );
        const py = grid.map((_, i) => [Math.cos(i)]);
        const w = onCpu.getWeights();
        const gGpu = await onGpu.gradient({ w, x: grid, py });
        const gCpu = await onCpu.gradient({ w, x: grid, py });
        expectClose(gGpu.dw, gCpu.dw, "gradient dw of the loaded model", 1e-4);
        expectClose(gGpu.dx, gCpu.dx, "gradient dx of the loaded model");
      } finally {
        onGpu.delete();
        onCpu.delete();
        onCpu.backend.destroy();
      }
    });

    it("builds on the GPU: a valid model whose error is comparable to the CPU build's", async () => {
      const onGpu = new Tabular.Regressor({ backend: gpu });
      try {
        const history = await onGpu.build({ inputData: data.x, outputData: data.y, seed: 1 });
        expect(history.models.length).toBeGreaterThan(0);
        const built = onGpu.toDescription();
        const info = onGpu.info();
        expect(info.inputs).toBe(3);
        expect(info.outputs).toBe(1);
        expect(info.weights).toBe(weightCount(built.structure));
        expect(onGpu.getWeights().rows).toBe(info.weights);
        expect(built.weights.every(Number.isFinite)).toBe(true);

        const gpuError = rmse(await onGpu.evaluate(data.x), yMatrix);
        const spread = Math.sqrt(data.y.reduce((s, [v]) => s + v * v, 0) / data.y.length);
        // Comparable to the CPU build (float32 cannot go much below 1e-4 of the spread).
        expect(gpuError).toBeLessThanOrEqual(Math.max(3 * cpuError, 1e-3 * spread));
        expect(gpuError).toBeLessThan(0.25 * spread);

        // The model built on the GPU is a valid model for any backend: it
        // round-trips through .ednn bytes and predicts the same on the CPU.
        const onCpu = Tabular.Regressor.fromBytes(onGpu.toBytes(), { backend: cpu() });
        try {
          expectClose(
            await onGpu.evaluate(data.x),
            await onCpu.evaluate(data.x),
            "GPU-built model on both backends",
          );
        } finally {
          onCpu.delete();
          onCpu.backend.destroy();
        }
      } finally {
        onGpu.delete();
      }
    });
  });

  it("builds on 20 inputs of which 17 are noise: removes them in batches, then grows", async () => {
    // From 16 inputs the builder removes inputs in batches and starts new
    // neurons along the residuals' curvature, read back from the backend.
    const rows = 240;
    const inputs = 20;
    const values = randomValues(rows * inputs, 31);
    const x = Array.from({ length: rows }, (_, i) =>
      Array.from(values.subarray(i * inputs, (i + 1) * inputs)),
    );
    const y = x.map(([a, b, c]) => [Math.tanh(a + b + c) + (a - c) ** 2]);
    const onGpu = new Tabular.Regressor({ backend: gpu });
    try {
      const history = await onGpu.build({ inputData: x, outputData: y, seed: 2 });
      // Some accepted removal took out several inputs at once (an input takes one or two weights with it).
      const phases = history.models.map((m) => m.phase);
      const removed = history.models.map((m, k) =>
        k > 0 && m.phase === "inputs" ? history.models[k - 1].weights - m.weights : 0,
      );
      expect(Math.max(...removed)).toBeGreaterThan(2);
      expect(phases.lastIndexOf("growth")).toBeGreaterThan(phases.indexOf("inputs"));
      const structure = onGpu.toDescription().structure;
      const sources = new Set(structure.links.map(([from]) => from).filter((f) => f < inputs));
      expect([...sources].sort((a, b) => a - b)).toEqual([0, 1, 2]);
      expect(structure.hidden).toBeGreaterThan(0);
    } finally {
      onGpu.delete();
    }
  });
});
