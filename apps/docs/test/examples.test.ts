/**
 * The documentation's examples, run in Node exactly as the pages run them
 * (same modules, same bundled data), on the CPU backend.
 */
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { cpu } from "@neureco/backend-cpu";
import { describe, expect, it } from "vitest";
import { run as classifyPenguins } from "../examples/classify-penguins.js";
import { run as compressBiomass } from "../examples/compress-biomass.js";
import { run as computeGradients } from "../examples/compute-gradients.js";
import { run as gettingStarted } from "../examples/getting-started.js";
import { maximizeWithinBounds, run as optimizeInputs } from "../examples/optimize-inputs.js";
import { biomass, type ExampleResult, parityOf } from "../examples/shared.js";

function rmse(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s / a.length);
}

function std(a: readonly number[]): number {
  const mean = a.reduce((s, v) => s + v, 0) / a.length;
  return Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length);
}

const testRows = biomass.yTest.trim().split("\n").length - 1;
const inputs = biomass.xTrain.split("\n")[0].split(";");

/** What every example must deliver: a build that learnt something, plots and derivatives. */
function checkResult(result: ExampleResult): void {
  expect(result.backend).toBe("cpu");
  expect(result.inputNames).toEqual(inputs);
  expect(result.errorCurve.length).toBeGreaterThan(1);
  const accepted = result.errorCurve.filter((p) => p.modelNumber >= 0);
  expect(accepted.map((p) => p.modelNumber)).toEqual(accepted.map((_, i) => i));
  for (const p of result.errorCurve) expect(p.trainingError).toBeGreaterThan(0);
  // The chosen model is one of the accepted ones, and compact.
  expect(result.errorCurve.map((p) => p.weights)).toContain(result.weights);
  expect(result.weights).toBeLessThan(100);
  // Parity data: every test row, and predictions clearly better than the mean.
  expect(parityOf(result).measured).toHaveLength(testRows);
  expect(parityOf(result).predicted).toHaveLength(testRows);
  expect(rmse(parityOf(result).measured, parityOf(result).predicted)).toBeLessThan(
    0.5 * std(parityOf(result).measured),
  );
  for (const row of result.derivatives.dx) {
    expect(row).toHaveLength(inputs.length);
    for (const v of row) expect(Number.isFinite(v)).toBe(true);
  }
  expect(result.derivatives.dw).toHaveLength(result.weights);
}

