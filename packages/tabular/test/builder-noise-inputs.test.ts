import { describe, expect, it } from "vitest";
import { buildModel } from "../src/builder/index.js";
import { friedmanWithNoiseInputs } from "./builder-helpers.js";

describe("input disconnection with noisy outputs", () => {
  // The validation error of noisy rows moves by chance when a noise input is
  // removed; the joint evidence of training and validation rows tells.
  // Input 2 (a parabola, 20·(u − ½)²) and input 4 (5·u) matter least: a small
  // network on 240 noisy rows may do as well without them, so only the three
  // strongest are required.
  it.each([0, 1, 2, 3])(
    "keeps the strongest inputs and at most one of five noise inputs (seed %i)",
    async (seed) => {
      // Inputs 5–9 are pure noise.
      const data = friedmanWithNoiseInputs(240, 10, 1, seed);
      const { model } = await buildModel(data, { seed });
      const sources = new Set(model.structure.links.map(([from]) => from).filter((f) => f < 10));
      expect([0, 1, 3].filter((i) => !sources.has(i))).toEqual([]);
      expect([5, 6, 7, 8, 9].filter((i) => sources.has(i)).length).toBeLessThanOrEqual(1);
    },
  );
});
