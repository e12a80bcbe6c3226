import { describe, expect, it } from "vitest";
import { dropSwitchedOff } from "../src/builder/phases/switched-off.js";
import { GROUP_INTO_HIDDEN } from "../src/builder/prior.js";
import { EVIDENCE_TOLERANCE } from "../src/builder/rules.js";
import { BETA_MAX } from "../src/builder/train.js";
import { oneNeuron, startBeta, withChosen } from "./phase-helpers.js";

describe("switched-off links phase", () => {
  const switchedOff = [...startBeta];
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
