/**
 * `toOnnx()`: every exported model is loaded in ONNX Runtime
 * (onnxruntime-node) and run on sampled rows: float64 export equal to
 * `evaluate` to 1e-12 relative, float32 to 1e-5, on the fixture model,
 * random networks (hidden → hidden links, skipped levels, no hidden neuron)
 * and built models of the bundled tasks; the metadata holds the names.
 */
import { join } from "node:path";
import { seededRandom } from "@neureco/core/testing";
import fc from "fast-check";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { buildModel } from "../src/builder/index.js";
import { Classifier } from "../src/classifier/classifier.js";
import { Compressor } from "../src/compressor/compressor.js";
import { layerLayout, ONNX_IR_VERSION, ONNX_OPSET } from "../src/export/onnx.js";
import type { Matrix } from "../src/matrix.js";
import type { ModelDescription } from "../src/model/description.js";
import { readCsv } from "../src/node/index.js";
import { Regressor } from "../src/regressor/regressor.js";
import {
  randomStructure,
  STRUCTURE,
  sampleClassifier,
  sampleCompressor,
  sampleInputs,
  sampleModel,
  uniform,
} from "./model-fixtures.js";

/** Runs ONNX bytes on x (float64 and float32 alike) and checks y against `expected` (rows × columns), relative to its largest value. */
async function runOnnx(
  bytes: (dtype: "float32" | "float64") => Uint8Array,
  x: number[][],
  expected: Matrix,
  what: string,
): Promise<void> {
  let scale = 0;
  for (const v of expected.data) scale = Math.max(scale, Math.abs(v));
  for (const [dtype, tolerance] of [
    ["float64", 1e-12],
    ["float32", 1e-5],
  ] as const) {
    const session = await ort.InferenceSession.create(bytes(dtype));
    try {
      const data = dtype === "float64" ? Float64Array.from(x.flat()) : Float32Array.from(x.flat());
      const result = await session.run({ x: new ort.Tensor(dtype, data, [x.length, x[0].length]) });
      expect(result.y.dims).toEqual([expected.rows, expected.cols]);
      Array.from(result.y.data as Float64Array | Float32Array).forEach((v, i) => {
        if (!(Math.abs(v - expected.data[i]) <= tolerance * Math.max(scale, 1e-300)))
          throw new Error(`${what} ${dtype} y[${i}]: ONNX ${v}, library ${expected.data[i]}`);
      });
    } finally {
      await session.release();
    }
  }
}

async function compare(model: ModelDescription, x: number[][], what: string): Promise<void> {
  const regressor = new Regressor();
  try {
    regressor.setModel(model);
    const expected = Array.from((await regressor.evaluate(x)).data);
    let scale = 0;
    for (const v of expected) scale = Math.max(scale, Math.abs(v));
    for (const [dtype, tolerance] of [
      ["float64", 1e-12],
      ["float32", 1e-5],
    ] as const) {
      const session = await ort.InferenceSession.create(regressor.toOnnx({ dtype }));
      try {
        const data = dtype === "float64" ? Float64Array.from(x.flat()) : Float32Array.from(x.flat());
        const result = await session.run({
          x: new ort.Tensor(dtype, data, [x.length, model.structure.inputs]),
        });
        const y = Array.from(result.y.data as Float64Array | Float32Array);
        expect(result.y.dims).toEqual([x.length, model.structure.outputs]);
        y.forEach((v, i) => {
          if (!(Math.abs(v - expected[i]) <= tolerance * Math.max(scale, 1e-300)))
            throw new Error(`${what} ${dtype} y[${i}]: ONNX ${v}, evaluate ${expected[i]}`);
        });
      } finally {
        await session.release();
      }
    }
  } finally {
    regressor.delete();
  }
}

