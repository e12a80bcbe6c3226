import { describe, expect, it } from "vitest";
import { FINAL_FIT, SEARCH_FIT } from "../src/builder/fit.js";
import { freshWeights } from "../src/builder/moves.js";
import { addHiddenNeuron, linearNetwork, type WeightedNetwork } from "../src/builder/network-edit.js";
import { refitOnAllRows } from "../src/builder/phases/refit.js";
import { RESTARTS, restart, restartCount } from "../src/builder/phases/restart.js";
import { selectByEvidence, selectLast } from "../src/builder/phases/select.js";
import { dropSwitchedOff } from "../src/builder/phases/switched-off.js";
import { GROUP_INTO_HIDDEN } from "../src/builder/prior.js";
import { builderRandom } from "../src/builder/random.js";
import { EVIDENCE_TOLERANCE } from "../src/builder/rules.js";
import { BETA_MAX } from "../src/builder/train.js";
import { type Judgement, phaseContext, standInTrainer, trainedAs } from "./phase-helpers.js";

const beta = [0.1, 0.1, 0.1];

/** Linear on 2 inputs plus one neuron reading both. */
function oneNeuron(): WeightedNetwork {
  const linear = linearNetwork(2, 1);
  return addHiddenNeuron(
    { structure: linear.structure, weights: Float64Array.from([0.5, -0.5, 0.1]) },
    {
      sources: [
        { from: { kind: "input", index: 0 }, weight: 1 },
        { from: { kind: "input", index: 1 }, weight: -1 },
      ],
      bias: 0.2,
      outputWeights: [0.7],
    },
  );
}

async function withChosen(
  network: WeightedNetwork,
  chosen: Judgement,
  judge: (n: WeightedNetwork) => Judgement,
  chosenBeta: readonly number[] = beta,
) {
  const trainer = standInTrainer(judge);
  const setup = phaseContext(trainer, { inputs: 2, outputs: 1 });
  await setup.record.accept(trainedAs(linearNetwork(2, 1), beta, { score: 2, evidence: -10 }), "linear");
  const model = await setup.record.accept(trainedAs(network, chosenBeta, chosen), "growth");
  return { trainer, model, ...setup };
}

describe("restart phase", () => {
  it("retrains the chosen structure from restartCount fresh starts and takes the one of highest evidence", async () => {
    const network = oneNeuron();
    // Evidence of a restart: its first weight (drawn at random).
    const { ctx, model, trainer, progress } = await withChosen(
      network,
      { score: 1, evidence: -1e9 },
      (n) => ({
        score: 1,
        evidence: n.weights[0],
      }),
    );
    const result = await restart(ctx, model);
    expect(trainer.fitted).toHaveLength(restartCount(network.weights.length));
    expect(trainer.fitted).toHaveLength(RESTARTS);
    // The starts are those freshWeights draws, in order, from the build's generator.
    const random = builderRandom(0);
    trainer.fitted.forEach((n) => {
      expect(n.structure).toEqual(network.structure);
      expect(Array.from(n.weights)).toEqual(Array.from(freshWeights(network, random).weights));
    });
    expect(trainer.options.every((o) => o === SEARCH_FIT)).toBe(true);
    expect(trainer.betas.every((b) => b === model.beta)).toBe(true);
    const best = Math.max(...trainer.fitted.map((n) => n.weights[0]));
    expect(result.logEvidence).toBe(best);
    expect(result.number).toBe(2);
    expect(progress.at(-1)?.phase).toBe("restart");
  });

  it("keeps the chosen model when no restart has a higher evidence, and does not restart a linear model", async () => {
    const kept = await withChosen(oneNeuron(), { score: 1, evidence: 5 }, () => ({
      score: 0.5,
      evidence: 5,
    }));
    expect(await restart(kept.ctx, kept.model)).toBe(kept.model);
    expect(kept.record.models).toHaveLength(2);
    const linear = await withChosen(linearNetwork(2, 1), { score: 1, evidence: 0 }, () => ({
      score: 0,
      evidence: 100,
    }));
    expect(await restart(linear.ctx, linear.model)).toBe(linear.model);
    expect(linear.trainer.fitted).toHaveLength(0);
  });
});

describe("switched-off links phase", () => {
  const switchedOff = [...beta];
  switchedOff[GROUP_INTO_HIDDEN] = BETA_MAX;

  it("removes the links of a switched-off group and keeps the result when its evidence is within EVIDENCE_TOLERANCE", async () => {
    const { ctx, model, trainer, progress } = await withChosen(
      oneNeuron(),
      { score: 1, evidence: 0 },
      () => ({ score: 1, evidence: -0.9 * EVIDENCE_TOLERANCE }),
      switchedOff,
    );
    const result = await dropSwitchedOff(ctx, model);
    expect(trainer.fitted).toHaveLength(1);
    // No link into the hidden neuron is left: it reads nothing, so it is folded into the output bias.
    expect(result.structure.hidden).toBe(0);
    expect(result.structure.links).toHaveLength(2);
    expect(progress.at(-1)?.phase).toBe("switched-off");
  });

  it("keeps the chosen model when the smaller one loses more than EVIDENCE_TOLERANCE, or when no group is off", async () => {
    const lost = await withChosen(
      oneNeuron(),
      { score: 1, evidence: 0 },
      () => ({ score: 1, evidence: -1.1 * EVIDENCE_TOLERANCE }),
      switchedOff,
    );
    expect(await dropSwitchedOff(lost.ctx, lost.model)).toBe(lost.model);
    const none = await withChosen(oneNeuron(), { score: 1, evidence: 0 }, () => ({ score: 1, evidence: 0 }));
    expect(await dropSwitchedOff(none.ctx, none.model)).toBe(none.model);
    expect(none.trainer.fitted).toHaveLength(0);
  });
});

describe("selection and final refit", () => {
  it("selects by evidence (respecting the link cap) or takes the last model", async () => {
    const { ctx, record } = await withChosen(oneNeuron(), { score: 1, evidence: 3 }, () => ({
      score: 1,
      evidence: 0,
    }));
    expect(selectByEvidence(ctx).number).toBe(1);
    expect(selectByEvidence({ ...ctx, linksMaximumNumber: 2 }).number).toBe(0);
    await record.accept(trainedAs(linearNetwork(2, 1), beta, { score: 3, evidence: -20 }), "links");
    expect(selectLast(ctx).number).toBe(2);
  });

  it("refits the chosen structure on all rows to convergence, keeps its validation error, and records nothing", async () => {
    const { ctx, model, trainer, record } = await withChosen(
      oneNeuron(),
      { score: 0.4, evidence: 3 },
      () => ({
        score: 0.25,
        evidence: 0,
      }),
    );
    const final = await refitOnAllRows(ctx, model);
    expect(trainer.options).toEqual([FINAL_FIT]);
    expect(trainer.betas[0]).toBe(model.beta);
    expect(final.phase).toBe("final");
    expect(final.errors.training).toEqual([0.25]);
    expect(final.errors.validation).toEqual(model.errors.validation);
    expect(record.models).toHaveLength(2);
  });
});
