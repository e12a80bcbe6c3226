import { describe, expect, it } from "vitest";
import { FINAL_FIT, SEARCH_FIT } from "../src/builder/fit.js";
import { addHiddenNeuron, linearNetwork } from "../src/builder/network-edit.js";
import { continueFromCheckpoint, retrainFrozen, startLinear } from "../src/builder/phases/start.js";
import { BETA_GROUPS } from "../src/builder/prior.js";
import { phaseContext, standInTrainer, trainedAs } from "./phase-helpers.js";

const judge = () => ({ score: 1, evidence: 0 });

describe("start phases", () => {
  it("startLinear trains every input → every output with initialBetaReg and accepts it as model 0", async () => {
    const trainer = standInTrainer(judge);
    const { ctx, record, progress } = phaseContext(
      trainer,
      { inputs: 3, outputs: 2 },
      { initialBetaReg: 0.25 },
    );
    const linear = await startLinear(ctx);
    expect(linear.network.structure).toEqual(linearNetwork(3, 2).structure);
    expect(trainer.betas[0]).toEqual(new Array(BETA_GROUPS).fill(0.25));
    expect(trainer.options[0]).toBe(SEARCH_FIT);
    expect(record.models.map((m) => m.phase)).toEqual(["linear"]);
    expect(progress).toHaveLength(1);
  });

  it("startLinear cuts the linear model to the link cap before accepting it", async () => {
    const trainer = standInTrainer(judge);
    const { ctx, record } = phaseContext(trainer, { inputs: 4, outputs: 1 }, { linksMaximumNumber: 2 });
    const linear = await startLinear(ctx);
    expect(linear.network.structure.links.length).toBeLessThanOrEqual(2);
    expect(record.models[0].structure.links.length).toBe(linear.network.structure.links.length);
  });

  it("continueFromCheckpoint retrains the last kept model with its β and accepts nothing; retrainFrozen trains it to convergence and accepts it", async () => {
    const linear = linearNetwork(2, 1);
    const grown = addHiddenNeuron(linear, {
      sources: [{ from: { kind: "input", index: 1 }, weight: 0.4 }],
      bias: 0.1,
      outputWeights: [0.3],
    });
    const keptBeta = [0.5, 0.6, 0.7];
    const source = phaseContext(standInTrainer(judge), { inputs: 2, outputs: 1 });
    await source.record.accept(trainedAs(linear, [0.1, 0.1, 0.1], judge()), "linear");
    await source.record.accept(trainedAs(grown, keptBeta, judge()), "growth");
    const kept = source.record.models;

    const resumed = standInTrainer(judge);
    const resume = phaseContext(resumed, { inputs: 2, outputs: 1 }, {}, kept);
    const current = await continueFromCheckpoint(resume.ctx);
    expect(current.network.structure).toEqual(grown.structure);
    expect(resumed.betas[0]).toBe(kept[1].beta);
    expect(resumed.options[0]).toBe(SEARCH_FIT);
    expect(resume.record.models).toHaveLength(2);
    expect(resume.progress).toHaveLength(0);

    const frozen = standInTrainer(judge);
    const freeze = phaseContext(frozen, { inputs: 2, outputs: 1 }, {}, kept);
    await retrainFrozen(freeze.ctx);
    expect(frozen.options[0]).toBe(FINAL_FIT);
    expect(freeze.record.models.map((m) => m.phase)).toEqual(["linear", "growth", "frozen"]);
  });
});
