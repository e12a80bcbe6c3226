import { describe, expect, it } from "vitest";
import { FINAL_FIT } from "../src/builder/fit.js";
import { linearNetwork } from "../src/builder/network-edit.js";
import { refitOnAllRows } from "../src/builder/phases/refit.js";
import { selectByEvidence, selectLast } from "../src/builder/phases/select.js";
import { oneNeuron, startBeta, trainedAs, withChosen } from "./phase-helpers.js";

describe("selection and final refit", () => {
  it("selects by evidence (respecting the link cap) or takes the last model", async () => {
    const { ctx, record } = await withChosen(oneNeuron(), { score: 1, evidence: 3 }, () => ({
      score: 1,
      evidence: 0,
    }));
    expect(selectByEvidence(ctx).number).toBe(1);
    expect(selectByEvidence({ ...ctx, linksMaximumNumber: 2 }).number).toBe(0);
    await record.accept(trainedAs(linearNetwork(2, 1), startBeta, { score: 3, evidence: -20 }), "links");
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
