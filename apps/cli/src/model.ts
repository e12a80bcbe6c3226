/** Loading a model file for a command (a regressor, a classifier or a compressor), and the names of its columns. */
import {
  type Classifier,
  ColumnMismatchError,
  type Compressor,
  FileReplaceError,
  type ModelDescription,
  type Regressor,
  readModel,
  reorderByName,
} from "@neureco/tabular";
import { type BackendName, startBackend } from "./backend.js";
import { type CsvData, expectColumns, plural } from "./data.js";
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

export interface LoadedCompressor extends ModelFile {
  readonly kind: "compressor";
  readonly compressor: Compressor;
  /** Codes per row, c. */
  readonly codeSize: number;
  /** The codes' column names, code1…codeC (as `compress` writes them). */
  readonly codeNames: readonly string[];
  /** Trainable parameters, encoder's then decoder's (what `derivative --dw` and `--w` hold). */
  readonly weightCount: number;
}

export type LoadedModel = LoadedRegressor | LoadedClassifier | LoadedCompressor;

/** The model in the file at `path`, whichever kind it holds. */
export async function loadModel(path: string, backend: BackendName): Promise<LoadedModel> {
  const started = await startBackend(backend);
  let model: Regressor | Classifier | Compressor;
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
  if (description.compression) {
    const compressor = model as Compressor;
    return {
      kind: "compressor",
      path,
      compressor,
      description,
      inputNames,
      codeSize: outputs,
      codeNames: codeNames(outputs),
      weightCount: compressor.info().weights,
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
 * An error of a build or of a model's write as the CLI reports it: a file
 * that is not a model where one is to be written is refused, with the
 * option that replaces it anyway.
 */
export function modelWriteError(error: unknown): CliError {
  if (error instanceof FileReplaceError) {
    return new CliError(
      `refusing to replace "${error.path}": it is ${error.found}, not a neureco ${error.expected} (use --force to replace it anyway)`,
      undefined,
      { cause: error },
    );
  }
  return libraryError(error);
}

/** The column names of c codes: code1…codeC. */
export function codeNames(c: number): string[] {
  return Array.from({ length: c }, (_, j) => `code${j + 1}`);
}

/** What the other kinds of model are for, when a command refuses one: the command that works on it. */
export interface Instead {
  readonly classifier?: string;
  readonly compressor?: string;
  readonly regressor?: string;
}

/**
 * The model in the file at `path` if it is of `kind`, for a command that
 * works on that kind only; another kind is refused in one sentence naming
 * the file, the model and the command, `instead` saying what works on it.
 */
export async function loadModelOfKind<K extends LoadedModel["kind"]>(
  path: string,
  backend: BackendName,
  kind: K,
  command: string,
  instead: Instead,
): Promise<Extract<LoadedModel, { kind: K }>> {
  const model = await loadModel(path, backend);
  if (model.kind === kind) return model as Extract<LoadedModel, { kind: K }>;
  closeModel(model);
  throw wrongKind(model, `${command} works on ${kind}s only`, instead[model.kind]);
}

/** "<path> holds a <model>: <what>; <instead>", the error of a command or option that does not apply to the model. */
export function wrongKind(model: LoadedModel, what: string, instead?: string): CliError {
  return new CliError(`${model.path} holds a ${modelWords(model)}: ${what}${instead ? `; ${instead}` : ""}`);
}

/** "classifier of 3 classes (a, b, c)". */
export function classifierWords(model: LoadedClassifier): string {
  return `classifier of ${classCount(model.classes.length)} (${classList(model.classes)})`;
}

/** "compressor of 4 columns to 1 code". */
export function compressorWords(model: LoadedCompressor): string {
  return `compressor of ${plural(model.description.structure.inputs, "column")} to ${plural(model.codeSize, "code")}`;
}

/** The model in words: "regressor of 3 inputs → 1 output", "classifier of …", "compressor of …". */
export function modelWords(model: LoadedModel): string {
  if (model.kind === "classifier") return classifierWords(model);
  if (model.kind === "compressor") return compressorWords(model);
  const { inputs, outputs } = model.description.structure;
  return `regressor of ${plural(inputs, "input")} → ${plural(outputs, "output")}`;
}

/** The library model behind a loaded model. */
export function modelOf(model: LoadedModel): Regressor | Classifier | Compressor {
  return model.kind === "regressor"
    ? model.regressor
    : model.kind === "classifier"
      ? model.classifier
      : model.compressor;
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
 * `what` names the file in messages (a compressor's cotangents also have one
 * column per input).
 */
export function matchModelInputs(
  model: LoadedModel,
  data: CsvData,
  stderr: TextOutput,
  what = "the inputs",
): CsvData {
  return matchColumns(
    data,
    model.description.inputNames,
    model.inputNames,
    `${what} of ${model.path}`,
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

/** The names of a classifier's logits, as the derivatives write and read them: `logit_<class>` for classes 1 … k − 1 (each against class 0). */
export function logitColumns(model: LoadedClassifier): string[] {
  return model.classes.slice(1).map((c) => `logit_${c}`);
}

/**
 * A file with one column per logit of a classifier (classes 1 … k − 1),
 * matched as `matchModelInputs` does: by the names `logitColumns` gives, or
 * by the class names themselves when the header holds those.
 */
export function matchLogitColumns(
  model: LoadedClassifier,
  data: CsvData,
  what: string,
  stderr: TextOutput,
): CsvData {
  const classes = model.classes.slice(1);
  const bare = new Set(classes);
  const byClass = data.header && data.columns.length > 0 && data.columns.every((c) => bare.has(c));
  const names = byClass ? classes : logitColumns(model);
  return matchColumns(data, names, names, `${what} of ${model.path}`, "logit", stderr);
}

/**
 * A file of codes fitted to a compressor, one column per code: matched by
 * name when its header names codes (`code<k>`, as `compress` writes them:
 * reordered, or refused naming the missing and unexpected ones), else by
 * position (any other header, or none), refused when the count differs.
 */
export function matchCodes(
  model: LoadedCompressor,
  data: CsvData,
  what: string,
  stderr: TextOutput,
): CsvData {
  const named = data.header && data.columns.length > 0 && data.columns.every((c) => /^code\d+$/.test(c));
  const meaning = `${what} of ${model.path}`;
  if (named) return matchColumns(data, model.codeNames, model.codeNames, meaning, "code", stderr);
  expectColumns(data, model.codeSize, `${meaning}: ${model.codeNames.join(", ")}`);
  return data;
}

function matchColumns(
  data: CsvData,
  stored: readonly string[],
  names: readonly string[],
  meaning: string,
  kind: "input" | "output" | "class" | "logit" | "code",
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
