/**
 * Optimising through a model: the inputs that maximise its prediction
 * within bounds (a projected quasi-Newton loop fed by `gradient`'s dx),
 * with the error bar at the optimum; then the weights fine-tuned on new
 * rows (Gauss–Newton steps from `forwardDerivative` and `gradient`), set
 * and saved.
 *
 * The loop is written here, not taken from a library: no package on npm
 * today offers a maintained bound-constrained quasi-Newton method (L-BFGS-B
 * and its kin exist as bindings in other languages; `fmin` is
 * unconstrained and unmaintained since 2017), and the loop is short.
 */
import { cpu } from "@neureco/backend-cpu";
import {
  type BuildProgress,
  type DeviceMatrix,
  Matrix,
  parseCsv,
  type Regressor,
  Tabular,
} from "@neureco/tabular";
import { biomass, type ErrorPoint, type ExampleResult, errorPoint, fmt, type RunOptions } from "./shared.js";

export interface Maximum {
  /** The inputs found, within the bounds. */
  readonly x: number[];
  /** The prediction there. */
  readonly y: number;
  readonly iterations: number;
  /** Largest component of the projected gradient at x: 0 at a maximum within the bounds. */
  readonly projectedGradient: number;
}

/** The prediction of output `output` at one row, and its gradient with respect to the inputs. */
async function valueAndInputGradient(
  model: Regressor,
  x: readonly number[],
  output: number,
): Promise<{ y: number; dx: number[] }> {
  const { outputs } = model.info();
  const py = [Array.from({ length: outputs }, (_, j) => (j === output ? 1 : 0))];
  const [y, { dx }] = await Promise.all([
    model.evaluate([[...x]]),
    model.gradient({ w: model.getWeights(), x: [[...x]], py }),
  ]);
  return { y: y.get(0, output), dx: Array.from(dx.row(0)) };
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
const dot = (a: readonly number[], b: readonly number[]) => a.reduce((s, v, i) => s + v * b[i], 0);

/**
 * Maximises one output of `model` over the box [lower, upper] from `start`:
 * L-BFGS (memory 6) on the inputs that are free (not held at a bound by the
 * gradient), its step projected onto the box and shortened until it gains
 * (Armijo). Stops when the projected gradient is below `tolerance` (in
 * output units per input unit) or after `maxIterations`.
 */
export async function maximizeWithinBounds(
  model: Regressor,
  lower: readonly number[],
  upper: readonly number[],
  start: readonly number[],
  options: { output?: number; maxIterations?: number; tolerance?: number } = {},
): Promise<Maximum> {
  const { output = 0, maxIterations = 100, tolerance = 1e-8 } = options;
  const project = (v: readonly number[]) => v.map((vi, j) => clamp(vi, lower[j], upper[j]));
  // Minimise f = −y.
  let x = project(start);
  let { y, dx } = await valueAndInputGradient(model, x, output);
  let g = dx.map((v) => -v);
  const memory: { s: number[]; t: number[] }[] = [];
  const projectedGradient = (at: readonly number[], grad: readonly number[]) =>
    Math.max(...at.map((v, j) => Math.abs(clamp(v - grad[j], lower[j], upper[j]) - v)));
  let iterations = 0;
  for (; iterations < maxIterations && projectedGradient(x, g) > tolerance; iterations++) {
    // Inputs at a bound that the gradient pushes further out stay there.
    const free = x.map((v, j) => !((v <= lower[j] && g[j] > 0) || (v >= upper[j] && g[j] < 0)));
    const mask = (v: readonly number[]) => v.map((vi, j) => (free[j] ? vi : 0));
    // Two-loop recursion: d = −H·g on the free inputs, from the remembered steps restricted to them.
    const pairs = memory.map(({ s, t }) => ({ s: mask(s), t: mask(t) }));
    let q = mask(g);
    const alphas: number[] = [];
    for (let k = pairs.length - 1; k >= 0; k--) {
      const { s, t } = pairs[k];
      const alpha = dot(s, q) / dot(s, t);
      alphas[k] = alpha;
      q = q.map((v, j) => v - alpha * t[j]);
    }
    const last = pairs.at(-1);
    const gamma = last ? dot(last.s, last.t) / dot(last.t, last.t) : 1;
    let d = q.map((v) => gamma * v);
    for (let k = 0; k < pairs.length; k++) {
      const { s, t } = pairs[k];
      const beta = dot(t, d) / dot(s, t);
      d = d.map((v, j) => v + (alphas[k] - beta) * s[j]);
    }
    d = d.map((v) => -v);
    if (!(dot(d, g) < 0)) d = mask(g).map((v) => -v); // not a descent direction: steepest descent
    // Projected backtracking: shorten until f falls enough along the projected path.
    let step = 1;
    let next = x;
    let trial = { y, dx };
    for (let tries = 0; tries < 40; tries++, step /= 2) {
      next = project(x.map((v, j) => v + step * d[j]));
      trial = await valueAndInputGradient(model, next, output);
      const moved = next.map((v, j) => v - x[j]);
      if (-trial.y <= -y + 1e-4 * dot(g, moved)) break;
    }
    const gNext = trial.dx.map((v) => -v);
    const s = next.map((v, j) => v - x[j]);
    const t = gNext.map((v, j) => v - g[j]);
    if (dot(s, t) > 1e-12 * Math.sqrt(dot(s, s) * dot(t, t))) {
      memory.push({ s, t });
      if (memory.length > 6) memory.shift();
    }
    if (s.every((v) => v === 0)) break; // no step gains any more
    x = next;
    y = trial.y;
    g = gNext;
  }
  return { x, y, iterations, projectedGradient: projectedGradient(x, g) };
}

/**
 * Levenberg–Marquardt steps on the weights for new rows (x, y), held near
 * the built weights w₀: minimises ½‖r‖² + ½ρ‖w − w₀‖², ρ the mean diagonal
 * of JᵀJ (a few rows must not undo what many taught). The Jacobian J_w
 * (rows × p) comes column by column from `forwardDerivative` (dw = e_k),
 * Jᵀr from one `gradient` call with py = r; each step solves
 * (JᵀJ + ρI + λ·diag)·δ = −(Jᵀr + ρ(w − w₀)), λ raised until the objective
 * falls. The rows go to the model's backend once (`model.upload`: on a GPU
 * they stay in its memory) and every call reuses them. Leaves the model
 * with the new weights and returns them.
 */
export async function fineTune(model: Regressor, newX: Matrix, y: Matrix, steps: number): Promise<Matrix> {
  const x = model.upload(newX);
  try {
    return await gaussNewtonSteps(model, x, y, steps);
  } finally {
    x.delete();
  }
}

async function gaussNewtonSteps(
  model: Regressor,
  x: DeviceMatrix,
  y: Matrix,
  steps: number,
): Promise<Matrix> {
  const p = model.info().weights;
  const w0 = model.getWeights();
  let w = w0;
  let rho = 0;
  /** ½‖r‖² + ½ρ‖w − w₀‖² for the model's predictions at `weights`. */
  const objectiveOf = (predicted: Matrix, weights: Matrix) => {
    const sse = predicted.data.reduce((s, v, i) => s + (v - y.data[i]) ** 2, 0);
    const drift = weights.data.reduce((s, v, k) => s + (v - w0.data[k]) ** 2, 0);
    return 0.5 * sse + 0.5 * rho * drift;
  };
  const objective = async (weights: Matrix) => {
    model.setWeights(weights);
    return objectiveOf(await model.evaluate(x), weights);
  };
  let lambda = 1e-3;
  for (let step = 0; step < steps; step++) {
    model.setWeights(w);
    const predicted = await model.evaluate(x);
    const residual = new Matrix(
      predicted.data.map((v, i) => v - y.data[i]),
      x.rows,
      1,
    );
    const { dw: jtr } = await model.gradient({ w, x, py: residual });
    // J_w column k: the change of every prediction along weight k.
    const columns: number[][] = [];
    for (let k = 0; k < p; k++) {
      const dw = Matrix.zeros(p, 1);
      dw.data[k] = 1;
      columns.push(Array.from((await model.forwardDerivative({ w, dw, x, dx: null })).data));
    }
    const jtj = columns.map((a) => columns.map((b) => dot(a, b)));
    if (step === 0) rho = jtj.reduce((s, row, k) => s + row[k], 0) / p;
    const current = objectiveOf(predicted, w);
    const g = Array.from(jtr.data, (v, k) => v + rho * (w.data[k] - w0.data[k]));
    for (let tries = 0; tries < 20; tries++, lambda *= 10) {
      const delta = solve(
        jtj.map((row, a) => row.map((v, b) => v + (a === b ? rho + lambda * (1 + row[a]) : 0))),
        g.map((v) => -v),
      );
      const trial = new Matrix(
        w.data.map((v, k) => v + delta[k]),
        p,
        1,
      );
      if ((await objective(trial)) < current) {
        w = trial;
        lambda = Math.max(lambda / 10, 1e-9);
        break;
      }
    }
  }
  model.setWeights(w);
  return w;
}

/** Solves A·z = b (Gaussian elimination with partial pivoting). */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[pivot][c])) pivot = r;
    [m[c], m[pivot]] = [m[pivot], m[c]];
    for (let r = c + 1; r < n; r++) {
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  const z = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r][n];
    for (let k = r + 1; k < n; k++) s -= m[r][k] * z[k];
    z[r] = s / m[r][r];
  }
  return z;
}

