import { describe, expect, it } from "vitest";
import { buildModel } from "../src/builder/index.js";
import { linearNetwork, type WeightedNetwork } from "../src/builder/network-edit.js";
import {
  GROWTH_CANDIDATES,
  GROWTH_FRESH_CANDIDATES,
  GROWTH_PATIENCE,
  grow,
} from "../src/builder/phases/grow.js";
import { RESTARTS, restart } from "../src/builder/phases/restart.js";
import { builderRandom, normalDraw } from "../src/builder/random.js";
import { inputRows } from "../src/builder/rows.js";
import { SCREEN_ROWS, screeningRows } from "../src/builder/screening.js";
import { Matrix } from "../src/matrix.js";
import { oneNeuron, phaseContext, standInTrainer, trainedAs, withChosen } from "./phase-helpers.js";

const beta = [0.1, 0.1, 0.1];

function uniformRows(n: number, m: number, seed: number): Matrix {
  const random = builderRandom(seed);
  return new Matrix(
    Float64Array.from({ length: n * m }, () => 2 * random() - 1),
    n,
    m,
  );
}

describe("screening rows", () => {
  it("screens nothing below 2 · SCREEN_ROWS rows", () => {
    expect(screeningRows(inputRows(uniformRows(2 * SCREEN_ROWS - 1, 2, 1)))).toBeNull();
  });

  it("takes about SCREEN_ROWS distinct rows, ascending, spread over the data", () => {
    const n = 3 * SCREEN_ROWS + 17;
    const x = uniformRows(n, 2, 2);
    const rows = screeningRows(inputRows(x)) as number[];
    expect(Math.abs(rows.length - SCREEN_ROWS)).toBeLessThanOrEqual(SCREEN_ROWS / 100);
    for (let i = 1; i < rows.length; i++) expect(rows[i]).toBeGreaterThan(rows[i - 1]);
    expect(rows[0]).toBeGreaterThanOrEqual(0);
    expect(rows.at(-1)).toBeLessThan(n);
    // Representative: each quadrant of the input square holds about a quarter of the subset.
    const quadrants = [0, 0, 0, 0];
    for (const r of rows) quadrants[(x.data[2 * r] > 0 ? 1 : 0) + (x.data[2 * r + 1] > 0 ? 2 : 0)]++;
    for (const q of quadrants) expect(Math.abs(q / rows.length - 0.25)).toBeLessThan(0.02);
  });
});

describe("screened phases", () => {
  it("growth trains every candidate on the subset and only the pick on every row", async () => {
    // Validation error: lower per hidden neuron up to 2, and among a step's candidates lower for a larger first weight.
    const judge = (n: WeightedNetwork) => ({
      score: 1 - 0.1 * Math.min(n.structure.hidden, 2) - 1e-3 * Math.tanh(n.weights[0]),
      evidence: 0,
    });
    const trainer = standInTrainer(judge);
    const screen = standInTrainer(judge);
    const { ctx, record } = phaseContext(trainer, { inputs: 2, outputs: 1 }, { screen });
    const start = trainedAs(linearNetwork(2, 1), beta, { score: 1, evidence: 0 });
    await record.accept(start, "linear");
    const last = await grow(ctx, start);
    expect(last.network.structure.hidden).toBe(2);
    const steps = 2 + GROWTH_PATIENCE;
    const perStep = GROWTH_CANDIDATES + GROWTH_FRESH_CANDIDATES;
    expect(screen.fitted).toHaveLength(steps * perStep);
    expect(trainer.fitted).toHaveLength(steps);
    // Each step's network trained on every row is that step's best candidate on the subset.
    for (let s = 0; s < steps; s++) {
      const step = screen.fitted.slice(s * perStep, (s + 1) * perStep);
      const best = step.reduce((a, b) => (judge(b).score < judge(a).score ? b : a));
      expect(trainer.fitted[s]).toBe(best);
    }
  });

  it("restarts train on the subset; the best there is trained on every row and kept only if its evidence there is higher", async () => {
    for (const chosenEvidence of [-1e9, 1e9]) {
      const evidence = (n: WeightedNetwork) => ({ score: 1, evidence: n.weights[0] });
      const { ctx, model, trainer } = await withChosen(
        oneNeuron(),
        { score: 1, evidence: chosenEvidence },
        evidence,
      );
      const screen = standInTrainer(evidence);
      const result = await restart({ ...ctx, screen }, model);
      expect(screen.fitted).toHaveLength(RESTARTS);
      const best = screen.fitted.reduce((a, b) => (b.weights[0] > a.weights[0] ? b : a));
      expect(trainer.fitted).toEqual([best]);
      if (chosenEvidence < 0) expect(result.logEvidence).toBe(best.weights[0]);
      else expect(result).toBe(model);
    }
  });
});

describe("a build on more than 2 · SCREEN_ROWS rows", () => {
  it("reproduces with its seed and grows a model that beats the linear one", async () => {
    // 90 % of the rows train: at least 2 · SCREEN_ROWS of them, so the search is screened.
    const n = Math.ceil((2 * SCREEN_ROWS) / 0.9) + 500;
    const x = uniformRows(n, 3, 3);
    const random = builderRandom(4);
    const y = new Matrix(new Float64Array(n), n, 1);
    for (let i = 0; i < n; i++) {
      const [a, b, c] = x.data.subarray(3 * i, 3 * i + 3);
      y.data[i] = Math.sin(2 * a) + b * c + 0.05 * normalDraw(random);
    }
    const settings = { seed: 1, validPercentage: 10 };
    const first = await buildModel({ x, y }, settings);
    const second = await buildModel({ x, y }, settings);
    expect(Array.from(second.model.weights)).toEqual(Array.from(first.model.weights));
    const phases = first.history.models.map((m) => m.phase);
    expect(phases).toContain("growth");
    const linear = first.history.models[0];
    expect(first.history.final?.trainingError).toBeLessThan(0.25 * linear.trainingError);
  }, 120_000);
});
