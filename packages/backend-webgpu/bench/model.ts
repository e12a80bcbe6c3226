/**
 * The benchmark's model: 8 inputs → 16 tanh neurons → 1 output, every input
 * linked to every hidden neuron plus two direct input → output links (a
 * shape the builder makes), 163 weights, with non-trivial normalisation.
 * Everything is deterministic so both backends see the same numbers.
 */
import { seededRandom } from "@neureco/core/testing";
import { Matrix, type ModelDescription, type NetworkStructure, weightCount } from "@neureco/tabular";

export const INPUTS = 8;
export const HIDDEN = 16;

export function benchStructure(): NetworkStructure {
  const links: [number, number][] = [];
  const output = INPUTS + HIDDEN;
  for (let h = 0; h < HIDDEN; h++) for (let i = 0; i < INPUTS; i++) links.push([i, INPUTS + h]);
  for (let h = 0; h < HIDDEN; h++) links.push([INPUTS + h, output]);
  links.push([0, output], [3, output]);
  return { inputs: INPUTS, hidden: HIDDEN, outputs: 1, links };
}

export function benchModel(seed = 1): ModelDescription {
  const structure = benchStructure();
  const r = seededRandom(seed);
  const p = weightCount(structure);
  const range = (n: number, lo: number, hi: number) =>
    Float64Array.from({ length: n }, () => lo + (hi - lo) * r());
  return {
    structure,
    weights: range(p, -0.8, 0.8),
    inputNormalization: { shift: range(INPUTS, -5, 5), scale: range(INPUTS, 0.5, 4) },
    outputNormalization: { shift: range(1, -2, 2), scale: range(1, 0.5, 3) },
    inputNames: Array.from({ length: INPUTS }, (_, j) => `x${j}`),
    outputNames: ["y"],
  };
}

/** n rows of inputs in the model's raw range (shift ± 2·scale). */
export function benchInputs(model: ModelDescription, n: number, seed: number): Matrix {
  const r = seededRandom(seed);
  const { shift, scale } = model.inputNormalization;
  const m = shift.length;
  const data = new Float64Array(n * m);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) data[i * m + j] = shift[j] + scale[j] * (4 * r() - 2);
  return new Matrix(data, n, m);
}

/** A matrix of values uniform in [-1, 1). */
export function benchUniform(rows: number, cols: number, seed: number): Matrix {
  const r = seededRandom(seed);
  return new Matrix(
    Float64Array.from({ length: rows * cols }, () => 2 * r() - 1),
    rows,
    cols,
  );
}
