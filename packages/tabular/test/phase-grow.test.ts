import { describe, expect, it } from "vitest";
import { growthCandidates } from "../src/builder/moves.js";
import {
  linearNetwork,
  linksOfInput,
  removeLinks,
  type WeightedNetwork,
} from "../src/builder/network-edit.js";
import {
  GROWTH_CANDIDATES,
  GROWTH_FRESH_CANDIDATES,
  GROWTH_PATIENCE,
  grow,
  growAfterInputRemoval,
  growFrom,
  MIN_WEIGHT_BUDGET,
  weightBudget,
} from "../src/builder/phases/grow.js";
import { startLinear } from "../src/builder/phases/start.js";
import { GROWTH_GAIN } from "../src/builder/rules.js";
import { sampleFunction } from "./builder-helpers.js";
import { phaseContext, realTrainer, rowsOf, standInTrainer, trainedAs } from "./phase-helpers.js";

const beta = [0.1, 0.1, 0.1];

/** Validation error that falls by a tenth per hidden neuron up to `useful`, then stays. */
function judgeByNeurons(useful: number) {
  return (n: WeightedNetwork) => ({ score: 1 - 0.1 * Math.min(n.structure.hidden, useful), evidence: 0 });
}

describe("growth phase", () => {
  it("accepts neurons while they count, then stops after GROWTH_PATIENCE steps that do not", async () => {
    const trainer = standInTrainer(judgeByNeurons(3));
    const { ctx, record, progress } = phaseContext(trainer, { inputs: 2, outputs: 1 });
    const start = trainedAs(linearNetwork(2, 1), beta, { score: 1, evidence: 0 });
    await record.accept(start, "linear");
    const last = await grow(ctx, start);
    expect(last.network.structure.hidden).toBe(3);
    expect(progress.map((p) => p.phase)).toEqual(["linear", "growth", "growth", "growth"]);
    const candidatesPerStep = GROWTH_CANDIDATES + GROWTH_FRESH_CANDIDATES;
    expect(trainer.fitted).toHaveLength((3 + GROWTH_PATIENCE) * candidatesPerStep);
    // Each step grows from the previous pick: step s trains networks of s hidden neurons.
    trainer.fitted.forEach((n, i) => expect(n.structure.hidden).toBe(Math.floor(i / candidatesPerStep) + 1));
    expect(ctx.growthHeldBackAt).toBeNull();
  });

  it("counts a neuron that gains less than GROWTH_GAIN only when its evidence is higher", async () => {
    const small = 1 - GROWTH_GAIN / 2;
    for (const evidenceGain of [0, 1]) {
      const trainer = standInTrainer((n) => ({
        score: n.structure.hidden === 0 ? 1 : small,
        evidence: n.structure.hidden === 1 ? evidenceGain : 0,
      }));
      const { ctx, record } = phaseContext(trainer, { inputs: 2, outputs: 1 });
      const start = trainedAs(linearNetwork(2, 1), beta, { score: 1, evidence: 0 });
      await record.accept(start, "linear");
      const last = await grow(ctx, start);
      expect(last.network.structure.hidden).toBe(evidenceGain > 0 ? 1 : 0);
    }
  });

  it("stops at the weight budget and notes that growth was held back while gaining", async () => {
    // 8 rows, one output: a budget of MIN_WEIGHT_BUDGET = 8 weights. Linear on 2 inputs: 3;
    // one neuron adds 2 + 1 + 1 = 4 (7 in all); a second would make 11.
    const trainer = standInTrainer(judgeByNeurons(5), 8);
    const { ctx, record } = phaseContext(trainer, { inputs: 2, outputs: 1 });
    expect(weightBudget(ctx)).toBe(MIN_WEIGHT_BUDGET);
    const start = trainedAs(linearNetwork(2, 1), beta, { score: 1, evidence: 0 });
    await record.accept(start, "linear");
    const growth = await growFrom(ctx, start);
    expect(growth.last.network.structure.hidden).toBe(1);
    expect(growth.heldBackByBudget).toBe(true);
    // The phase notes it for growAfterInputRemoval.
    const again = phaseContext(standInTrainer(judgeByNeurons(5), 8), { inputs: 2, outputs: 1 });
    await again.record.accept(start, "linear");
    await grow(again.ctx, start);
    // The number of models accepted when growth stopped: the linear one and the grown one.
    expect(again.ctx.growthHeldBackAt).toBe(2);
    expect(again.record.models).toHaveLength(2);
  });

  it("grows again after input removal only when the budget held growth back and models were accepted since", async () => {
    const trainer = standInTrainer(judgeByNeurons(5), 8);
    const { ctx, record } = phaseContext(trainer, { inputs: 2, outputs: 1 });
    const start = trainedAs(linearNetwork(2, 1), beta, { score: 1, evidence: 0 });
    await record.accept(start, "linear");
    // Not held back: nothing to resume.
    expect(await growAfterInputRemoval(ctx, start)).toBe(start);
    const last = await grow(ctx, start);
    expect(ctx.growthHeldBackAt).toBe(record.models.length);
    // Held back, but no input was removed since: the same network.
    const fits = trainer.fitted.length;
    expect(await growAfterInputRemoval(ctx, last)).toBe(last);
    expect(trainer.fitted).toHaveLength(fits);
    // Held back and the network changed (an input removed): growth resumes from it.
    // 5 weights once input 1 is gone: a second neuron (3 more) fits the budget of 8.
    const fewerInputs = trainedAs(removeLinks(last.network, linksOfInput(last.network, 1)), beta, {
      score: 0.9,
      evidence: 0,
    });
    await record.accept(fewerInputs, "inputs");
    const regrown = await growAfterInputRemoval(ctx, fewerInputs);
    expect(trainer.fitted.length).toBeGreaterThan(fits);
    expect(regrown.network.structure.hidden).toBe(2);
  });

  it("with a real fit, grows a network that predicts a sum of tanh units better than the linear model", async () => {
    const target = (x: Float64Array) => [Math.tanh(2 * x[0] - x[1]) + 0.5 * Math.tanh(3 * x[1] + 1)];
    const { x, y } = sampleFunction(120, 2, target, 5);
    const { trainer, dispose } = realTrainer(
      { x: rowsOf(x, 0, 80), y: rowsOf(y, 0, 80) },
      { x: rowsOf(x, 80, 120), y: rowsOf(y, 80, 120) },
    );
    try {
      const { ctx, progress } = phaseContext(trainer, { inputs: 2, outputs: 1 });
      const linear = await startLinear(ctx);
      const grown = await grow(ctx, linear);
      expect(grown.network.structure.hidden).toBeGreaterThan(0);
      expect(grown.score).toBeLessThan(0.2 * linear.score);
      expect(progress.filter((p) => p.phase === "growth").length).toBe(grown.network.structure.hidden);
    } finally {
      dispose();
    }
  });

  it("trains growth candidates that start at the trained network's fit (output weights 0)", () => {
    const base = linearNetwork(3, 2);
    for (const c of growthCandidates(base, 4, () => 0.3)) {
      const s = c.structure;
      expect(s.hidden).toBe(1);
      const intoOutputs = s.links.map(([from, to], i) => ({ from, to, w: c.weights[i] }));
      for (const l of intoOutputs) if (l.from === s.inputs) expect(l.w).toBe(0);
    }
  });
});
