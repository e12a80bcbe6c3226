/** Loading a model file for a command, and the names of its columns. */
import { ColumnMismatchError, type ModelDescription, Regressor, reorderByName } from "@neureco/tabular";
import { type BackendName, startBackend } from "./backend.js";
import { type CsvData, expectColumns } from "./data.js";
import { CliError, libraryError, type TextOutput, writeLine } from "./io.js";
import { terminalSafe } from "./text.js";

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
    throw libraryError(error);
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

/**
 * An inputs file fitted to the model, one column per model input: matched by
 * name when the file has a header and the model stores its input names
 * (reordered to the model's order, said once on stderr; refused, naming the
 * missing and unexpected columns, when the names differ), else by count.
 */
export function matchModelInputs(model: LoadedModel, data: CsvData, stderr: TextOutput): CsvData {
  return matchColumns(
    data,
    model.description.inputNames,
    model.inputNames,
    `the inputs of ${model.path}`,
    "input",
    stderr,
  );
}

/** An outputs-shaped file fitted to the model, one column per model output, matched as `matchModelInputs` does. */
export function matchModelOutputs(
  model: LoadedModel,
  data: CsvData,
  what: string,
  stderr: TextOutput,
): CsvData {
  return matchColumns(
    data,
    model.description.outputNames,
    model.outputNames,
    `${what} of ${model.path}`,
    "output",
    stderr,
  );
}

function matchColumns(
  data: CsvData,
  stored: readonly string[],
  names: readonly string[],
  meaning: string,
  kind: "input" | "output",
  stderr: TextOutput,
): CsvData {
  let reordered: ReturnType<typeof reorderByName>;
  try {
    reordered = reorderByName(data.matrix, data.columns, data.header, stored, data.path, meaning);
  } catch (error) {
    if (!(error instanceof ColumnMismatchError)) throw error;
    throw new CliError(terminalSafe(error.message), undefined, { cause: error });
  }
  if (reordered !== null) {
    writeLine(stderr, terminalSafe(`${data.path}: columns reordered to the model's ${kind} order`));
    return { ...data, columns: [...stored], matrix: reordered };
  }
  expectColumns(data, names.length, `${meaning}: ${names.join(", ")}`);
  return data;
}

function namesOr(names: readonly string[], count: number, prefix: string): readonly string[] {
  return names.length === count ? names : Array.from({ length: count }, (_, i) => `${prefix}${i + 1}`);
}
