import { describe, expect, it } from "vitest";
import { freshWeights } from "../src/builder/moves.js";
import { addHiddenNeuron, linearNetwork } from "../src/builder/network-edit.js";
import { seededRandom } from "../src/builder/random.js";

describe("freshWeights", () => {
  const base = linearNetwork(3, 2);
  const network = addHiddenNeuron(
    { structure: base.structure, weights: base.weights.map(() => 0.7) },
    {
      sources: [0, 2].map((index) => ({ from: { kind: "input", index } as const, weight: 5 })),
      bias: 4,
      outputWeights: [3, -3],
    },
  );
  const s = network.structure;
  const firstOutput = s.inputs + s.hidden;

  it("keeps the structure, draws hidden weights and zeroes the output layer", () => {
    const fresh = freshWeights(network, seededRandom(1));
    expect(fresh.structure).toBe(s);
    expect(fresh.weights.length).toBe(network.weights.length);
    s.links.forEach(([, to], i) => {
      if (to >= firstOutput) expect(fresh.weights[i]).toBe(0);
      else expect(fresh.weights[i]).not.toBe(network.weights[i]);
    });
    const hiddenBias = fresh.weights[s.links.length];
    expect(Math.abs(hiddenBias)).toBeLessThan(1);
    expect(Array.from(fresh.weights.subarray(s.links.length + s.hidden))).toEqual([0, 0]);
  });

  it("depends only on the seed", () => {
    const a = freshWeights(network, seededRandom(3)).weights;
    expect(Array.from(freshWeights(network, seededRandom(3)).weights)).toEqual(Array.from(a));
    expect(Array.from(freshWeights(network, seededRandom(4)).weights)).not.toEqual(Array.from(a));
  });
});
