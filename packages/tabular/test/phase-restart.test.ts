import { describe, expect, it } from "vitest";
import { SEARCH_FIT } from "../src/builder/fit.js";
import { freshWeights } from "../src/builder/moves.js";
import { linearNetwork } from "../src/builder/network-edit.js";
import { RESTARTS, restart, restartCount } from "../src/builder/phases/restart.js";
import { builderRandom } from "../src/builder/random.js";
import { oneNeuron, withChosen } from "./phase-helpers.js";

const _beta = [0.1, 0.1, 0.1];

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
