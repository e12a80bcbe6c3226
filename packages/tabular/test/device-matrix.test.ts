import { cpu } from "@neureco/backend-cpu";
import { seededRandom } from "@neureco/core/testing";
import { describe, expect, it } from "vitest";
import { Classifier } from "../src/classifier/classifier.js";
import { Matrix } from "../src/matrix.js";
import { Regressor } from "../src/regressor/regressor.js";
import { sampleClassifier, sampleInputs, sampleModel, uniform } from "./model-fixtures.js";

/**
 * Rows uploaded once (`model.upload`) give every call the same results as
 * the same rows passed as data, bit for bit, however many times they are
 * used; they are checked like data (columns, shape, which model side) and
 * refused once deleted or on another backend.
 */

function setup(seed: number, n: number) {
  const description = sampleModel(seed);
  const model = Regressor.fromDescription(description);
  const r = seededRandom(seed + 100);
  const p = description.weights.length;
  const { inputs: m, outputs: k } = description.structure;
  return {
    description,
    model,
    w: uniform(r, p),
    dw: uniform(r, p),
    x: sampleInputs(description, n, seed + 200),
    dx: Array.from({ length: n }, () => uniform(r, m)),
    py: Array.from({ length: n }, () => uniform(r, k)),
  };
}

describe("DeviceMatrix: rows kept on the model's backend", () => {
  it("evaluate, forwardDerivative and gradient give the same bits with uploaded rows, call after call", async () => {
    const { model, w, dw, x, dx, py } = setup(3, 23);
    const xd = model.upload(x);
    const dxd = model.upload(dx);
    const pyd = model.upload(py, "outputs");
    expect([xd.rows, xd.cols, xd.columns]).toEqual([23, x[0].length, "inputs"]);
    for (let call = 0; call < 3; call++) {
      expect((await model.evaluate(xd)).data).toEqual((await model.evaluate(x)).data);
      expect((await model.forwardDerivative({ w, dw, x: xd, dx: dxd })).data).toEqual(
        (await model.forwardDerivative({ w, dw, x, dx })).data,
      );
      expect((await model.forwardDerivative({ w, dw, x: xd, dx: null })).data).toEqual(
        (await model.forwardDerivative({ w, dw, x, dx: null })).data,
      );
      const onDevice = await model.gradient({ w, x: xd, py: pyd });
      const fromData = await model.gradient({ w, x, py });
      expect(onDevice.dw.data).toEqual(fromData.dw.data);
      expect(onDevice.dx.data).toEqual(fromData.dx.data);
      // Mixed: rows on the device, cotangents as data.
      expect((await model.gradient({ w, x: xd, py })).dw.data).toEqual(fromData.dw.data);
    }
    expect(xd.isDeleted).toBe(false);
    xd.delete();
    xd.delete(); // a no-op
    expect(xd.isDeleted).toBe(true);
    await expect(model.evaluate(xd)).rejects.toThrow(/x is a DeviceMatrix that was deleted/);
    model.delete();
  });

  it("matches named columns to the model's inputs, as the calls do", async () => {
    const { model, description, x } = setup(5, 7);
    const names = description.inputNames;
    const reversed = [...names].reverse();
    const table = {
      matrix: Matrix.from(
        x.map((row) => [...row].reverse()),
        "x",
      ),
      columns: reversed,
    };
    const xd = model.upload(table);
    expect((await model.evaluate(xd)).data).toEqual((await model.evaluate(x)).data);
    model.delete();
  });

  it("refuses rows of the wrong side, shape or backend, naming the argument", async () => {
    const { model, w, x, py } = setup(7, 5);
    const pyd = model.upload(py, "outputs");
    await expect(model.evaluate(pyd)).rejects.toThrow(
      /x is a DeviceMatrix of the model's outputs; expected its inputs/,
    );
    const xd = model.upload(x);
    const shorter = model.upload(py.slice(0, 3), "outputs");
    await expect(model.gradient({ w, x: xd, py: shorter })).rejects.toThrow(
      /py: expected shape \(5, (\d+)\), got \(3, \1\)/,
    );
    expect(() => model.upload([[1, 2]])).toThrow(/data: expected shape \(any, \d+\), got \(1, 2\)/);
    expect(() => model.upload(x.map((row) => row.map(() => Number.NaN)))).toThrow(/data/);
    const other = Regressor.fromDescription(model.toDescription(), { backend: cpu() });
    await expect(other.evaluate(xd)).rejects.toThrow(/x is a DeviceMatrix on another backend/);
    other.delete();
    model.delete();
    expect(() => model.upload(x)).toThrow(/upload: this Regressor was deleted/);
  });

  it("works for a classifier's probabilities, logits and gradient", async () => {
    const description = sampleClassifier(2, 3);
    const model = Classifier.fromDescription(description);
    const x = sampleInputs(description, 9, 4);
    const xd = model.upload(x);
    expect((await model.evaluate(xd)).data).toEqual((await model.evaluate(x)).data);
    expect((await model.logits(xd)).data).toEqual((await model.logits(x)).data);
    const py = Array.from({ length: 9 }, (_, i) => [
      i % 3 === 0 ? 1 : 0,
      i % 3 === 1 ? 1 : 0,
      i % 3 === 2 ? 1 : 0,
    ]);
    const w = model.getWeights();
    const pyd = model.upload(py, "outputs");
    expect((await model.gradient({ w, x: xd, py: pyd })).dw.data).toEqual(
      (await model.gradient({ w, x, py })).dw.data,
    );
    model.delete();
  });
});
