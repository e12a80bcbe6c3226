/**
 * Sensitivity analysis of a model: how much each input moves each output,
 * from the model's exact input derivatives (reverse mode, core's AD) and
 * from a variance-based index estimated on the model itself.
 */
import { builderRandom } from "../builder/random.js";
import { Matrix } from "../matrix.js";
import type { Gradient, GradientArgs } from "./bound-model.js";

export interface SensitivityOptions {
  /**
   * Rows N of each of the two sample matrices of the first-order indices
   * (default 4096, at least 16): the model is evaluated on N·(m + 2) rows,
   * and the confidence half-width shrinks as 1/√N.
   */
  readonly samples?: number;
  /** Seed of the sample draw (default 0): the same seed, the same indices. */
  readonly seed?: number;
}

/** How one input moves each output (arrays: one entry per output, in the model's output order). */
export interface InputSensitivity {
  /** The input's name. */
  readonly input: string;
  /** Mean over the rows of |∂y/∂x|, in raw units (output units per input unit). */
  readonly meanAbsoluteDerivative: readonly number[];
  /**
   * The same in standardised units: times the input's standard deviation
   * over the rows, divided by that of the model's predictions (how many
   * prediction SDs one input SD moves the output); 0 where either is constant.
   */
  readonly meanAbsoluteDerivativeStandardised: readonly number[];
  /** Standard deviation over the rows of ∂y/∂x (raw units): how much the slope changes across the data. */
  readonly derivativeSpread: readonly number[];
  /**
   * First-order Sobol' index S: the share of the output's variance that
   * this input explains alone, with the inputs taken as independent, each
   * distributed as its column of the rows given (Saltelli's 2010 estimator
   * on the model, outputs centred, `samples` rows per matrix).
   */
  readonly firstOrderIndex: readonly number[];
  /** Half-width of the 95 % confidence interval of `firstOrderIndex` (normal approximation over the samples). */
  readonly firstOrderHalfWidth: readonly number[];
}

export interface Sensitivity {
  /** One entry per input, in the model's input order. */
  readonly inputs: readonly InputSensitivity[];
  readonly outputNames: readonly string[];
  /** Rows the derivatives were averaged over. */
  readonly rows: number;
  /** Rows N of each sample matrix of the first-order indices. */
  readonly samples: number;
  /** Rows the model was evaluated on for the indices: N·(m + 2). */
  readonly evaluations: number;
}

/** What sensitivity needs of a model (a Regressor). */
export interface DifferentiableModel {
  evaluate(x: Matrix): Promise<Matrix>;
  gradient(args: GradientArgs): Promise<Gradient>;
  getWeights(): Matrix;
}

const DEFAULT_SAMPLES = 4096;
const MIN_SAMPLES = 16;
/** z of the central 95 % interval of a normal distribution. */
const Z95 = 1.959963984540054;

function standardDeviation(values: ArrayLike<number>): number {
  const n = values.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i] / n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (values[i] - mean) ** 2 / n;
  return Math.sqrt(v);
}

function column(m: Matrix, j: number): Float64Array {
  const [n, c] = m.shape;
  return Float64Array.from({ length: n }, (_, i) => m.data[i * c + j]);
}

/**
 * The sensitivity of `model` over the rows `x` (n ≥ 2, already matched to
 * the model's inputs), named by `inputNames` and `outputNames`.
 */
