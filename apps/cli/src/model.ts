/** Loading a model file for a command (a regressor or a classifier), and the names of its columns. */
import {
  type Classifier,
  ColumnMismatchError,
  type ModelDescription,
  type Regressor,
  readModel,
  reorderByName,
} from "@neureco/tabular";
import { type BackendName, startBackend } from "./backend.js";
import { type CsvData, expectColumns } from "./data.js";
import { CliError, libraryError, type TextOutput, writeLine } from "./io.js";
import { classCount, classList } from "./labels.js";
import { terminalSafe } from "./text.js";

interface ModelFile {
  /** The path as given on the command line. */
  readonly path: string;
  readonly description: ModelDescription;
  /** Input column names: the model's own, else x1…xm. */
  readonly inputNames: readonly string[];
}

export interface LoadedRegressor extends ModelFile {
  readonly kind: "regressor";
  readonly regressor: Regressor;
  /** Output column names: the model's own, else y1…yk. */
  readonly outputNames: readonly string[];
}

export interface LoadedClassifier extends ModelFile {
  readonly kind: "classifier";
  readonly classifier: Classifier;
  /** The class names, in the order of its probabilities. */
  readonly classes: readonly string[];
  /** The label column's name ("" when unknown). */
  readonly labelName: string;
}

export type LoadedModel = LoadedRegressor | LoadedClassifier;

/** The model in the file at `path`, whichever kind it holds. */
export async function loadModel(path: string, backend: BackendName): Promise<LoadedModel> {
  const started = await startBackend(backend);
  let model: Regressor | Classifier;
  try {
    model = await readModel(path, { backend: started });
  } catch (error) {
    throw libraryError(error);
  }
  const description = model.toDescription();
  const { inputs, outputs } = description.structure;
  const inputNames = namesOr(description.inputNames, inputs, "x");
  if (description.classification) {
    return {
      kind: "classifier",
      path,
      classifier: model as Classifier,
      description,
      inputNames,
      classes: description.classification.classes,
      labelName: description.classification.label,
    };
  }
  return {
    kind: "regressor",
    path,
    regressor: model as Regressor,
    description,
    inputNames,
    outputNames: namesOr(description.outputNames, outputs, "y"),
  };
}

/**
 * The regressor in the file at `path`, for a command that works on
 * regressors only; a classifier is refused in one sentence, `instead`
 * saying what works on it.
 */
export async function loadRegressor(
  path: string,
  backend: BackendName,
  command: string,
  instead: string,
): Promise<LoadedRegressor> {
  const model = await loadModel(path, backend);
  if (model.kind === "regressor") return model;
  closeModel(model);
  throw new CliError(
    `${path} holds a ${classifierWords(model)}: ${command} works on regressors only; ${instead}`,
  );
}

/** "classifier of 3 classes (a, b, c)". */
export function classifierWords(model: LoadedClassifier): string {
  return `classifier of ${classCount(model.classes.length)} (${classList(model.classes)})`;
}

/** The library model behind a loaded model. */
export function modelOf(model: LoadedModel): Regressor | Classifier {
  return model.kind === "regressor" ? model.regressor : model.classifier;
}

/** Frees the model's memory on its backend. */
export function closeModel(model: LoadedModel): void {
  modelOf(model).delete();
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
  model: LoadedRegressor,
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

/**
 * A file with one column per class of a classifier, matched as
 * `matchModelInputs` does: by the names `evaluate` writes (`p_<class>`), or
 * by the class names themselves when the header holds those.
 */
export function matchClassColumns(
  model: LoadedClassifier,
  data: CsvData,
  what: string,
  stderr: TextOutput,
): CsvData {
  const bare = new Set(model.classes);
  const byClass = data.header && data.columns.length > 0 && data.columns.every((c) => bare.has(c));
  const names = byClass ? model.classes : model.classes.map((c) => `p_${c}`);
  return matchColumns(data, names, names, `${what} of ${model.path}`, "class", stderr);
}

function matchColumns(
  data: CsvData,
  stored: readonly string[],
  names: readonly string[],
  meaning: string,
  kind: "input" | "output" | "class",
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
