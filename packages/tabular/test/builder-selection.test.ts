import { describe, expect, it } from "vitest";
import type { CheckpointModel } from "../src/builder/checkpoint.js";
import { linearNetwork } from "../src/builder/network-edit.js";
import { MIN_RESTARTS, RESTART_FULL_WEIGHTS, RESTARTS, restartCount } from "../src/builder/phases/restart.js";
import {
  penaltyDiagonal,
  priorMetric,
  priorScales,
  weightGroups,
  weightPrior,
} from "../src/builder/prior.js";
import { matrixRows } from "../src/builder/rows.js";
import { EVIDENCE_TOLERANCE, selectModel } from "../src/builder/rules.js";
import { effectiveParameters } from "../src/builder/train.js";
import { Matrix } from "../src/matrix.js";

function model(number: number, validation: number, logEvidence: number, inputs = 3): CheckpointModel {
  const { structure, weights } = linearNetwork(inputs, 1);
  return {
    number,
    phase: "linear",
    structure,
    weights,
    beta: [0, 0, 0],
    errors: { training: [validation], validation: [validation] },
    logEvidence,
    elapsedMs: 0,
  };
}

describe("model selection", () => {
  it("chooses the model of highest log evidence, whatever its validation error", () => {
    const models = [model(0, 0.4, 10), model(1, 0.3, 12), model(2, 0.2, 11)];
    expect(selectModel(models, 0).number).toBe(1);
  });

  it("prefers a smaller model whose evidence is within EVIDENCE_TOLERANCE of the best", () => {
    const large = model(0, 0.3, 5, 6);
    const small = model(1, 0.3, 5 - 0.9 * EVIDENCE_TOLERANCE, 2);
    expect(selectModel([large, small], 0).number).toBe(1);
    const worse = model(1, 0.3, 5 - 1.1 * EVIDENCE_TOLERANCE, 2);
    expect(selectModel([large, worse], 0).number).toBe(0);
  });

  it("chooses a classifier by its validation log-likelihood: the smallest within EVIDENCE_TOLERANCE nats", () => {
    // Log-losses on 100 validation rows: 0.30 → 0.29 is 1 nat, 0.30 → 0.28 is 2 nats.
    const linear = model(0, 0.3, 50, 2);
    const grown = model(1, 0.28, 10, 6);
    expect(selectModel([linear, grown], 0).number).toBe(0);
    expect(selectModel([linear, grown], 0, 100).number).toBe(1);
    const close = model(1, 0.3 - 0.9 * (EVIDENCE_TOLERANCE / 100), 10, 6);
    expect(selectModel([linear, close], 0, 100).number).toBe(0);
    // Equal sizes: the lower log-loss.
    expect(selectModel([model(0, 0.3, 0, 2), model(1, 0.295, 0, 2)], 0, 100).number).toBe(1);
  });

  it("respects the link cap", () => {
    const large = model(0, 0.3, 20, 6);
    const small = model(1, 0.3, 5, 2);
    expect(selectModel([large, small], 4).number).toBe(1);
  });

  it("falls back to the validation error when no model has an evidence (older checkpoints)", () => {
    const models = [model(0, 0.4, Number.NaN), model(1, 0.3, Number.NaN)];
    expect(selectModel(models, 0).number).toBe(1);
  });

  it("counts unpenalised weights fully and penalised ones by how well the data determine them", () => {
    const { structure } = linearNetwork(2, 1);
    const prior = weightPrior(structure, { inputVariance: [1, 1], outputVariance: 1 });
    // JᵀJ = diag(4, 4, 4): two links (penalised) and the output bias.
    const jtj = new Float64Array([4, 0, 0, 0, 4, 0, 0, 0, 4]);
    expect(effectiveParameters(jtj, penaltyDiagonal(prior, [0, 0, 0]))).toBeCloseTo(3, 9);
    // γ_i = λ/(λ+β) = 4/(4+4) for each link.
    expect(effectiveParameters(jtj, penaltyDiagonal(prior, [0, 0, 4]))).toBeCloseTo(2, 9);
  });
});

describe("restarts", () => {
  it("tries all restarts on small networks and fewer, as 1/p², on large ones", () => {
    expect(restartCount(10)).toBe(RESTARTS);
    expect(restartCount(RESTART_FULL_WEIGHTS)).toBe(RESTARTS);
    expect(restartCount(2 * RESTART_FULL_WEIGHTS)).toBe(RESTARTS / 4);
    expect(restartCount(100 * RESTART_FULL_WEIGHTS)).toBe(MIN_RESTARTS);
    for (let p = 1; p < 1000; p++) expect(restartCount(p + 1)).toBeLessThanOrEqual(restartCount(p));
  });
});

describe("weight prior", () => {
  // inputs 0, 1; hidden 2; output 3. Links: 0→2, 1→2, 2→3, 0→3.
  const structure = {
    inputs: 2,
    hidden: 1,
    outputs: 1,
    links: [
      [0, 2],
      [1, 2],
      [2, 3],
      [0, 3],
    ] as const,
  };

  it("puts each link in its group and leaves the biases unpenalised", () => {
    expect(Array.from(weightGroups(structure))).toEqual([0, 0, 1, 2, -1, -1]);
  });

  it("is isotropic in standardised units: each link's scale is the variance of what it connects", () => {
    const scales = priorScales(structure, { inputVariance: [0.25, 4], outputVariance: 0.5 });
    expect(Array.from(scales)).toEqual([0.5 * 0.25, 0.5 * 4, 1, 0.25, 0, 0]);
  });

  it("gives the same penalty to a function whatever the normalisation of its input", () => {
    // Input scaled down by 10 needs a weight 10 times larger for the same pre-activation.
    const x = new Matrix(Float64Array.from([1, -1, 2, 0, -2, 0.5]), 6, 1);
    const xSmall = new Matrix(
      x.data.map((v) => v / 10),
      6,
      1,
    );
    const y = new Matrix(Float64Array.from([0.1, 0.2, -0.1, 0, 0.3, -0.2]), 6, 1);
    const net = { inputs: 1, hidden: 1, outputs: 1, links: [[0, 1] as const, [1, 2] as const] };
    const w = 0.7;
    const penalty = (data: Matrix, weight: number) =>
      penaltyDiagonal(weightPrior(net, priorMetric(matrixRows(data, y))), [1, 1, 1])[0] * weight * weight;
    expect(penalty(xSmall, 10 * w)).toBeCloseTo(penalty(x, w), 12);
  });
});
