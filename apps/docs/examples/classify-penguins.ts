/**
 * A classifier: penguin species from bill, flipper, body mass, island and
 * sex. Build from inputs and labels, predict labels and probabilities,
 * score them (accuracy, log-loss, calibration, confusion), and
 * differentiate a class probability with respect to the inputs.
 *
 * Data: R palmerpenguins::penguins (CC0), a stratified 80/20 split; rows
 * with a missing measurement are left out.
 */
import { cpu } from "@neureco/backend-cpu";
import { type BuildProgress, dropRows, parseCsv, parseLabels, rowsWithNaN, Tabular } from "@neureco/tabular";
import xTestText from "./data/penguins/x_test.csv?raw";
import xTrainText from "./data/penguins/x_train.csv?raw";
import yTestText from "./data/penguins/y_test.csv?raw";
import yTrainText from "./data/penguins/y_train.csv?raw";
import { type ErrorPoint, type ExampleResult, errorPoint, fmt, type RunOptions } from "./shared.js";

/** Inputs and labels of one split, rows with a missing cell left out. */
function rowsOf(xText: string, yText: string) {
  const x = parseCsv(xText, { missing: "nan" });
  const missing = rowsWithNaN(x.matrix);
  const skip = new Set(missing);
  return {
    x: dropRows(x.matrix, missing),
    labels: parseLabels(yText).labels.filter((_, i) => !skip.has(i)),
    inputNames: x.columns,
  };
}

export async function run(options: RunOptions = {}): Promise<ExampleResult> {
  const { backend, log = console.log, onProgress, seed = 1 } = options;
  const errorCurve: ErrorPoint[] = [];
  const buildBackend = cpu();
  const train = rowsOf(xTrainText, yTrainText);
  const test = rowsOf(xTestText, yTestText);

  // Inputs and one label per row: the classes are the labels found, sorted.
  const model = new Tabular.Classifier({ backend });
  await model.build({
    inputData: train.x,
    outputData: train.labels,
    inputNames: train.inputNames,
    labelName: "species",
    seed,
    backend: buildBackend,
    onProgress: (p: BuildProgress) => {
      errorCurve.push(errorPoint(p));
      onProgress?.(errorPoint(p));
    },
  });
  const { classes, weights } = model.info();
  log(`built a classifier of ${classes.join(", ")} with ${weights} weights`);

  // Labels, and the probabilities behind them (one column per class).
  const predicted = await model.predict(test.x);
  const probabilities = await model.predictProba(test.x);
  for (let i = 0; i < 3; i++)
    log(`test row ${i}: ${test.labels[i]}, predicted ${predicted[i]} (p = ${fmt(probabilities.row(i), 3)})`);

  const scores = await model.score(test.x, test.labels);
  log(
    `test accuracy ${scores.accuracy.toFixed(3)}, log-loss ${scores.logLoss.toFixed(3)}, calibration error ${scores.calibrationError.toFixed(3)}`,
  );

  // How p(Gentoo) at the first test rows moves with each input: J_x(x_i)ᵀ·e_Gentoo.
  const rows = [0, 1, 2].map((i) => Array.from(test.x.row(i)));
  const gentoo = classes.indexOf("Gentoo");
  const py = rows.map(() => classes.map((_, c) => (c === gentoo ? 1 : 0)));
  const w = model.getWeights();
  const { dw, dx } = await model.gradient({ w, x: rows, py });
  log(
    `dp(Gentoo)/d(${train.inputNames[2]}) at the first test rows: ${fmt(
      dx.toArray().map((r) => r[2]),
      3,
    )}`,
  );

  // Forward mode agrees with reverse mode: Σ py·(J·v) = Σ (Jᵀ·py)·v.
  const dwDirection = Array.from({ length: weights }, (_, j) => Math.sin(j + 1));
  const dxDirection = rows.map((r) => r.map((_, j) => Math.cos(j + 1)));
  const dy = await model.forwardDerivative({ w, dw: dwDirection, x: rows, dx: dxDirection });
  const forward = dy.data.reduce(
    (s, v, i) => s + v * py[Math.floor(i / classes.length)][i % classes.length],
    0,
  );
  const reverse =
    dw.data.reduce((s, v, j) => s + v * dwDirection[j], 0) +
    dx.data.reduce((s, v, i) => s + v * dxDirection[Math.floor(i / rows[0].length)][i % rows[0].length], 0);
  log(`dot-product check: ${forward.toPrecision(10)} = ${reverse.toPrecision(10)}`);

  const result: ExampleResult = {
    backend: model.backend.name,
    weights,
    errorCurve,
    inputNames: train.inputNames,
    derivatives: {
      dy: Array.from(dy.data),
      dw: Array.from(dw.data),
      dx: dx.toArray(),
      dotProduct: { forward, reverse },
    },
    classification: {
      classes,
      confusion: scores.confusion,
      accuracy: scores.accuracy,
      logLoss: scores.logLoss,
      calibrationError: scores.calibrationError,
    },
  };
  model.delete();
  buildBackend.destroy();
  return result;
}
