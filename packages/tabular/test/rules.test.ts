import { describe, expect, it } from "vitest";
import { linearNetwork } from "../src/builder/network-edit.js";
import {
  bestRetraining,
  CLASSIFIER_GROWTH_NATS,
  EVIDENCE_TOLERANCE,
  GROWTH_GAIN,
  growthCounts,
  INPUT_REMOVAL_EVIDENCE,
  inputRemovalAccepted,
  keepsValidationError,
  linkRemovalAccepted,
  lowestValidationError,
  PRUNING_TOLERANCE,
  simplificationKept,
  VALIDATION_RESOLVES_GROWTH,
} from "../src/builder/rules.js";
import { trainedAs } from "./phase-helpers.js";

const beta = [0.1, 0.1, 0.1];
const trained = (score: number, evidence: number, validationLogLikelihood = 0) =>
  trainedAs(linearNetwork(1, 1), beta, { score, evidence, validationLogLikelihood });

describe("accept rules", () => {
  it("growth counts a gain of more than GROWTH_GAIN in validation error, or a higher evidence", () => {
    const best = 2;
    expect(growthCounts(trained(best * (1 - 1.01 * GROWTH_GAIN), 0), best, 0, 100)).toBe(true);
    expect(growthCounts(trained(best * (1 - 0.99 * GROWTH_GAIN), 0), best, 0, 100)).toBe(false);
    expect(growthCounts(trained(best * (1 - 0.99 * GROWTH_GAIN), 0.1), best, 0, 100)).toBe(true);
    expect(growthCounts(trained(best, 0), best, 0, 100)).toBe(false);
  });

  it("growth counts a higher evidence only on a validation set too small to resolve GROWTH_GAIN", () => {
    const best = 2;
    const flat = trained(best * (1 - 0.99 * GROWTH_GAIN), 50);
    expect(VALIDATION_RESOLVES_GROWTH).toBe(125_000);
    // The relative sampling error of an RMSE over that many residuals is GROWTH_GAIN.
    expect(1 / Math.sqrt(2 * VALIDATION_RESOLVES_GROWTH)).toBeCloseTo(GROWTH_GAIN, 10);
    expect(growthCounts(flat, best, 0, VALIDATION_RESOLVES_GROWTH - 1)).toBe(true);
    expect(growthCounts(flat, best, 0, VALIDATION_RESOLVES_GROWTH)).toBe(false);
    expect(growthCounts(trained(best * (1 - 1.01 * GROWTH_GAIN), 0), best, 0, 10 ** 6)).toBe(true);
  });

  it("a classifier's growth counts a validation gain of more than CLASSIFIER_GROWTH_NATS, whatever the evidence", () => {
    // A log-loss of 0.03 on 100 validation rows (one output): 0.005 lower is 0.5 nats, 0.02 lower is 2 nats.
    const classifier = (score: number, evidence: number) => ({
      ...trained(score, evidence),
      likelihood: "categorical" as const,
    });
    expect(CLASSIFIER_GROWTH_NATS).toBe(EVIDENCE_TOLERANCE);
    expect(growthCounts(classifier(0.025, 1e3), 0.03, 0, 100)).toBe(false);
    expect(growthCounts(classifier(0.01, 0), 0.03, 0, 100)).toBe(true);
    // The relative gain of 17 % that counted a regression's neuron does not count here.
    expect(growthCounts(trained(0.025, 0), 0.03, 0, 100)).toBe(true);
    // Rows, not residuals: three outputs on 100 rows are 300 residuals and 100 rows.
    const threeOutputs = (score: number) => ({
      ...trainedAs(linearNetwork(1, 3), beta, { score, evidence: 0, validationLogLikelihood: 0 }),
      likelihood: "categorical" as const,
    });
    expect(growthCounts(threeOutputs(0.025), 0.03, 0, 300)).toBe(false);
    expect(growthCounts(threeOutputs(0.015), 0.03, 0, 300)).toBe(true);
  });

  it("a removal keeps the validation error within PRUNING_TOLERANCE of the best", () => {
    const limit = 2 * (1 + PRUNING_TOLERANCE);
    expect(keepsValidationError(trained(limit, 0), 2)).toBe(true);
    expect(keepsValidationError(trained(limit * 1.001, 0), 2)).toBe(false);
    expect(linkRemovalAccepted(trained(limit, 0), 2)).toBe(true);
    expect(linkRemovalAccepted(trained(limit * 1.001, -100), 2)).toBe(false);
  });

  it("an input removal is also kept when the joint evidence gains more than INPUT_REMOVAL_EVIDENCE", () => {
    const before = trained(1, 10, -5);
    const worse = 1.1;
    expect(inputRemovalAccepted(trained(worse, 10 + INPUT_REMOVAL_EVIDENCE, -5 + 0.01), before, 1)).toBe(
      true,
    );
    expect(inputRemovalAccepted(trained(worse, 10 + INPUT_REMOVAL_EVIDENCE, -5 - 0.01), before, 1)).toBe(
      false,
    );
    expect(inputRemovalAccepted(trained(1, -100, -100), before, 1)).toBe(true);
  });

  it("a simplification of the chosen model is kept within EVIDENCE_TOLERANCE, always when the chosen has no evidence", () => {
    expect(simplificationKept(trained(1, 5 - EVIDENCE_TOLERANCE), 5)).toBe(true);
    expect(simplificationKept(trained(1, 5 - 1.01 * EVIDENCE_TOLERANCE), 5)).toBe(false);
    expect(simplificationKept(trained(1, -1e9), Number.NaN)).toBe(true);
  });

  it("a retraining replaces the chosen model only with a higher evidence; the first of the highest wins", () => {
    const a = trained(1, 3);
    const b = trained(1, 4);
    const c = trained(1, 4);
    expect(bestRetraining([a, b, c], 2)).toBe(b);
    expect(bestRetraining([a, b, c], 4)).toBeNull();
    expect(bestRetraining([a], Number.NaN)).toBe(a);
  });

  it("the pick of a growth step is the lowest validation error, the first of equals", () => {
    const a = trained(2, 0);
    const b = trained(1, 0);
    const c = trained(1, 0);
    expect(lowestValidationError([a, b, c])).toBe(b);
  });
});
