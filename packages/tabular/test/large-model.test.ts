/**
 * Models far larger than a build makes go through planning, saving and
 * loading without "Maximum call stack size exceeded": no spread of a
 * data-sized array into a call's arguments (which overflows the stack at
 * about 100,000 elements), and no step quadratic in the hidden neurons.
 */
import { describe, expect, it } from "vitest";
import { decodeCheckpoint, encodeCheckpoint } from "../src/builder/checkpoint.js";
import { modelFromBytes, modelToBytes } from "../src/model/model-file.js";
import { type NetworkStructure, planLayers, weightCount } from "../src/network/structure.js";
import { sampleModel } from "./model-fixtures.js";

const H = 125_000;

/** input 0 → hidden 1 → hidden 2 → … → hidden H → output, and input 0 → output. */
function chain(): NetworkStructure {
  const links: [number, number][] = [];
  for (let n = 1; n <= H; n++) links.push([n - 1, n]);
  links.push([H, H + 1], [0, H + 1]);
  return { inputs: 1, hidden: H, outputs: 1, links };
}

/** One input, H hidden neurons side by side, one output. */
function wide(): NetworkStructure {
  const links: [number, number][] = [];
  for (let n = 1; n <= H; n++) links.push([0, n], [n, H + 1]);
  return { inputs: 1, hidden: H, outputs: 1, links };
}

/** Whether two arrays hold the same values (a loop: toEqual is slow on 375,000 elements). */
function same(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

describe(`a model of ${H.toLocaleString("en")} hidden neurons`, () => {
  it("a chain plans one step per neuron", () => {
    const steps = planLayers(chain());
    expect(steps).toHaveLength(H + 1);
    expect(steps[H - 1].neurons).toEqual([H]);
    expect(steps[H].isOutput).toBe(true);
  }, 60_000);

  it.each([
    ["a chain", chain, 2],
    ["a wide layer", wide, H],
  ] as const)(
    "%s is saved and loaded, as a model file and in a checkpoint",
    (_, make, outputLinks) => {
      const structure = make();
      const model = sampleModel(3, structure);
      const p = weightCount(structure);
      expect(model.weights).toHaveLength(p);

      const back = modelFromBytes(modelToBytes(model), "big.ednn");
      expect(back.structure.hidden).toBe(H);
      expect(same(back.weights, model.weights)).toBe(true);
      expect(planLayers(back.structure).at(-1)?.weightIndices).toHaveLength(outputLinks);

      const checkpoint = decodeCheckpoint(
        encodeCheckpoint({
          inputNames: model.inputNames,
          outputNames: model.outputNames,
          inputNormalization: model.inputNormalization,
          outputNormalization: model.outputNormalization,
          validationRows: [0, 1],
          seed: 1,
          models: [
            {
              number: 0,
              phase: "growth",
              structure,
              weights: model.weights,
              beta: [1, 1, 1],
              errors: { training: [0.1], validation: [0.2] },
              logEvidence: -1,
              elapsedMs: 1,
            },
          ],
          selected: 0,
          final: null,
          origin: null,
          finished: false,
          resume: null,
        }),
        "big.checkpoint",
      );
      expect(same(checkpoint.models[0].weights, model.weights)).toBe(true);
    },
    60_000,
  );
});
