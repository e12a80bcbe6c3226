import { describe, expect, it } from "vitest";
import type { CrossValidation } from "../src/builder/cross-validation.js";
import type { FitOptions } from "../src/builder/fit.js";
import { linearNetwork } from "../src/builder/network-edit.js";
import {
  CROSS_VALIDATION_FOLDS,
  chooseOutputPrior,
  OUTPUT_PRIOR_FLOORS,
  outputPriorFloor,
} from "../src/builder/phases/output-prior.js";
import { GROUP_HIDDEN_TO_OUTPUT } from "../src/builder/prior.js";
import { oneNeuron, withChosen } from "./phase-helpers.js";

/** Cross-validation whose fold errors are `totals[floor] / folds` for the hidden → output floor of each fit. */
function scriptedCrossValidation(totals: ReadonlyMap<number, number>, rows = 50) {
  const calls: { options: FitOptions; folds: number }[] = [];
  const cv: CrossValidation = {
    rows,
    foldErrors: async (_network, _beta, options, folds) =>
      options.map((o) => {
        calls.push({ options: o, folds });
        const floor = o.betaFloor?.[GROUP_HIDDEN_TO_OUTPUT] ?? 0;
        const total = totals.get(floor);
        if (total === undefined) throw new Error(`no scripted error for floor ${floor}`);
        return Array.from({ length: folds }, () => total / folds);
      }),
  };
  return { cv, calls };
}

const flat = (value: number) => new Map([0, ...OUTPUT_PRIOR_FLOORS].map((f) => [f, value]));

describe("output prior phase", () => {
  it("cross-validates every floor and none, and retrains with the floor of lowest error (phase prior)", async () => {
    const setup = await withChosen(oneNeuron(), { score: 1, evidence: 0 }, () => ({
      score: 0.9,
      evidence: -1,
    }));
    const totals = flat(2);
    totals.set(OUTPUT_PRIOR_FLOORS[1], 1.5);
    totals.set(OUTPUT_PRIOR_FLOORS[2], 1.6);
    const { cv, calls } = scriptedCrossValidation(totals);
    const result = await chooseOutputPrior({ ...setup.ctx, crossValidation: cv }, setup.model);
    expect(calls.map((c) => c.options.betaFloor?.[GROUP_HIDDEN_TO_OUTPUT])).toEqual([
      0,
      ...OUTPUT_PRIOR_FLOORS,
    ]);
    expect(calls.every((c) => c.folds === CROSS_VALIDATION_FOLDS)).toBe(true);
    // The chosen structure retrained on the training rows with that floor, from the chosen weights.
    expect(setup.trainer.fitted).toHaveLength(1);
    expect(setup.trainer.fitted[0].weights).toEqual(setup.model.weights);
    expect(setup.trainer.options[0].betaFloor).toEqual(outputPriorFloor(OUTPUT_PRIOR_FLOORS[1]));
    expect(result.phase).toBe("prior");
    expect(setup.progress.at(-1)?.phase).toBe("prior");
  });

  it("keeps the chosen model when no floor lowers the error (the first of equals wins)", async () => {
    const setup = await withChosen(oneNeuron(), { score: 1, evidence: 0 }, () => ({
      score: 0.5,
      evidence: 5,
    }));
    const { cv, calls } = scriptedCrossValidation(flat(1));
    expect(await chooseOutputPrior({ ...setup.ctx, crossValidation: cv }, setup.model)).toBe(setup.model);
    expect(calls).toHaveLength(1 + OUTPUT_PRIOR_FLOORS.length);
    expect(setup.trainer.fitted).toHaveLength(0);
  });

  it("leaves a linear model alone (it has no hidden → output links), and needs two rows to cross-validate", async () => {
    const linear = await withChosen(linearNetwork(2, 1), { score: 1, evidence: 0 }, () => ({
      score: 1,
      evidence: 0,
    }));
    const first = scriptedCrossValidation(flat(1));
    expect(await chooseOutputPrior({ ...linear.ctx, crossValidation: first.cv }, linear.model)).toBe(
      linear.model,
    );
    expect(first.calls).toHaveLength(0);
    const tiny = await withChosen(oneNeuron(), { score: 1, evidence: 0 }, () => ({ score: 1, evidence: 0 }));
    const second = scriptedCrossValidation(flat(1), 1);
    expect(await chooseOutputPrior({ ...tiny.ctx, crossValidation: second.cv }, tiny.model)).toBe(tiny.model);
    expect(second.calls).toHaveLength(0);
  });

  it("raises only the hidden → output group", () => {
    expect(outputPriorFloor(0.1)).toEqual([0, 0.1, 0]);
  });
});
