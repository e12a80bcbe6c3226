/**
 * `neureco score`: RMSE, MAE and R² of a regressor's predictions, per
 * output; a classifier's accuracy, balanced accuracy, log-loss, expected
 * calibration error and confusion matrix on labelled rows; a compressor's
 * reconstruction RMSE of the rows of x (no y), per column in its units and
 * over all columns in normalised units.
 */
import {
  CALIBRATION_BINS,
  type ClassificationScores,
  type Matrix,
  type ReconstructionScores,
} from "@neureco/tabular";
import type { BackendName } from "../backend.js";
import { type MissingPolicy, plural, readRowPairs, readRows } from "../data.js";
import { type CliIo, ExitCode, libraryError, UsageError, writeLine } from "../io.js";
import { expectKnownLabels, readLabeledRows } from "../labels.js";
import { type Scores, score } from "../metrics.js";
import {
  closeModel,
  type LoadedClassifier,
  type LoadedCompressor,
  type LoadedRegressor,
  loadModel,
  matchModelInputs,
  matchModelOutputs,
  modelWords,
  wrongKind,
} from "../model.js";
import { formatTable, jsonNumber, terminalJson, terminalSafe } from "../text.js";

export interface ScoreOptions {
  readonly model: string;
  readonly x: string;
  /** Required, except for a compressor (which refuses it). */
  readonly y?: string;
  readonly json?: boolean;
  readonly missing?: MissingPolicy;
  readonly backend: BackendName;
}

export async function runScore(options: ScoreOptions, io: CliIo): Promise<number> {
  const model = await loadModel(options.model, options.backend);
  try {
    if (model.kind === "compressor") {
      if (options.y !== undefined) {
        throw wrongKind(
          model,
          "--y does not apply: a compressor is scored on how well it reconstructs the rows of --x",
          "score it without --y",
        );
      }
      const { rows, scores } = await scoreCompressor(model, options, io);
      if (options.json) writeLine(io.stdout, terminalJson(reconstructionJson(rows, scores, model)));
      else io.stdout.write(reconstructionText(rows, scores, model));
      return ExitCode.ok;
    }
    const { y } = options;
    if (y === undefined) {
      throw new UsageError(
        `required option '--y <file>' not specified: ${options.model} holds a ${modelWords(model)}, scored against the measured outputs of --y`,
      );
    }
    if (model.kind === "classifier") {
      const { scores } = await scoreClassifier(model, { ...options, y }, io);
      if (options.json) writeLine(io.stdout, terminalJson(classificationJson(scores)));
      else io.stdout.write(classificationText(scores));
      return ExitCode.ok;
    }
    const scores = await scoreRegressor(model, { ...options, y }, io);
    if (options.json) writeLine(io.stdout, terminalJson(scoresJson(scores)));
    else io.stdout.write(scoresText(scores, model.outputNames));
    return ExitCode.ok;
  } finally {
    closeModel(model);
  }
}

/** The options of a score against measured outputs. */
interface Measured {
  readonly x: string;
  readonly y: string;
  readonly missing?: MissingPolicy;
}

async function scoreRegressor(model: LoadedRegressor, options: Measured, io: CliIo): Promise<Scores> {
  const [xFile, yFile] = await readRowPairs(options.x, options.y, options.missing ?? "error", io.stderr);
  const x = matchModelInputs(model, xFile, io.stderr);
  const y = matchModelOutputs(model, yFile, "the outputs", io.stderr);
  return score(await model.regressor.evaluate(x.matrix), y.matrix);
}

/**
 * The classifier's scores on the rows of --x with the labels of --y (read
 * as text), and those rows (matched to its inputs, less any that
 * `--missing drop-row` skipped); a label the model has no class for is
 * refused, naming the file, row and label. Shared with `plot`.
 */
export async function scoreClassifier(
  model: LoadedClassifier,
  options: Measured,
  io: CliIo,
): Promise<{ readonly scores: ClassificationScores; readonly x: Matrix }> {
  const [xFile, y] = await readLabeledRows(options.x, options.y, options.missing ?? "error", io.stderr);
  const x = matchModelInputs(model, xFile, io.stderr);
  expectKnownLabels(y, model.classes, model.path);
  try {
    return { scores: await model.classifier.score(x.matrix, y.labels), x: x.matrix };
  } catch (error) {
    throw libraryError(error);
  }
}

/** The compressor's reconstruction scores on the rows of --x (those with a missing cell dropped with --missing drop-row). */
async function scoreCompressor(
  model: LoadedCompressor,
  options: ScoreOptions,
  io: CliIo,
): Promise<{ rows: number; scores: ReconstructionScores }> {
  const x = matchModelInputs(
    model,
    await readRows(options.x, options.missing ?? "error", io.stderr),
    io.stderr,
  );
  try {
    return { rows: x.matrix.shape[0], scores: await model.compressor.score(x.matrix) };
  } catch (error) {
    throw libraryError(error);
  }
}

/** `{"rows", "columns", "rmse", "normalizedRmse"}`: RMSE per column (raw units) and over all columns (normalised units). */
function reconstructionJson(rows: number, s: ReconstructionScores, model: LoadedCompressor) {
  return {
    rows,
    columns: model.inputNames,
    rmse: s.rmse.map(jsonNumber),
    normalizedRmse: jsonNumber(s.normalizedRmse),
  };
}

function reconstructionText(rows: number, s: ReconstructionScores, model: LoadedCompressor): string {
  const table = formatTable(
    ["column", "RMSE"],
    model.inputNames.map((name, j) => [terminalSafe(name), fixed(s.rmse[j])]),
  );
  return `${rows} rows, reconstructed from ${plural(model.codeSize, "code")}
${table}normalised RMSE over all columns  ${fixed(s.normalizedRmse)}
`;
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
