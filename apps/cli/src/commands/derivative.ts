/**
 * `neureco derivative forward` and `neureco derivative gradient`: the model's
 * derivatives w.r.t. its weights and inputs, on CSV files, in raw units.
 */
import type { Matrix } from "@neureco/tabular";
import type { BackendName } from "../backend.js";
import { expectRows, readMatrixFile, readWeightColumn, writeMatrix } from "../data.js";
import { type CliIo, ExitCode } from "../io.js";
import { type LoadedModel, loadModel, matchModelInputs, matchModelOutputs } from "../model.js";

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
    const dy = await model.regressor.forwardDerivative({ w, dw: dw.matrix, x: x.matrix, dx });
    await writeMatrix(
      options.out,
      dy,
      model.outputNames.map((name) => `d_${name}`),
      io.stdout,
    );
    return ExitCode.ok;
  } finally {
    model.regressor.delete();
  }
}

/** dw (p, 1) = Σ J_wᵀ·py_i and dx (n, m) with rows J_xᵀ·py_i, each to its file. */
export async function runGradient(options: GradientOptions, io: CliIo): Promise<number> {
  const model = await loadModel(options.model, options.backend);
  try {
    const x = matchModelInputs(model, await readMatrixFile(options.x), io.stderr);
    const py = matchModelOutputs(
      model,
      await readMatrixFile(options.py),
      "one cotangent per output",
      io.stderr,
    );
    expectRows(py, x.matrix.shape[0], `one per row of ${x.path}`);
    const w = await weightsFor(model, options.w);
    const { dw, dx } = await model.regressor.gradient({ w, x: x.matrix, py: py.matrix });
    await writeMatrix(options.outDw, dw, ["dw"], io.stdout);
    await writeMatrix(
      options.outDx,
      dx,
      model.inputNames.map((name) => `d_${name}`),
      io.stdout,
    );
    return ExitCode.ok;
  } finally {
    model.regressor.delete();
  }
}

/** The weights from `--w` (a (p, 1) column), or the model's own. */
async function weightsFor(model: LoadedModel, path: string | undefined): Promise<Matrix> {
  if (path === undefined) return model.regressor.getWeights();
  return (await readWeightColumn(path, model.description.weights.length)).matrix;
}