export async function modelSensitivity(
  model: DifferentiableModel,
  x: Matrix,
  inputNames: readonly string[],
  outputNames: readonly string[],
  options: SensitivityOptions = {},
): Promise<Sensitivity> {
  const samples = options.samples ?? DEFAULT_SAMPLES;
  if (!Number.isInteger(samples) || samples < MIN_SAMPLES) {
    throw new RangeError(
      `sensitivity: samples must be an integer of at least ${MIN_SAMPLES}, got ${samples}`,
    );
  }
  const [n, m] = x.shape;
  if (n < 2) throw new RangeError(`sensitivity: x has ${n} row${n === 1 ? "" : "s"}, at least 2 are needed`);
  const k = outputNames.length;
  const w = model.getWeights();
  const predictions = await model.evaluate(x);

  // ∂y_o/∂x at every row: one reverse pass per output, cotangent e_o.
  const derivatives: Matrix[] = [];
  for (let o = 0; o < k; o++) {
    const py = Matrix.zeros(n, k);
    for (let i = 0; i < n; i++) py.data[i * k + o] = 1;
    derivatives.push((await model.gradient({ w, x, py })).dx);
  }
  const indices = await firstOrderIndices(model, x, k, samples, options.seed ?? 0);

  const outputSds = Array.from({ length: k }, (_, o) => standardDeviation(column(predictions, o)));
  const inputs = Array.from({ length: m }, (_, j): InputSensitivity => {
    const inputSd = standardDeviation(column(x, j));
    const meanAbs: number[] = [];
    const standardised: number[] = [];
    const spread: number[] = [];
    for (let o = 0; o < k; o++) {
      const slope = column(derivatives[o], j);
      const mean = slope.reduce((s, v) => s + Math.abs(v), 0) / n;
      meanAbs.push(mean);
      standardised.push(inputSd > 0 && outputSds[o] > 0 ? (mean * inputSd) / outputSds[o] : 0);
      spread.push(standardDeviation(slope));
    }
    return {
      input: inputNames[j],
      meanAbsoluteDerivative: meanAbs,
      meanAbsoluteDerivativeStandardised: standardised,
      derivativeSpread: spread,
      firstOrderIndex: indices.index[j],
      firstOrderHalfWidth: indices.halfWidth[j],
    };
  });
  return { inputs, outputNames, rows: n, samples, evaluations: samples * (m + 2) };
}

/**
 * First-order Sobol' indices by Saltelli et al. (2010): A and B hold N
 * independent draws of the inputs (each column resampled from its column
 * of x), A_B^j is A with column j from B, and
 * S_j = mean((f(B) − f̄)·(f(A_B^j) − f(A))) / Var(f), f̄ and Var over
 * f(A) and f(B).
 * The half-width is z₉₅ times the standard error of that mean, over Var.
 */
async function firstOrderIndices(
  model: DifferentiableModel,
  x: Matrix,
  k: number,
  samples: number,
  seed: number,
): Promise<{ index: number[][]; halfWidth: number[][] }> {
  const [n, m] = x.shape;
  const random = builderRandom(seed);
  const draw = () => {
    const out = new Float64Array(samples * m);
    for (let i = 0; i < samples; i++)
      for (let j = 0; j < m; j++) out[i * m + j] = x.data[Math.floor(random() * n) * m + j];
    return out;
  };
  const a = draw();
  const b = draw();
  // One evaluation of [A; B; A_B^0; …; A_B^(m−1)].
  const stacked = new Float64Array(samples * m * (m + 2));
  stacked.set(a, 0);
  stacked.set(b, samples * m);
  for (let j = 0; j < m; j++) {
    const block = stacked.subarray((j + 2) * samples * m, (j + 3) * samples * m);
    block.set(a);
    for (let i = 0; i < samples; i++) block[i * m + j] = b[i * m + j];
  }
  const f = await model.evaluate(new Matrix(stacked, samples * (m + 2), m));
  const at = (blockIndex: number, i: number, o: number) => f.data[(blockIndex * samples + i) * k + o];
  const index: number[][] = Array.from({ length: m }, () => []);
  const halfWidth: number[][] = Array.from({ length: m }, () => []);
  for (let o = 0; o < k; o++) {
    const both = Float64Array.from({ length: 2 * samples }, (_, i) =>
      at(i < samples ? 0 : 1, i % samples, o),
    );
    const variance = standardDeviation(both) ** 2;
    // f(B) centred: E[f(A_B^j) − f(A)] = 0, so any constant leaves the
    // estimate unbiased, and the mean keeps an output's offset (a price
    // around 10^5) out of the variance of the terms.
    const centre = both.reduce((a, v) => a + v, 0) / both.length;
    for (let j = 0; j < m; j++) {
      const terms = Float64Array.from(
        { length: samples },
        (_, i) => (at(1, i, o) - centre) * (at(j + 2, i, o) - at(0, i, o)),
      );
      const mean = terms.reduce((s, v) => s + v, 0) / samples;
      const standardError = standardDeviation(terms) / Math.sqrt(samples);
      index[j].push(variance > 0 ? mean / variance : 0);
      halfWidth[j].push(variance > 0 ? (Z95 * standardError) / variance : 0);
    }
  }
  return { index, halfWidth };
}
