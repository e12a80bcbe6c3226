/**
 * `neureco plot`: an SVG parity plot (predicted against measured, one panel
 * per output) of a regressor, or the confusion matrix and reliability
 * diagram of a classifier; with `--checkpoint` the error curve of the build,
 * and with `--sensitivity` the inputs' first-order indices over the rows of
 * X, per output of a regressor or per class probability of a classifier.
 */
import { CALIBRATION_BINS, type Sensitivity, writeFileAtomic } from "@neureco/tabular";
import type { BackendName } from "../backend.js";
import { readErrorCurve } from "../checkpoint.js";
import { type MissingPolicy, readRowPairs } from "../data.js";
import { type CliIo, ExitCode, libraryError, writeLine } from "../io.js";
import { score } from "../metrics.js";
import {
  closeModel,
  type LoadedClassifier,
  type LoadedRegressor,
  loadModel,
  matchModelInputs,
  matchModelOutputs,
  wrongKind,
} from "../model.js";
import { type ErrorCurve, type Figure, renderFigure, type SensitivityPanel } from "../plot/figure.js";
import { scoreClassifier } from "./score.js";

export interface PlotOptions {
  readonly model: string;
  readonly x: string;
  readonly y: string;
  readonly out: string;
  readonly checkpoint?: string;
  readonly sensitivity?: boolean;
  readonly missing?: MissingPolicy;
  readonly backend: BackendName;
}

/** The panels of the figure that come from the model and the data. */
type ModelPanels = Pick<Figure, "parity" | "confusion" | "reliability" | "sensitivity">;

export async function runPlot(options: PlotOptions, io: CliIo): Promise<number> {
  const model = await loadModel(options.model, options.backend);
  let panels: ModelPanels;
  try {
    if (model.kind === "compressor") {
      throw wrongKind(
        model,
        "plot draws a regressor's parity plot or a classifier's confusion matrix, not a compressor's",
        "neureco score gives its reconstruction errors per column",
      );
    }
    panels =
      model.kind === "classifier"
        ? await classifierPanels(model, options, io)
        : await regressorPanels(model, options, io);
  } finally {
    closeModel(model);
  }
  const errorCurve: ErrorCurve | undefined =
    options.checkpoint === undefined ? undefined : await readErrorCurve(options.checkpoint);
  const svg = renderFigure({
    title: `${options.model} on ${options.x}`,
    ...panels,
    ...(errorCurve ? { errorCurve } : {}),
  });
  try {
    await writeFileAtomic(options.out, svg);
  } catch (error) {
    throw libraryError(error);
  }
  writeLine(io.stdout, `wrote ${options.out}`);
  return ExitCode.ok;
}

async function regressorPanels(
  model: LoadedRegressor,
  options: PlotOptions,
  io: CliIo,
): Promise<ModelPanels> {
  const [xFile, yFile] = await readRowPairs(options.x, options.y, options.missing ?? "error", io.stderr);
  const x = matchModelInputs(model, xFile, io.stderr);
  const y = matchModelOutputs(model, yFile, "the outputs", io.stderr);
  const predicted = await model.regressor.evaluate(x.matrix);
  const scores = score(predicted, y.matrix);
  const parity = model.outputNames.map((name, j) => ({
    title: name,
    measured: column(y.matrix, j),
    predicted: column(predicted, j),
    subtitle: `${scores.rows} rows · RMSE ${scores.rmse[j].toPrecision(4)} · R² ${Number.isFinite(scores.r2[j]) ? scores.r2[j].toFixed(4) : "n/a"}`,
  }));
  if (!options.sensitivity) return { parity, sensitivity: [] };
  return { parity, sensitivity: sensitivityPanels(await model.regressor.sensitivity(x.matrix)) };
}

/**
 * A classifier's confusion matrix (counts, rows = true class) and reliability
 * diagram on the labelled rows; with --sensitivity the first-order indices of
 * each class probability.
 */
async function classifierPanels(
  model: LoadedClassifier,
  options: PlotOptions,
  io: CliIo,
): Promise<ModelPanels> {
  const { scores: s, x } = await scoreClassifier(model, options, io);
  const sensitivity = options.sensitivity
    ? sensitivityPanels(await model.classifier.sensitivity(x), (name) => `p_${name}`)
    : [];
  return {
    parity: [],
    sensitivity,
    confusion: {
      title: "Confusion matrix",
      subtitle: `${s.rows} rows · accuracy ${s.accuracy.toFixed(4)} · balanced ${s.balancedAccuracy.toFixed(4)}`,
      classes: s.classes,
      counts: s.confusion,
    },
    reliability: {
      title: "Reliability",
      subtitle: `${CALIBRATION_BINS} bins of the top probability · ECE ${s.calibrationError.toFixed(4)}`,
      bins: s.reliability,
    },
  };
}

/** One panel per output of the sensitivity (a classifier's: per class, named as `evaluate` names its probability). */
function sensitivityPanels(s: Sensitivity, outputName = (name: string) => name): SensitivityPanel[] {
  return s.outputNames.map((name, o) => ({
    title: `${outputName(name)}: first-order indices`,
    subtitle: `${s.rows} rows · ${s.samples} samples · 95 % intervals`,
    inputs: s.inputs.map((i) => i.input),
    index: s.inputs.map((i) => i.firstOrderIndex[o]),
    halfWidth: s.inputs.map((i) => i.firstOrderHalfWidth[o]),
  }));
}

function column(
  m: { readonly data: Float64Array; readonly shape: readonly [number, number] },
  j: number,
): Float64Array {
  const [rows, cols] = m.shape;
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) out[i] = m.data[i * cols + j];
  return out;
}
