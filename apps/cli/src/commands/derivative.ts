/**
 * `neureco derivative forward` and `neureco derivative gradient`: the model's
 * derivatives w.r.t. its weights and inputs, on CSV files, in raw units. For
 * a classifier, the derivatives of its class probabilities (one per class,
 * columns named `p_<class>` as `evaluate` writes them).
 */
import type { Matrix } from "@neureco/tabular";
import type { BackendName } from "../backend.js";
import { type CsvData, expectRows, readMatrixFile, readWeightColumn, writeMatrix } from "../data.js";
import { type CliIo, ExitCode, type TextOutput } from "../io.js";
import {
  closeModel,
  type LoadedModel,
  loadModel,
  matchClassColumns,
  matchModelInputs,
  matchModelOutputs,
  modelOf,
} from "../model.js";

export interface ForwardOptions {
  readonly model: string;
  readonly x: string;
  readonly dw: string;
  readonly dx?: string;
  readonly w?: string;
  readonly out?: string;
  readonly backend: BackendName;
}

export interface GradientOptions {
  readonly model: string;
  readonly x: string;
  readonly py: string;
  readonly w?: string;
  readonly outDw: string;
  readonly outDx: string;
  readonly backend: BackendName;
}

/** The names of the model's outputs as the derivatives see them: a regressor's outputs, a classifier's probabilities. */
function outputColumns(model: LoadedModel): readonly string[] {
  return model.kind === "regressor" ? model.outputNames : model.classes.map((c) => `p_${c}`);
}

/** dy (n, k) = J_w·dw + J_x·dx per row; written with the output names as header. */
export async function runForward(options: ForwardOptions, io: CliIo): Promise<number> {
  const model = await loadModel(options.model, options.backend);
  try {
    const p = model.description.weights.length;
    const x = matchModelInputs(model, await readMatrixFile(options.x), io.stderr);
    const dw = await readWeightColumn(options.dw, p);
    let dx: Matrix | null = null;
    if (options.dx !== undefined) {
      const dxData = matchModelInputs(model, await readMatrixFile(options.dx), io.stderr);
      expectRows(dxData, x.matrix.shape[0], `one per row of ${x.path}`);
      dx = dxData.matrix;
    }
    const w = await weightsFor(model, options.w);
    const dy = await modelOf(model).forwardDerivative({ w, dw: dw.matrix, x: x.matrix, dx });
    await writeMatrix(
      options.out,
      dy,
      outputColumns(model).map((name) => `d_${name}`),
      io.stdout,
    );
    return ExitCode.ok;
  } finally {
    closeModel(model);
  }
}

/** dw (p, 1) = Σ J_wᵀ·py_i and dx (n, m) with rows J_xᵀ·py_i, each to its file. */
export async function runGradient(options: GradientOptions, io: CliIo): Promise<number> {
  const model = await loadModel(options.model, options.backend);
  try {
    const x = matchModelInputs(model, await readMatrixFile(options.x), io.stderr);
    const py = matchCotangents(model, await readMatrixFile(options.py), io.stderr);
    expectRows(py, x.matrix.shape[0], `one per row of ${x.path}`);
    const w = await weightsFor(model, options.w);
    const { dw, dx } = await modelOf(model).gradient({ w, x: x.matrix, py: py.matrix });
    await writeMatrix(options.outDw, dw, ["dw"], io.stdout);
    await writeMatrix(
      options.outDx,
      dx,
      model.inputNames.map((name) => `d_${name}`),
      io.stdout,
    );
    return ExitCode.ok;
  } finally {
    closeModel(model);
  }
}

/** The cotangents file, one column per output (a classifier: per class probability). */
function matchCotangents(model: LoadedModel, data: CsvData, stderr: TextOutput): CsvData {
  return model.kind === "regressor"
    ? matchModelOutputs(model, data, "one cotangent per output", stderr)
    : matchClassColumns(model, data, "one cotangent per class probability", stderr);
}

/** The weights from `--w` (a (p, 1) column), or the model's own. */
async function weightsFor(model: LoadedModel, path: string | undefined): Promise<Matrix> {
  if (path === undefined) return modelOf(model).getWeights();
  return (await readWeightColumn(path, model.description.weights.length)).matrix;
}
