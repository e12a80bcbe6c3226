/** Loading a model file for a command, and the names of its columns. */
import { type ModelDescription, Regressor } from "@neureco/tabular";
import { type BackendName, startBackend } from "./backend.js";
import { type CsvData, expectColumns } from "./data.js";
import { CliError } from "./io.js";

export interface LoadedModel {
  /** The path as given on the command line. */
  readonly path: string;
  readonly regressor: Regressor;
  readonly description: ModelDescription;
  /** Column names: the model's own, else x1…xm and y1…yk. */
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
}

export async function loadModel(path: string, backend: BackendName): Promise<LoadedModel> {
  const regressor = new Regressor({ backend: await startBackend(backend) });
  try {
    await regressor.load(path);
  } catch (error) {
    regressor.delete();
    throw new CliError(error instanceof Error ? error.message : String(error), undefined, { cause: error });
  }
  const description = regressor.toDescription();
  const { inputs, outputs } = description.structure;
  return {
    path,
    regressor,
    description,
    inputNames: namesOr(description.inputNames, inputs, "x"),
    outputNames: namesOr(description.outputNames, outputs, "y"),
  };
}

/** Checks that an inputs file fits the model: one column per model input. */
export function expectModelInputs(model: LoadedModel, data: CsvData): void {
  expectColumns(data, model.inputNames.length, `the inputs of ${model.path}: ${model.inputNames.join(", ")}`);
}

/** Checks that an outputs-shaped file fits the model: one column per model output. */
export function expectModelOutputs(model: LoadedModel, data: CsvData, what: string): void {
  expectColumns(data, model.outputNames.length, `${what} of ${model.path}: ${model.outputNames.join(", ")}`);
}

function namesOr(names: readonly string[], count: number, prefix: string): readonly string[] {
  return names.length === count ? names : Array.from({ length: count }, (_, i) => `${prefix}${i + 1}`);
}
