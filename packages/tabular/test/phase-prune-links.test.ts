import { describe, expect, it } from "vitest";
import { addHiddenNeuron, linearNetwork, type WeightedNetwork } from "../src/builder/network-edit.js";
import { chooseLinks, enforceLinkCap, pruneLinks } from "../src/builder/phases/prune-links.js";
import { connectedInputs } from "../src/network/structure.js";
import { phaseContext, standInTrainer, trainedAs } from "./phase-helpers.js";

const beta = [0.1, 0.1, 0.1];

/** Linear links of 3 inputs (weights `direct`) plus a neuron reading inputs 0 and 1. */
function network(direct: readonly number[]): WeightedNetwork {
  const linear = linearNetwork(3, 1);
  const withWeights = { structure: linear.structure, weights: Float64Array.from([...direct, 0]) };
  return addHiddenNeuron(withWeights, {
    sources: [
      { from: { kind: "input", index: 0 }, weight: 2 },
      { from: { kind: "input", index: 1 }, weight: 0.01 },
    ],
    bias: 0.3,
    outputWeights: [1.5],
  });
}

/** Validation error 1 while every link of weight above 0.5 is kept, 2 otherwise. */
function keepsLarge(original: WeightedNetwork) {
  const large = Array.from(original.weights.subarray(0, original.structure.links.length)).filter(
    (w) => Math.abs(w) > 0.5,
  ).length;
  return (n: WeightedNetwork) => {
    const kept = Array.from(n.weights.subarray(0, n.structure.links.length)).filter((w) => Math.abs(w) > 0.5);
    return { score: kept.length === large ? 1 : 2, evidence: 0 };
  };
}

async function run(start: WeightedNetwork, disconnectInputsIfPossible: boolean, linksMaximumNumber = 0) {
  const judge = keepsLarge(start);
  const trainer = standInTrainer(judge);
  const setup = phaseContext(
    trainer,
    { inputs: 3, outputs: 1 },
    { disconnectInputsIfPossible, linksMaximumNumber },
  );
  const trained = trainedAs(start, beta, judge(start));
  await setup.record.accept(trained, "growth");
  return { trainer, trained, ...setup };
}

describe("link removal phase", () => {
  it("removes the links that do not help and keeps those that do", async () => {
    const start = network([1, 0.02, 0.001]);
    const { ctx, trained, progress } = await run(start, true);
    const result = await pruneLinks(ctx, trained);
    const weights = Array.from(result.network.weights.subarray(0, result.network.structure.links.length));
    expect(weights.every((w) => Math.abs(w) > 0.5)).toBe(true);
    expect(weights).toHaveLength(3);
    expect(progress.slice(1).every((p) => p.phase === "links")).toBe(true);
    expect(connectedInputs(result.network.structure)).toEqual([0]);
  });

  it("keeps one link of every input when inputs must stay connected", async () => {
    const start = network([1, 0.02, 0.001]);
    const { ctx, trained, trainer } = await run(start, false);
    const result = await pruneLinks(ctx, trained);
    expect(connectedInputs(result.network.structure)).toEqual([0, 1, 2]);
    for (const n of trainer.fitted) expect(connectedInputs(n.structure)).toEqual([0, 1, 2]);
  });

  it("chooses links in rank order, and never an input's last link when inputs must stay connected", () => {
    const n = linearNetwork(2, 2); // links: 0→o0, 1→o0, 0→o1, 1→o1
    expect(chooseLinks(n, [0, 2, 1, 3], 0, 3, false)).toEqual([0, 2, 1]);
    expect(chooseLinks(n, [0, 2, 1, 3], 0, 3, true)).toEqual([0, 1]);
    expect(chooseLinks(n, [0, 2, 1, 3], 1, 3, true)).toEqual([2, 1]);
  });

  it("enforces the link cap by removing the least salient links", async () => {
    const start = network([1, 0.02, 0.001]);
    const { ctx, trained } = await run(start, true, 3);
    const capped = await enforceLinkCap(ctx, trained);
    expect(capped.network.structure.links.length).toBeLessThanOrEqual(3);
    const weights = Array.from(capped.network.weights.subarray(0, capped.network.structure.links.length));
    expect(weights.every((w) => Math.abs(w) >= 1)).toBe(true);
  });
});