export async function run(options: RunOptions = {}): Promise<ExampleResult> {
  const { backend, log = console.log, onProgress, data = biomass, seed = 1 } = options;
  const errorCurve: ErrorPoint[] = [];
  const buildBackend = cpu();
  const xTrain = parseCsv(data.xTrain);
  const yTrain = parseCsv(data.yTrain).matrix;
  const model = new Tabular.Regressor({ backend });
  await model.build({
    inputData: xTrain.matrix,
    outputData: yTrain,
    seed,
    backend: buildBackend,
    onProgress: (progress: BuildProgress) => {
      errorCurve.push(errorPoint(progress));
      onProgress?.(errorPoint(progress));
    },
  });
  buildBackend.destroy();
  const inputNames = xTrain.columns;
  const m = inputNames.length;

  // 1. The composition of highest HHV within the range of the training rows, from their mean.
  const column = (j: number) => Array.from({ length: xTrain.matrix.rows }, (_, i) => xTrain.matrix.get(i, j));
  const lower = inputNames.map((_, j) => Math.min(...column(j)));
  const upper = inputNames.map((_, j) => Math.max(...column(j)));
  const mean = inputNames.map((_, j) => column(j).reduce((s, v) => s + v, 0) / xTrain.matrix.rows);
  const best = await maximizeWithinBounds(model, lower, upper, mean);
  const { sd } = await model.evaluate([best.x], { uncertainty: true });
  log(`highest predicted HHV within the training ranges: ${fmt([best.y])} ± ${fmt([sd.get(0, 0)])} MJ/kg`);
  log(`  at ${inputNames.map((name, j) => `${name} ${fmt([best.x[j]], 3)}`).join(", ")}`);
  log(
    `  after ${best.iterations} iterations; largest projected gradient ${fmt([best.projectedGradient], 2)}`,
  );
  // The gradient at the optimum (in inputs and in weights), before the weights move.
  const atOptimum = await model.gradient({ w: model.getWeights(), x: [best.x], py: [[1]] });
  const atBound = best.x.filter((v, j) => v === lower[j] || v === upper[j]).length;
  log(`  ${atBound} of ${m} inputs at a bound of their range (a composition the data may not hold)`);

  // 2. Fine-tune the weights on new rows (here the first half of the test rows), then save.
  const xTest = parseCsv(data.xTest).matrix;
  const yTest = parseCsv(data.yTest).matrix;
  const half = Math.floor(xTest.rows / 2);
  const newX = new Matrix(xTest.data.slice(0, half * m), half, m);
  const newY = new Matrix(yTest.data.slice(0, half), half, 1);
  const heldX = new Matrix(xTest.data.slice(half * m), xTest.rows - half, m);
  const heldY = new Matrix(yTest.data.slice(half), xTest.rows - half, 1);
  const rmse = async (x: Matrix, y: Matrix) => {
    const predicted = await model.evaluate(x);
    return Math.sqrt(predicted.data.reduce((s, v, i) => s + (v - y.data[i]) ** 2, 0) / y.rows);
  };
  const before = { fitted: await rmse(newX, newY), held: await rmse(heldX, heldY) };
  await fineTune(model, newX, newY, 3);
  const after = { fitted: await rmse(newX, newY), held: await rmse(heldX, heldY) };
  log(`fine-tuned on ${half} new rows: their RMSE ${fmt([before.fitted])} → ${fmt([after.fitted])}`);
  log(`  on the other ${heldY.rows} test rows: ${fmt([before.held])} → ${fmt([after.held])}`);
  const saved = model.toBytes(); // Node: await model.save("./EnergyConsumptionModel/EnergyConsumption_FineTuned")
  log(`saved the fine-tuned model (${saved.length} bytes)`);

  const predicted = await model.evaluate(xTest);
  const result: ExampleResult = {
    backend: model.backend.name,
    weights: model.info().weights,
    errorCurve,
    parity: { measured: Array.from(yTest.data), predicted: Array.from(predicted.data) },
    inputNames,
    derivatives: { dy: [], dw: Array.from(atOptimum.dw.data), dx: atOptimum.dx.toArray() },
    optimum: { x: best.x, y: best.y, sd: sd.get(0, 0), lower, upper, fineTune: { before, after } },
  };
  model.delete();
  return result;
}
