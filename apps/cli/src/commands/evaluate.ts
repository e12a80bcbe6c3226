/**
 * `neureco evaluate`: the model's predictions for the rows of an inputs
 * file; with --uncertainty, each followed by its predictive standard
 * deviation (column `<output>_sd`). A classifier's are the predicted label
 * and the probability of each class (columns `<label>`, `p_<class>`). A
 * compressor's are the rows reconstructed from their codes (columns named
 * as the model's inputs).
 */
import { Matrix } from "@neureco/tabular";
import type { BackendName } from "../backend.js";
import { readMatrixFile, writeMatrix } from "../data.js";
import type { CliIo } from "../io.js";
import { CliError, ExitCode } from "../io.js";
import { writeClassPredictions } from "../labels.js";
import {
  classifierWords,
  closeModel,
  compressorWords,
  type LoadedRegressor,
  loadModel,
  matchModelInputs,
} from "../model.js";

export interface EvaluateOptions {
  readonly model: string;
  readonly x: string;
  readonly out?: string;
  readonly uncertainty?: boolean;
  readonly backend: BackendName;
}

export async function runEvaluate(options: EvaluateOptions, io: CliIo): Promise<number> {
  const model = await loadModel(options.model, options.backend);
  try {
    if (model.kind === "classifier") {
      if (options.uncertainty) {
        throw new CliError(
          `${options.model} holds a ${classifierWords(model)}: --uncertainty gives a regressor's error bars; a classifier's uncertainty is its class probabilities, which evaluate writes without it`,
        );
      }
      const x = matchModelInputs(model, await readMatrixFile(options.x), io.stderr);
      const probabilities = await model.classifier.predictProba(x.matrix);
      await writeClassPredictions(
        options.out,
        probabilities,
        model.classes,
        model.labelName || "label",
        io.stdout,
      );
      return ExitCode.ok;
    }
    if (model.kind === "compressor") {
      if (options.uncertainty) {
        throw new CliError(
          `${options.model} holds a ${compressorWords(model)}: --uncertainty gives a regressor's error bars; evaluate writes a compressor's reconstruction of --x, and neureco score its reconstruction errors`,
        );
      }
      const x = matchModelInputs(model, await readMatrixFile(options.x), io.stderr);
      await writeMatrix(options.out, await model.compressor.evaluate(x.matrix), model.inputNames, io.stdout);
      return ExitCode.ok;
    }
    await evaluateRegressor(model, options, io);
    return ExitCode.ok;
  } finally {
    closeModel(model);
  }
}

async function evaluateRegressor(model: LoadedRegressor, options: EvaluateOptions, io: CliIo): Promise<void> {
  const x = matchModelInputs(model, await readMatrixFile(options.x), io.stderr);
  if (!options.uncertainty) {
    await writeMatrix(options.out, await model.regressor.evaluate(x.matrix), model.outputNames, io.stdout);
    return;
  }
  if (!model.regressor.hasUncertainty) {
    throw new CliError(
      `${options.model} carries no error bars: it was saved by an older version of neureco, or its weights were set after its build; build it again to get them`,
    );
  }
  const { y, sd } = await model.regressor.evaluate(x.matrix, { uncertainty: true });
  // Each output followed by its standard deviation.
  const k = y.cols;
  const both = new Matrix(new Float64Array(y.rows * 2 * k), y.rows, 2 * k);
  for (let i = 0; i < y.rows; i++) {
    for (let j = 0; j < k; j++) {
      both.data[i * 2 * k + 2 * j] = y.data[i * k + j];
      both.data[i * 2 * k + 2 * j + 1] = sd.data[i * k + j];
    }
  }
  const columns = model.outputNames.flatMap((name) => [name, `${name}_sd`]);
  await writeMatrix(options.out, both, columns, io.stdout);
}
