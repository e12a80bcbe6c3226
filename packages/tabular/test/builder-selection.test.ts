import { describe, expect, it } from "vitest";
import { pooledScore, selectModel } from "../src/builder/build.js";
import type { CheckpointModel } from "../src/builder/checkpoint.js";
import { linearNetwork } from "../src/builder/network-edit.js";
import { effectiveParameters, weightGroups } from "../src/builder/train.js";

function model(number: number, training: number, validation: number, inputs = 3): CheckpointModel {
  const { structure, weights } = linearNetwork(inputs, 1);
  return {
    number,
    phase: "linear",
    structure,
    weights,
    beta: [0, 0],
    errors: { training: [training], validation: [validation] },
    elapsedMs: 0,
  };
}

describe("model selection", () => {
  const rows = { training: 100, validation: 50 };

  it("pools the validation error with the GCV estimate of the training rows", () => {
    const m = model(0, 0.3, 0.5);
    const gcv = 0.3 ** 2 / (1 - 10 / 100) ** 2;
    expect(pooledScore(m, 10, rows)).toBeCloseTo(Math.sqrt((50 * 0.25 + 100 * gcv) / 150), 12);
    // More effective parameters for the same training error: a worse estimate.
    expect(pooledScore(m, 20, rows)).toBeGreaterThan(pooledScore(m, 10, rows));
  });

  it("falls back to the validation error without γ or validation rows", () => {
    const m = model(0, 0.3, 0.5);
    expect(pooledScore(m, undefined, rows)).toBe(0.5);
    expect(pooledScore(m, Number.NaN, rows)).toBe(0.5);
    expect(pooledScore(m, 10, { training: 100, validation: 0 })).toBe(0.5);
  });

  it("prefers the smaller of two models of nearly the same score", () => {
    const small = model(0, 0.3, 0.5, 2);
    const large = model(1, 0.3, 0.499, 6);
    expect(selectModel([small, large], 0).number).toBe(0);
    expect(selectModel([small, large], 0, (m) => (m.number === 0 ? 0.6 : 0.5)).number).toBe(1);
  });

  it("counts unpenalised weights fully and penalised ones by how well the data determine them", () => {
    const { structure } = linearNetwork(2, 1);
    const groups = weightGroups(structure);
    // JᵀJ = diag(4, 4, 4): two links (penalised, group 1) and the output bias.
    const jtj = new Float64Array([4, 0, 0, 0, 4, 0, 0, 0, 4]);
    expect(effectiveParameters(jtj, groups, [0, 0])).toBeCloseTo(3, 9);
    // γ_i = λ/(λ+β) = 4/(4+4) for each link.
    expect(effectiveParameters(jtj, groups, [0, 4])).toBeCloseTo(2, 9);
  });
});
