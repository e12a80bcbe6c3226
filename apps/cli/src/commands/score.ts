/**
 * `neureco score`: RMSE, MAE and R² of a regressor's predictions, per
 * output; a classifier's accuracy, balanced accuracy, log-loss, expected
 * calibration error and confusion matrix on labelled rows.
 */
import { CALIBRATION_BINS, type ClassificationScores } from "@neureco/tabular";
import type { BackendName } from "../backend.js";
import { type MissingPolicy, readRowPairs } from "../data.js";
import { type CliIo, ExitCode, libraryError, writeLine } from "../io.js";
import { expectKnownLabels, readLabeledRows } from "../labels.js";
import { type Scores, score } from "../metrics.js";
import {
  closeModel,
  type LoadedClassifier,
  type LoadedRegressor,
  loadModel,
  matchModelInputs,
  matchModelOutputs,
} from "../model.js";
import { formatTable, jsonNumber, terminalJson, terminalSafe } from "../text.js";

export interface ScoreOptions {
  readonly model: string;
  readonly x: string;
  readonly y: string;
  readonly json?: boolean;
  readonly missing?: MissingPolicy;
  readonly backend: BackendName;
}

export async function runScore(options: ScoreOptions, io: CliIo): Promise<number> {
  const model = await loadModel(options.model, options.backend);
  try {
    if (model.kind === "classifier") {
      const scores = await scoreClassifier(model, options, io);
      if (options.json) writeLine(io.stdout, terminalJson(classificationJson(scores)));
      else io.stdout.write(classificationText(scores));
      return ExitCode.ok;
    }
    const scores = await scoreRegressor(model, options, io);
    if (options.json) writeLine(io.stdout, terminalJson(scoresJson(scores)));
    else io.stdout.write(scoresText(scores, model.outputNames));
    return ExitCode.ok;
  } finally {
    closeModel(model);
  }
}

async function scoreRegressor(model: LoadedRegressor, options: ScoreOptions, io: CliIo): Promise<Scores> {
  const [xFile, yFile] = await readRowPairs(options.x, options.y, options.missing ?? "error", io.stderr);
  const x = matchModelInputs(model, xFile, io.stderr);
  const y = matchModelOutputs(model, yFile, "the outputs", io.stderr);
  return score(await model.regressor.evaluate(x.matrix), y.matrix);
}

/**
 * The classifier's scores on the rows of --x with the labels of --y (read
 * as text); a label the model has no class for is refused, naming the file,
 * row and label. Shared with `plot`.
 */
export async function scoreClassifier(
  model: LoadedClassifier,
  options: Pick<ScoreOptions, "x" | "y" | "missing">,
  io: CliIo,
): Promise<ClassificationScores> {
  const [xFile, y] = await readLabeledRows(options.x, options.y, options.missing ?? "error", io.stderr);
  const x = matchModelInputs(model, xFile, io.stderr);
  expectKnownLabels(y, model.classes, model.path);
  try {
    return await model.classifier.score(x.matrix, y.labels);
  } catch (error) {
    throw libraryError(error);
  }
}

/** `{"rows", "rmse", "mae", "r2"}`; an undefined R² (constant measured column) is null. */
export function scoresJson(scores: Scores): {
  rows: number;
  rmse: (number | null)[];
  mae: (number | null)[];
  r2: (number | null)[];
} {
  return {
    rows: scores.rows,
    rmse: scores.rmse.map(jsonNumber),
    mae: scores.mae.map(jsonNumber),
    r2: scores.r2.map(jsonNumber),
  };
}

/** A classifier's scores as JSON: every field of the library's, empty reliability bins' means as null. */
export function classificationJson(s: ClassificationScores) {
  return {
    rows: s.rows,
    classes: s.classes,
    accuracy: jsonNumber(s.accuracy),
    balancedAccuracy: jsonNumber(s.balancedAccuracy),
    logLoss: jsonNumber(s.logLoss),
    calibrationError: jsonNumber(s.calibrationError),
    confusion: s.confusion,
    reliability: s.reliability.map((b) => ({
      rows: b.rows,
      confidence: jsonNumber(b.confidence),
      accuracy: jsonNumber(b.accuracy),
    })),
  };
}

function scoresText(scores: Scores, outputNames: readonly string[]): string {
  const rows = outputNames.map((name, j) => [
    terminalSafe(name),
    fixed(scores.rmse[j]),
    fixed(scores.mae[j]),
    fixed(scores.r2[j]),
  ]);
  return `${scores.rows} rows\n${formatTable(["output", "RMSE", "MAE", "R²"], rows)}`;
}

function classificationText(s: ClassificationScores): string {
  const classes = s.classes.map((c) => terminalSafe(c));
  const measures = formatTable(
    ["measure", "value"],
    [
      ["accuracy", fixed(s.accuracy)],
      ["balanced accuracy", fixed(s.balancedAccuracy)],
      ["log-loss", fixed(s.logLoss)],
      [`expected calibration error (${CALIBRATION_BINS} bins)`, fixed(s.calibrationError)],
    ],
  );
  const confusion = formatTable(
    ["true \\ predicted", ...classes],
    s.confusion.map((row, i) => [classes[i], ...row.map(String)]),
  );
  return `${s.rows} rows\n${measures}\nconfusion matrix (rows: true class, columns: predicted class)\n${confusion}`;
}

function fixed(v: number): string {
  return Number.isFinite(v) ? v.toPrecision(6) : "n/a";
}
