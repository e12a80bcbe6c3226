import { describe, expect, it } from "vitest";
import type { CrossValidation } from "../src/builder/cross-validation.js";
import type { FitOptions, TrainedNetwork } from "../src/builder/fit.js";
import { addHiddenNeuron, linearNetwork, type WeightedNetwork } from "../src/builder/network-edit.js";
import {
  CROSS_VALIDATION_FOLDS,
  chooseOutputPrior,
  floorsCannotMatter,
  NEGLIGIBLE_PRIOR_SHIFT,
  OUTPUT_PRIOR_FLOORS,
  outputPriorFloor,
} from "../src/builder/phases/output-prior.js";
import { GROUP_HIDDEN_TO_OUTPUT, type PriorMetric, weightGroups } from "../src/builder/prior.js";
import { oneNeuron, trainedAs, withChosen } from "./phase-helpers.js";

/** Unit variances: a hidden → output weight's prior scale is 1, so the strongest floor's penalty is max(OUTPUT_PRIOR_FLOORS). */
const UNIT_METRIC: PriorMetric = { inputVariance: [1, 1], outputVariance: 1 };

/** `network` trained with JᵀJ = c·I and no penalty, then `edit` applied to JᵀJ. */
function heldWith(
  network: WeightedNetwork,
  c: number,
  edit: (jtj: Float64Array, p: number) => void = () => {},
) {
  const t = trainedAs(network, [0, 0, 0], { score: 1, evidence: 0 });
  const p = network.weights.length;
  const jtj = new Float64Array(p * p);
  for (let i = 0; i < p; i++) jtj[i * p + i] = c;
  edit(jtj, p);
  return { ...t, jtj } satisfies TrainedNetwork;
}

/** The curvature above which no floor can move an output weight by more than NEGLIGIBLE_PRIOR_SHIFT of itself. */
const FIRM = Math.max(...OUTPUT_PRIOR_FLOORS) / NEGLIGIBLE_PRIOR_SHIFT;

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

  it("skips the cross-validation when the data hold the output weights too firmly for any floor to move them", async () => {
    expect(floorsCannotMatter(heldWith(oneNeuron(), 2 * FIRM), UNIT_METRIC)).toBe(true);
    expect(floorsCannotMatter(heldWith(oneNeuron(), FIRM / 2), UNIT_METRIC)).toBe(false);
    // Two output weights each held firmly, but whose difference the data hardly see (they cancel): the floors matter.
    const two = addHiddenNeuron(oneNeuron(), {
      sources: [{ from: { kind: "input", index: 0 }, weight: 0.3 }],
      bias: 0,
      outputWeights: [-0.7],
    });
    const [a, b] = Array.from(weightGroups(two.structure).entries())
      .filter(([, g]) => g === GROUP_HIDDEN_TO_OUTPUT)
      .map(([i]) => i);
    const cancelling = heldWith(two, 100 * FIRM, (jtj, p) => {
      jtj[a * p + b] = jtj[b * p + a] = 100 * FIRM - 1; // the direction (1, −1) has curvature 2
    });
    expect(floorsCannotMatter(heldWith(two, 100 * FIRM), UNIT_METRIC)).toBe(true);
    expect(floorsCannotMatter(cancelling, UNIT_METRIC)).toBe(false);

    // In the phase: the chosen model stays, and not one fold is trained.
    const setup = await withChosen(oneNeuron(), { score: 1, evidence: 0 }, () => ({ score: 1, evidence: 0 }));
    const firm = heldWith(oneNeuron(), 2 * FIRM);
    const ctx = {
      ...setup.ctx,
      trainer: { ...setup.trainer, metric: UNIT_METRIC, assess: async () => firm },
    };
    const { cv, calls } = scriptedCrossValidation(flat(1));
    expect(await chooseOutputPrior({ ...ctx, crossValidation: cv }, setup.model)).toBe(setup.model);
    expect(calls).toHaveLength(0);
  });

  it("raises only the hidden → output group", () => {
    expect(outputPriorFloor(0.1)).toEqual([0, 0.1, 0]);
  });
});
