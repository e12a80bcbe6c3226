import { describe, expect, it } from "vitest";
import { buildModel, type CheckpointModel } from "../src/builder/index.js";
import { connectedInputs, type NetworkStructure } from "../src/network/structure.js";
import { friedmanWithNoiseInputs } from "./builder-helpers.js";

const inputsOf = (m: CheckpointModel) => connectedInputs(m.structure).length;
const sourcesOf = (model: { structure: NetworkStructure }) =>
  new Set(model.structure.links.map(([from]) => from).filter((f) => f < model.structure.inputs));

describe("builds on data where most inputs are noise", () => {
  // 30 inputs, 200 training rows: the weight budget (a quarter of them, 50)
  // has no room for a hidden neuron reading all 30 inputs beside the linear
  // model's 31 weights.
  it.each([0, 1])("removes noise inputs in batches, then grows (seed %i)", async (seed) => {
    const { model, checkpoint } = await buildModel(friedmanWithNoiseInputs(300, 30, 0.5, seed), { seed });
    const models = checkpoint.models;
    // Some accepted removal took out several inputs at once.
    const removedAtOnce = models
      .slice(1)
      .map((m, i) => (m.phase === "inputs" ? inputsOf(models[i]) - inputsOf(m) : 0));
    expect(Math.max(...removedAtOnce)).toBeGreaterThan(1);
    // Hidden neurons were added once the removals made room for them.
    const firstRemoval = models.findIndex((m) => m.phase === "inputs");
    expect(models.slice(firstRemoval).some((m) => m.phase === "growth")).toBe(true);
    expect(model.structure.hidden).toBeGreaterThan(0);
    const sources = sourcesOf(model);
    expect([0, 1, 3].filter((i) => !sources.has(i))).toEqual([]);
    expect([...sources].filter((i) => i >= 5).length).toBeLessThanOrEqual(2);
  });

  // 40 inputs: a random direction puts about 5/40 of its weight on the
  // inputs that matter. From random starts alone, three of these four builds
  // lost input 2 (a parabola, invisible to the linear model) or grew nothing.
  it.each([0, 1, 2, 3])(
    "grows neurons along the residuals' curvature and keeps all five inputs (seed %i)",
    async (seed) => {
      const { model } = await buildModel(friedmanWithNoiseInputs(600, 40, 1, seed), { seed });
      expect(model.structure.hidden).toBeGreaterThan(1);
      expect([...sourcesOf(model)].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4]);
    },
  );
});