describe("docs examples in Node", () => {
  it("compute-gradients runs the whole tutorial and its derivatives agree", async () => {
    const lines: string[] = [];
    const progress: number[] = [];
    const result = await computeGradients({
      backend: cpu(),
      log: (l) => lines.push(l),
      onProgress: (p) => progress.push(p.modelNumber),
    });
    checkResult(result);
    expect(progress).toEqual(result.errorCurve.map((p) => p.modelNumber));
    expect(lines.some((l) => l === `weights: (${result.weights}, 1)`)).toBe(true);
    expect(lines).toContain("reloaded model has the new weights: true");
    const uncertainty = result.uncertainty;
    if (!uncertainty) throw new Error("the tutorial computes error bars");
    expect(uncertainty.sd).toHaveLength(testRows);
    expect(uncertainty.sd.every((v) => v > 0 && Number.isFinite(v))).toBe(true);
    // Calibrated bars hold about 95 % of the test values; far too narrow or too wide ones fail.
    expect(uncertainty.coverage95).toBeGreaterThan(0.8);
    expect(uncertainty.coverage95).toBeLessThan(1);
    // Sensitivities over the test rows: one per input, indices that are shares of the variance.
    const sensitivity = result.sensitivity;
    if (!sensitivity) throw new Error("the tutorial computes sensitivities");
    expect(sensitivity.inputs.map((s) => s.input)).toEqual(inputs);
    expect(sensitivity.rows).toBe(testRows);
    let indexSum = 0;
    let halfWidths = 0;
    for (const s of sensitivity.inputs) {
      expect(s.meanAbsoluteDerivative[0]).toBeGreaterThanOrEqual(0);
      expect(s.firstOrderIndex[0]).toBeGreaterThan(-s.firstOrderHalfWidth[0] - 0.05);
      indexSum += s.firstOrderIndex[0];
      halfWidths += s.firstOrderHalfWidth[0];
      expect(lines.some((l) => l.startsWith(`  ${s.input}: mean |dy/dx| `))).toBe(true);
    }
    // First-order indices of independent inputs sum to at most 1 (the rest is interactions).
    expect(indexSum).toBeLessThan(1 + halfWidths);
    expect(result.derivatives.dy).toHaveLength(5);
    expect(result.derivatives.dx).toHaveLength(5);
    // Forward and reverse mode describe the same Jacobians.
    const dot = result.derivatives.dotProduct;
    expect(dot).toBeDefined();
    if (dot)
      expect(Math.abs(dot.forward - dot.reverse)).toBeLessThan(1e-9 * Math.max(1, Math.abs(dot.forward)));
    // Higher carbon content means a higher heating value.
    for (const row of result.derivatives.dx) expect(row[0]).toBeGreaterThan(0);
  });

  it("getting-started builds, predicts and differentiates", async () => {
    const result = await gettingStarted({ backend: cpu(), log: () => {} });
    checkResult(result);
    expect(result.derivatives.dx).toHaveLength(1);
  });

  it("optimize-inputs finds a maximum within the bounds and fine-tunes the weights on new rows", async () => {
    const lines: string[] = [];
    const result = await optimizeInputs({ backend: cpu(), log: (l) => lines.push(l) });
    checkResult(result);
    const optimum = result.optimum;
    if (!optimum) throw new Error("the example optimises");
    optimum.x.forEach((v, j) => {
      expect(v).toBeGreaterThanOrEqual(optimum.lower[j]);
      expect(v).toBeLessThanOrEqual(optimum.upper[j]);
    });
    // Above every measured HHV of the training rows' range would be implausible; above the mean is the least.
    expect(optimum.y).toBeGreaterThan(Math.max(...parityOf(result).measured) - 5);
    expect(optimum.sd).toBeGreaterThan(0);
    // At a maximum in a box, the gradient of a free input vanishes and one at a bound points outwards.
    const dx = result.derivatives.dx[0];
    optimum.x.forEach((v, j) => {
      if (v === optimum.upper[j]) expect(dx[j]).toBeGreaterThanOrEqual(0);
      else if (v === optimum.lower[j]) expect(dx[j]).toBeLessThanOrEqual(0);
      else expect(Math.abs(dx[j])).toBeLessThan(1e-6);
    });
    // Fine-tuning lowers the error on the rows it saw.
    expect(optimum.fineTune.after.fitted).toBeLessThan(optimum.fineTune.before.fitted);
    expect(lines.some((l) => l.startsWith("saved the fine-tuned model"))).toBe(true);
  }, 120_000);

  it("maximizeWithinBounds converges to the known maximum of a synthetic model", async () => {
    // y = [tanh(x0 + 1) − tanh(x0 − 1)] + [tanh(x1 + 0.5) − tanh(x1 − 1.5)] + 0.1·x2:
    // each bracket peaks midway between its two centres (x0 = 0, x1 = 0.5) and x2 goes to its upper bound.
    const { Tabular } = await import("@neureco/tabular");
    const identity = { shift: Float64Array.from([0, 0, 0]), scale: Float64Array.from([1, 1, 1]) };
    // Neurons: inputs 0-2, hidden 3-6, output 7.
    const model = Tabular.Regressor.fromDescription({
      structure: {
        inputs: 3,
        hidden: 4,
        outputs: 1,
        links: [
          [0, 3],
          [0, 4],
          [1, 5],
          [1, 6],
          [3, 7],
          [4, 7],
          [5, 7],
          [6, 7],
          [2, 7],
        ],
      },
      // Link weights in order, then hidden biases, then the output bias.
      weights: Float64Array.from([1, 1, 1, 1, 1, -1, 1, -1, 0.1, 1, -1, 0.5, -1.5, 0]),
      inputNormalization: identity,
      outputNormalization: { shift: Float64Array.from([0]), scale: Float64Array.from([1]) },
      inputNames: [],
      outputNames: [],
    });
    const best = await maximizeWithinBounds(model, [-2, -2, -2], [2, 2, 2], [1.5, -1.5, 0]);
    expect(best.x[0]).toBeCloseTo(0, 5);
    expect(best.x[1]).toBeCloseTo(0.5, 5);
    expect(best.x[2]).toBe(2);
    expect(best.y).toBeCloseTo(4 * Math.tanh(1) + 0.2, 6);
    expect(best.projectedGradient).toBeLessThan(1e-6);
  });

  it("classify-penguins builds a classifier, scores it and differentiates a class probability", async () => {
    const lines: string[] = [];
    const result = await classifyPenguins({ backend: cpu(), log: (l) => lines.push(l) });
    const c = result.classification;
    if (!c) throw new Error("the example classifies");
    expect(c.classes).toEqual(["Adelie", "Chinstrap", "Gentoo"]);
    // The species are nearly separable from these measurements (a logistic regression gets every test row).
    expect(c.accuracy).toBeGreaterThan(0.95);
    expect(c.logLoss).toBeLessThan(0.2);
    const tested = c.confusion.flat().reduce((a, b) => a + b, 0);
    expect(c.confusion.reduce((s, row, i) => s + row[i], 0) / tested).toBe(c.accuracy);
    expect(result.errorCurve.length).toBeGreaterThan(0);
    expect(result.derivatives.dw).toHaveLength(result.weights);
    expect(result.derivatives.dx).toHaveLength(3);
    const dot = result.derivatives.dotProduct;
    if (!dot) throw new Error("the example checks the dot-product identity");
    expect(Math.abs(dot.forward - dot.reverse)).toBeLessThan(1e-9 * Math.max(1, Math.abs(dot.forward)));
    expect(lines.some((l) => l.startsWith("built a classifier of Adelie, Chinstrap, Gentoo"))).toBe(true);
  });

  it("compress-biomass builds a compressor, rebuilds rows from codes and differentiates a code", async () => {
    const lines: string[] = [];
    const points: number[] = [];
    const result = await compressBiomass({
      backend: cpu(),
      log: (l) => lines.push(l),
      onProgress: (p) => points.push(p.modelNumber),
    });
    const c = result.compression;
    if (!c) throw new Error("the example compresses");
    expect(points).toEqual(result.errorCurve.map((p) => p.modelNumber));
    expect(c.columns).toEqual(["carbon", "hydrogen", "oxygen", "nitrogen", "sulfur"]);
    expect(c.codeSize).toBeGreaterThanOrEqual(1);
    expect(c.codeSize).toBeLessThan(5);
    // The chosen network is the best the build found at its code size, principal components included.
    expect(c.validationError).toBeLessThanOrEqual(c.pcaValidationError);
    // Rebuilt far better than by the training mean (1 standard deviation).
    expect(c.normalizedRmse).toBeLessThan(0.5);
    expect(result.derivatives.dw).toHaveLength(result.weights);
    expect(result.derivatives.dx).toHaveLength(3);
    const dot = result.derivatives.dotProduct;
    if (!dot) throw new Error("the example checks the dot-product identity");
    expect(Math.abs(dot.forward - dot.reverse)).toBeLessThan(1e-9 * Math.max(1, Math.abs(dot.forward)));
    expect(lines.some((l) => l.startsWith(`5 columns → ${c.codeSize} codes`))).toBe(true);
  });

  it("the same seed gives the same result", async () => {
    const a = await gettingStarted({ backend: cpu(), log: () => {}, seed: 7 });
    const b = await gettingStarted({ backend: cpu(), log: () => {}, seed: 7 });
    expect(b).toEqual(a);
  });

  it("type-check (the package's typecheck script, tsc --noEmit)", () => {
    const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
    const project = fileURLToPath(new URL("..", import.meta.url));
    let output = "";
    try {
      execFileSync(process.execPath, [tsc, "--noEmit", "-p", project], { encoding: "utf8", stdio: "pipe" });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    expect(output).toBe("");
  });
});
