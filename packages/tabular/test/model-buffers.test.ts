/**
 * A model keeps on its backend its weights and normalisation, and nothing
 * per call: a jitted call that closed over the normalisation kept, per row
 * count it was called with, the normalisation broadcast over the rows.
 */
import { cpu } from "@neureco/backend-cpu";
import { describe, expect, it } from "vitest";
import { Matrix, Regressor } from "../src/index.js";
import { countingBackend } from "./counting-backend.js";
import { sampleInputs, sampleModel } from "./model-fixtures.js";

describe("a model's buffers", () => {
  it("stay its weights and normalisation, whatever row counts it is called with", async () => {
    const { backend, live } = countingBackend(cpu());
    const description = sampleModel(3);
    const model = Regressor.fromDescription(description, { backend });
    // The weights and the four normalisation rows.
    expect(live.size).toBe(5);
    const w = model.getWeights();
    const dw = model.getWeights();
    for (const n of [3, 17, 40]) {
      const x = Matrix.from(sampleInputs(description, n), "x");
      await model.evaluate(x);
      await model.forwardDerivative({ w, dw, x, dx: x });
      await model.forwardDerivative({ w, dw, x, dx: null });
      await model.gradient({ w, x, py: Matrix.zeros(n, description.structure.outputs) });
      expect(live.size).toBe(5);
    }
    model.delete();
    expect(live.size).toBe(0);
  });
});
