import { cpu } from "@neureco/backend-cpu";
import type { Backend } from "@neureco/core";
import { describe, expect, it } from "vitest";
import { BuildSettingsError, Tabular } from "../src/index.js";
import { Matrix } from "../src/matrix.js";
import { Regressor } from "../src/regressor/regressor.js";
import { expectClose, sampleInputs, sampleModel } from "./model-fixtures.js";

function loaded(seed = 1) {
  const description = sampleModel(seed);
  return { description, model: Regressor.fromDescription(description) };
}

describe("Regressor", () => {
  it("is exported as Tabular.Regressor with the Node file methods", () => {
    const r = new Tabular.Regressor();
    expect(r).toBeInstanceOf(Regressor);
    expect(typeof r.save).toBe("function");
    expect(typeof r.load).toBe("function");
    r.delete();
  });

  it("getWeights returns a (p, 1) copy", () => {
    const { description, model } = loaded();
    const w = model.getWeights();
    expect(w).toBeInstanceOf(Matrix);
    expect(w.shape).toEqual([description.weights.length, 1]);
    expect([...w.data]).toEqual([...description.weights]);
    w.data[0] += 1;
    expect(model.getWeights().data[0]).toBe(description.weights[0]);
    expect(model.getWeights().toArray()[3]).toEqual([description.weights[3]]);
    model.delete();
  });

  it("setWeights accepts (p, 1) or length p and changes the outputs", async () => {
    const { description, model } = loaded();
    const x = sampleInputs(description, 3);
    const before = await model.evaluate(x);
    const next = Array.from(description.weights, (v) => v * 0.5);
    model.setWeights(next);
    expect([...model.getWeights().data]).toEqual(next);
    expect((await model.evaluate(x)).toArray()).not.toEqual(before.toArray());
    model.setWeights(Array.from(description.weights, (v) => [v]));
    expect((await model.evaluate(x)).toArray()).toEqual(before.toArray());
    model.delete();
  });

  it("setWeights with the wrong length or bad values throws and changes nothing", async () => {
    const { description, model } = loaded();
    const p = description.weights.length;
    const x = sampleInputs(description, 4);
    const before = await model.evaluate(x);
    expect(() => model.setWeights(new Array(p - 1).fill(0))).toThrow(
      `w: expected shape (${p}, 1), got (${p - 1}, 1)`,
    );
    expect(() => model.setWeights(new Array(p + 1).fill(0))).toThrow(
      `w: expected shape (${p}, 1), got (${p + 1}, 1)`,
    );
    expect(() => model.setWeights([new Array(p).fill(0)])).toThrow(
      `w: expected shape (${p}, 1), got (1, ${p})`,
    );
    const withNaN = Array.from(description.weights);
    withNaN[2] = Number.NaN;
    expect(() => model.setWeights(withNaN)).toThrow(/w: value at row 2, column 0 is NaN/);
    expect([...model.getWeights().data]).toEqual([...description.weights]);
    expect((await model.evaluate(x)).toArray()).toEqual(before.toArray());
    model.delete();
  });

  it("rejects wrong shapes in every call with the argument and the expected shape", async () => {
    const { description, model } = loaded();
    const p = description.weights.length;
    const w = Array.from(description.weights);
    const x = sampleInputs(description, 10);
    const narrow = x.map((row) => row.slice(0, 2));
    const py = x.map(() => [0, 1]);
    await expect(model.evaluate(narrow)).rejects.toThrow("x: expected shape (any, 3), got (10, 2)");
    await expect(model.forwardDerivative({ w, dw: w, x, dx: narrow })).rejects.toThrow(
      "dx: expected shape (10, 3), got (10, 2)",
    );
    await expect(model.forwardDerivative({ w, dw: w, x, dx: x.slice(1) })).rejects.toThrow(
      "dx: expected shape (10, 3), got (9, 3)",
    );
    await expect(model.forwardDerivative({ w, dw: w.slice(1), x, dx: null })).rejects.toThrow(
      `dw: expected shape (${p}, 1), got (${p - 1}, 1)`,
    );
    await expect(model.forwardDerivative({ w: w.slice(2), dw: w, x, dx: null })).rejects.toThrow(
      `w: expected shape (${p}, 1), got (${p - 2}, 1)`,
    );
    await expect(model.gradient({ w, x, py: py.slice(1) })).rejects.toThrow(
      "py: expected shape (10, 2), got (9, 2)",
    );
    await expect(model.gradient({ w, x, py: x })).rejects.toThrow("py: expected shape (10, 2), got (10, 3)");
    await expect(model.gradient({ w, x: narrow, py })).rejects.toThrow(
      "x: expected shape (any, 3), got (10, 2)",
    );
    // @ts-expect-error dx is required (null for none)
    await expect(model.forwardDerivative({ w, dw: w, x })).rejects.toThrow(/missing argument dx \(pass null/);
    await expect(
      model.evaluate([
        [1, 2, 3],
        [4, 5],
      ]),
    ).rejects.toThrow("x: row 1 has 2 values, expected 3");
    await expect(model.evaluate([[1, Number.POSITIVE_INFINITY, 3]])).rejects.toThrow(
      "x: value at row 0, column 1 is Infinity",
    );
    model.delete();
  });

  it("every call after delete() is a clear error; deleting twice is harmless", async () => {
    const { description, model } = loaded();
    const w = Array.from(description.weights);
    const x = sampleInputs(description, 2);
    model.delete();
    model.delete();
    expect(model.hasModel).toBe(false);
    const deleted = /this Regressor was deleted/;
    await expect(model.evaluate(x)).rejects.toThrow(deleted);
    await expect(model.forwardDerivative({ w, dw: w, x, dx: null })).rejects.toThrow(deleted);
    await expect(
      model.gradient({
        w,
        x,
        py: [
          [0, 0],
          [0, 0],
        ],
      }),
    ).rejects.toThrow(deleted);
    expect(() => model.getWeights()).toThrow(deleted);
    expect(() => model.setWeights(w)).toThrow(deleted);
    expect(() => model.toBytes()).toThrow(deleted);
    expect(() => model.loadBytes(new Uint8Array(8))).toThrow(deleted);
    await expect(model.build({ inputData: x, outputData: [[1], [2]] })).rejects.toThrow(deleted);
  });

  it("delete frees the model's backend tensors and the backend it created", async () => {
    const backend = cpu();
    const description = sampleModel(3);
    const model = Regressor.fromDescription(description, { backend });
    await model.evaluate(sampleInputs(description, 2));
    model.delete();
    // The caller's backend stays usable after the model is gone.
    const again = Regressor.fromDescription(description, { backend });
    expect((await again.evaluate(sampleInputs(description, 2))).shape).toEqual([2, 2]);
    again.delete();
    backend.destroy();
    expect(() => Regressor.fromDescription(description, { backend })).toThrow();
  });

  it("calls before any model say to build or load one", async () => {
    const r = new Tabular.Regressor();
    expect(() => r.getWeights()).toThrow("getWeights: no model yet; build() or load() one first");
    await expect(r.evaluate([[1, 2, 3]])).rejects.toThrow(/evaluate: no model yet/);
    r.delete();
  });

  it("on a float32-only backend (as WebGPU) computes in float32, close to float64", async () => {
    const description = sampleModel(7);
    const float32Only: Backend = { ...cpu(), dtypes: ["float32"] };
    const single = Regressor.fromDescription(description, { backend: float32Only });
    const double = Regressor.fromDescription(description);
    const x = sampleInputs(description, 5);
    const w = Array.from(description.weights);
    const py = x.map(() => [1, -1]);
    const [a, b] = [await single.evaluate(x), await double.evaluate(x)];
    expect(a.data).not.toEqual(b.data);
    expectClose(a.data, b.data, 1e-4, "y");
    const [ga, gb] = [await single.gradient({ w, x, py }), await double.gradient({ w, x, py })];
    expectClose(ga.dw.data, gb.dw.data, 1e-4, "dw");
    expectClose(ga.dx.data, gb.dx.data, 1e-4, "dx");
    // The stored weights stay float64: what was set is what is read back.
    expect(single.getWeights().data).toEqual(description.weights);
    single.delete();
    double.delete();
    float32Only.destroy();
  });

  it("round-trips through bytes bit for bit, on the same or a new regressor", async () => {
    const { description, model } = loaded(5);
    const bytes = model.toBytes();
    const copy = Regressor.fromBytes(bytes);
    expect(copy.getWeights().data).toEqual(description.weights);
    expect(copy.toDescription()).toEqual(model.toDescription());
    const x = sampleInputs(description, 5);
    expect((await copy.evaluate(x)).toArray()).toEqual((await model.evaluate(x)).toArray());
    const other = loaded(6).model;
    other.loadBytes(bytes);
    expect(other.info()).toEqual(model.info());
    expect(other.info().weights).toBe(description.weights.length);
    for (const r of [model, copy, other]) r.delete();
  });
});

describe("Regressor.build options", () => {
  const x = [
    [1, 2],
    [3, 4],
    [5, 7],
  ];
  const y = [[1], [2], [3]];

  async function buildError(options: Parameters<Regressor["build"]>[0]): Promise<string> {
    const r = new Regressor();
    try {
      await r.build(options);
      return "no error";
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    } finally {
      r.delete();
    }
  }

  it("names the bad option", async () => {
    expect(await buildError({ inputData: x, outputData: [[1], [2]] })).toBe(
      "build: inputData has 3 rows but outputData has 2",
    );
    expect(await buildError({ inputData: [], outputData: [] })).toMatch(/inputData: matrix is empty/);
    expect(await buildError({ inputData: [[1, Number.NaN]], outputData: [[1]] })).toBe(
      "inputData: value at row 0, column 1 is NaN",
    );
    expect(await buildError({ inputData: x, outputData: y, validPercentage: 70 })).toMatch(
      /validPercentage must be between 1 and 50, got 70/,
    );
    // @ts-expect-error not a shifting method
    expect(await buildError({ inputData: x, outputData: y, inputsShifting: "median" })).toMatch(
      /inputsShifting must be one of .*got "median"/,
    );
    // @ts-expect-error misspelt option
    expect(await buildError({ inputData: x, outputData: y, validPercent: 20 })).toBe(
      'build: unknown option "validPercent"',
    );
    expect(await buildError({ inputData: x, outputData: y, inputNames: ["a"] })).toBe(
      "build: inputNames has 1 names, inputData has 2 columns",
    );
    // @ts-expect-error not a boolean
    expect(await buildError({ inputData: x, outputData: y, finalLearning: "yes" })).toBe(
      'build: finalLearning must be true or false, got "yes"',
    );
    expect(await buildError({ inputData: x, outputData: y, validationInputData: [[1, 2]] })).toMatch(
      /must be given together/,
    );
    expect(
      await buildError({
        inputData: x,
        outputData: y,
        validationInputData: [[1, 2, 3]],
        validationOutputData: [[1]],
      }),
    ).toBe("validationInputData: expected shape (any, 2), got (1, 3)");
  });

  it("refuses startBuildFromModelNumber and freezeStructure without a checkpoint, before building", async () => {
    const error = async (options: Partial<Parameters<Regressor["build"]>[0]>, r = new Regressor()) => {
      try {
        await r.build({ inputData: x, outputData: y, ...options });
        return null;
      } catch (e) {
        return e as Error;
      } finally {
        r.delete();
      }
    };
    const numbered = await error({ startBuildFromModelNumber: 2 });
    expect(numbered).toBeInstanceOf(BuildSettingsError);
    expect(numbered?.message).toBe(
      "build settings: startBuildFromModelNumber (2) needs a checkpoint to start from (checkpointToStartBuildFrom)",
    );
    const frozen = await error({ freezeStructure: true });
    expect(frozen).toBeInstanceOf(BuildSettingsError);
    expect(frozen?.message).toBe(
      "build settings: freezeStructure needs a checkpoint to start from (checkpointToStartBuildFrom)",
    );
    // With a checkpoint path they pass this check: the missing file is what fails.
    expect(
      (
        await error(
          { startBuildFromModelNumber: 2, checkpointToStartBuildFrom: "/nonexistent/c.checkpoint" },
          new Tabular.Regressor(),
        )
      )?.message,
    ).toBe('build: cannot read checkpoint "/nonexistent/c.checkpoint": no such file');
  });
});

describe("Regressor.build", () => {
  /** y = 2·x0 − x1 + 0.5·tanh(x2) on a grid: quick to build. */
  function smallData(n: number) {
    const x = Array.from({ length: n }, (_, i) => [Math.sin(i), Math.cos(1.3 * i), ((i * 7) % 11) / 5 - 1]);
    const y = x.map(([a, b, c]) => [2 * a - b + 0.5 * Math.tanh(c)]);
    return { x, y };
  }

  it("builds a model that becomes the regressor's, with names and a history", async () => {
    const { x, y } = smallData(60);
    const r = new Regressor();
    const progress: number[] = [];
    const history = await r.build({
      inputData: x,
      outputData: y.map(([v]) => v),
      inputNames: ["a", "b", "c"],
      outputNames: ["y"],
      seed: 1,
      onProgress: (p) => progress.push(p.modelNumber),
    });
    expect(history.models.length).toBeGreaterThan(0);
    expect(progress.length).toBeGreaterThan(0);
    const info = r.info();
    expect(info.inputNames).toEqual(["a", "b", "c"]);
    expect(info.weights).toBe(r.getWeights().rows);
    const fit = await r.evaluate(x);
    const rmse = Math.sqrt(fit.data.reduce((s, v, i) => s + (v - y[i][0]) ** 2, 0) / y.length);
    const spread = Math.sqrt(y.reduce((s, [v]) => s + v * v, 0) / y.length);
    expect(rmse).toBeLessThan(0.05 * spread);
    r.delete();
  });

  it("without a file system, refuses model and checkpoint paths by name", async () => {
    const { x, y } = smallData(20);
    const r = new Regressor();
    await expect(
      r.build({ inputData: x, outputData: y, writeModelTo: "m.ednn", checkpointAddress: "m.checkpoint" }),
    ).rejects.toThrow("build: writeModelTo, checkpointAddress need a file system");
    r.delete();
  });
});
