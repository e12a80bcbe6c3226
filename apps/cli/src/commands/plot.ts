/**
 * `neureco plot`: an SVG parity plot (predicted against measured, one panel
 * per output), with `--checkpoint` the error curve of the build, and with
 * `--sensitivity` the inputs' first-order indices over the rows of X.
 */
import { writeFileAtomic } from "@neureco/tabular";
import type { BackendName } from "../backend.js";
import { readErrorCurve } from "../checkpoint.js";
import { type MissingPolicy, readRowPairs } from "../data.js";
import { type CliIo, ExitCode, libraryError, writeLine } from "../io.js";
import { score } from "../metrics.js";
import { loadModel, matchModelInputs, matchModelOutputs } from "../model.js";
import { type ErrorCurve, type ParityPanel, renderFigure, type SensitivityPanel } from "../plot/figure.js";

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

export async function runPlot(options: PlotOptions, io: CliIo): Promise<number> {
  const model = await loadModel(options.model, options.backend);
  let parity: ParityPanel[];
  let sensitivity: SensitivityPanel[] = [];
  try {
    const [xFile, yFile] = await readRowPairs(options.x, options.y, options.missing ?? "error", io.stderr);
    const x = matchModelInputs(model, xFile, io.stderr);
    const y = matchModelOutputs(model, yFile, "the outputs", io.stderr);
    const predicted = await model.regressor.evaluate(x.matrix);
    const scores = score(predicted, y.matrix);
    parity = model.outputNames.map((name, j) => ({
      title: name,
      measured: column(y.matrix, j),
      predicted: column(predicted, j),
      subtitle: `${scores.rows} rows · RMSE ${scores.rmse[j].toPrecision(4)} · R² ${Number.isFinite(scores.r2[j]) ? scores.r2[j].toFixed(4) : "n/a"}`,
    }));
    if (options.sensitivity) {
      const s = await model.regressor.sensitivity(x.matrix);
      sensitivity = s.outputNames.map((name, o) => ({
        title: `${name}: first-order indices`,
        subtitle: `${s.rows} rows · ${s.samples} samples · 95 % intervals`,
        inputs: s.inputs.map((i) => i.input),
        index: s.inputs.map((i) => i.firstOrderIndex[o]),
        halfWidth: s.inputs.map((i) => i.firstOrderHalfWidth[o]),
      }));
    }
  } finally {
    model.regressor.delete();
  }
  const errorCurve: ErrorCurve | undefined =
    options.checkpoint === undefined ? undefined : await readErrorCurve(options.checkpoint);
  const svg = renderFigure({
    title: `${options.model} on ${options.x}`,
    parity,
    ...(errorCurve ? { errorCurve } : {}),
    sensitivity,
  });
  try {
    await writeFileAtomic(options.out, svg);
  } catch (error) {
    throw libraryError(error);
  }
  writeLine(io.stdout, `wrote ${options.out}`);
  return ExitCode.ok;
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