describe("toOnnx in ONNX Runtime", () => {
  it("computes evaluate on the fixture model (links skipping levels, a disconnected input, 2 outputs)", async () => {
    const model = sampleModel(3, STRUCTURE);
    await compare(model, sampleInputs(model, 50), "fixture");
  });

  it("computes evaluate on random networks", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 1e6 }),
        async (m, h, k, seed) => {
          const model = sampleModel(seed, randomStructure(m, h, k, seed));
          await compare(model, sampleInputs(model, 10, seed), `random ${m}/${h}/${k}`);
        },
      ),
      { seed: 23, numRuns: 25 },
    );
  });

  it("computes evaluate on models built on the bundled tasks, and carries the names and the versions", async () => {
    for (const task of ["biomass", "auto-mpg"]) {
      const folder = join(import.meta.dirname, "../../../datasets", task);
      const x = await readCsv(join(folder, "x_train.csv"));
      const y = await readCsv(join(folder, "y_train.csv"));
      const { model } = await buildModel(
        { x: x.matrix, y: y.matrix, inputNames: x.columns, outputNames: y.columns },
        { seed: 1 },
      );
      const test = (await readCsv(join(folder, "x_test.csv"))).matrix.toArray();
      await compare(model, test, task);
      const regressor = new Regressor();
      try {
        regressor.setModel(model);
        const session = await ort.InferenceSession.create(regressor.toOnnx());
        expect(session.inputNames).toEqual(["x"]);
        expect(session.outputNames).toEqual(["y"]);
        await session.release();
        const { onnx } = (await import("onnx-proto")).default;
        const decoded = onnx.ModelProto.decode(regressor.toOnnx());
        const meta = Object.fromEntries(decoded.metadataProps.map((p) => [p.key, p.value]));
        expect(JSON.parse(meta.inputNames)).toEqual(x.columns);
        expect(JSON.parse(meta.outputNames)).toEqual(y.columns);
        expect(meta.library).toMatch(/^@neureco\/tabular \d+\.\d+\.\d+/);
        expect(Number(decoded.irVersion)).toBe(ONNX_IR_VERSION);
        expect(Number(decoded.opsetImport[0].version)).toBe(ONNX_OPSET);
      } finally {
        regressor.delete();
      }
    }
  });

  it("writes a deep chain of neurons by gathering the one value each layer reads, and computes evaluate", async () => {
    // A chain of 1,000 neurons, each reading the one before: dense layers would hold 500,000 zeros and more.
    const hidden = 1000;
    const links: [number, number][] = [[0, 2]];
    for (let h = 2; h < hidden + 1; h++) links.push([h, h + 1]);
    links.push([1, hidden + 2], [hidden + 1, hidden + 2]);
    const model = sampleModel(1, { inputs: 2, hidden, outputs: 1, links });
    await compare(model, sampleInputs(model, 10), "chain");
    const regressor = new Regressor();
    try {
      regressor.setModel(model);
      const { onnx } = (await import("onnx-proto")).default;
      const graph = onnx.ModelProto.decode(regressor.toOnnx()).graph;
      const gathers = graph?.node?.filter((n) => n.opType === "Gather").length ?? 0;
      // Every layer but the first (which reads 1 of 2 inputs: not fewer than half) gathers.
      expect(gathers).toBe(hidden);
    } finally {
      regressor.delete();
    }
  });

  it("gathers a layer's columns only when it reads fewer than half of the values before it", () => {
    expect(layerLayout([3, 1, 3], 8)).toEqual([1, 3]);
    expect(layerLayout([0, 1, 2, 3], 8)).toBeNull();
    expect(layerLayout([], 8)).toBeNull();
  });

  it("exports a classifier's class probabilities (a Softmax after a zero logit for class 0)", async () => {
    for (const classes of [2, 3, 5]) {
      const base = sampleClassifier(classes + 60, classes);
      const classifier = Classifier.fromDescription(base);
      const x = sampleInputs(base, 20, classes);
      await runOnnx(
        (dtype) => classifier.toOnnx({ dtype }),
        x,
        await classifier.predictProba(x),
        `classifier ${classes}`,
      );
      const { onnx } = (await import("onnx-proto")).default;
      const meta = Object.fromEntries(
        onnx.ModelProto.decode(classifier.toOnnx()).metadataProps.map((p) => [p.key, p.value]),
      );
      expect(JSON.parse(meta.outputNames)).toEqual(Array.from({ length: classes }, (_, c) => `c${c}`));
      expect(meta.label).toBe("kind");
      classifier.delete();
    }
  });

  it("exports a compressor as two graphs: rows to codes, and codes to rows", async () => {
    const shape = { columns: 5, code: 2, hidden: 3 };
    const base = sampleCompressor(shape, 71);
    const r = seededRandom(72);
    const compressor = Compressor.fromDescription(base);
    const x = sampleInputs(base, 20, 73);
    const codes = x.map(() => uniform(r, 2, -2, 2));
    await runOnnx(
      (dtype) => compressor.toOnnx({ dtype }).compress,
      x,
      await compressor.compress(x),
      "compress",
    );
    await runOnnx(
      (dtype) => compressor.toOnnx({ dtype }).decompress,
      codes,
      await compressor.decompress(codes),
      "decompress",
    );
    compressor.delete();
  });
});
