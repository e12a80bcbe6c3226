/** `neureco evaluate`: the model's predictions for the rows of an inputs file. */
import type { BackendName } from "../backend.js";
import { readMatrixFile, writeMatrix } from "../data.js";
import type { CliIo } from "../io.js";
import { ExitCode } from "../io.js";
import { loadModel, matchModelInputs } from "../model.js";

export interface EvaluateOptions {
  readonly model: string;
  readonly x: string;
  readonly out?: string;
  readonly backend: BackendName;
}

export async function runEvaluate(options: EvaluateOptions, io: CliIo): Promise<number> {
  const model = await loadModel(options.model, options.backend);
  try {
    const x = matchModelInputs(model, await readMatrixFile(options.x), io.stderr);
    const y = await model.regressor.evaluate(x.matrix);
    await writeMatrix(options.out, y, model.outputNames, io.stdout);
    return ExitCode.ok;
  } finally {
    model.regressor.delete();
  }
}
