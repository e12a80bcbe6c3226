import { describe, expect, it } from "vitest";
import { linearNetwork, type WeightedNetwork } from "../src/builder/network-edit.js";
import { PRUNING_PATIENCE, pruneInputs } from "../src/builder/phases/prune-inputs.js";
import { INPUT_REMOVAL_EVIDENCE } from "../src/builder/rules.js";
import { connectedInputs } from "../src/network/structure.js";
import { phaseContext, standInTrainer, trainedAs } from "./phase-helpers.js";

const beta = [0.1, 0.1, 0.1];

/** A linear network of one output whose input i has weight w[i]. */
function linear(w: readonly number[]): WeightedNetwork {
  const n = linearNetwork(w.length, 1);
  return { structure: n.structure, weights: Float64Array.from([...w, 0]) };
}

/** Validation error 1 while every input of `needed` is connected, 2 otherwise. */
function needs(needed: readonly number[]) {
  return (n: WeightedNetwork) => {
    const connected = new Set(connectedInputs(n.structure));
    return { score: needed.every((i) => connected.has(i)) ? 1 : 2, evidence: 0 };
  };
}

async function run(weights: readonly number[], judge: ReturnType<typeof needs>) {
  const trainer = standInTrainer(judge);
  const setup = phaseContext(trainer, { inputs: weights.length, outputs: 1 });
  const start = trainedAs(linear(weights), beta, judge(linear(weights)));
  await setup.record.accept(start, "linear");
  const result = await pruneInputs(setup.ctx, start);
  return { trainer, result, ...setup };
}

describe("input removal phase", () => {
  it("removes the inputs that do not help, least salient first, and keeps those that do", async () => {
    // Saliency ½w²: inputs 1 and 3 first; removing 0 or 2 raises the validation error.
    const { trainer, result, progress } = await run([1, 0.001, 1, 0.002], needs([0, 2]));
    expect(connectedInputs(result.network.structure)).toEqual([0, 2]);
    expect(progress.map((p) => p.phase)).toEqual(["linear", "inputs", "inputs"]);
    // 1, 3 accepted; then 0 and 2 each rejected once: PRUNING_PATIENCE rejections end the phase.
    expect(trainer.fitted).toHaveLength(2 + PRUNING_PATIENCE);
    expect(trainer.fitted.map((n) => connectedInputs(n.structure))).toEqual([[0, 2, 3], [0, 2], [2], [0]]);
    expect(trainer.betas.every((b) => b === beta)).toBe(true);
  });

  it("removes inputs in batches on many inputs, halving a rejected batch", async () => {
    // 16 inputs: batches of 2. Inputs 14 and 15 matter and are the most salient.
    const weights = Array.from({ length: 16 }, (_, i) => (i >= 14 ? 1 : 0.001 * (i + 1)));
    const { trainer, result } = await run(weights, needs([14, 15]));
    expect(connectedInputs(result.network.structure)).toEqual([14, 15]);
    const removedAtOnce = trainer.fitted.map((n, i) => {
      const before = i === 0 ? 16 : connectedInputs(trainer.fitted[i - 1].structure).length;
      return before - connectedInputs(n.structure).length;
    });
    expect(removedAtOnce[0]).toBe(2);
  });

  it("keeps a removal the validation error objects to only when the joint evidence gains more than INPUT_REMOVAL_EVIDENCE", async () => {
    for (const gain of [INPUT_REMOVAL_EVIDENCE + 0.5, INPUT_REMOVAL_EVIDENCE - 0.5]) {
      // Removing input 1 raises the validation error a little but may gain evidence.
      const judge = (n: WeightedNetwork) => {
        const connected = connectedInputs(n.structure);
        if (!connected.includes(0)) return { score: 2, evidence: 0 };
        return connected.includes(1)
          ? { score: 1, evidence: 0, validationLogLikelihood: 0 }
          : { score: 1.01, evidence: gain / 2, validationLogLikelihood: gain / 2 };
      };
      const { result } = await run([1, 0.001], judge);
      expect(connectedInputs(result.network.structure)).toEqual(gain > INPUT_REMOVAL_EVIDENCE ? [0] : [0, 1]);
    }
  });

  it("never removes the last input", async () => {
    const { result } = await run([0.5, 0.001, 0.002], () => ({ score: 1, evidence: 0 }));
    expect(connectedInputs(result.network.structure)).toEqual([0]);
  });
});
