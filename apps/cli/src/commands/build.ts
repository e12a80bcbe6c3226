/**
 * `neureco build`: builds a model from CSV files with live progress, keeps a
 * checkpoint, and stops cleanly on Ctrl-C with the command that resumes it.
 * A y file of class labels (`--classify`, or detected: one column, no
 * number) builds a classifier; `--compress` builds a compressor of the
 * columns of x alone (build-compressor.ts).
 */
import { existsSync } from "node:fs";
import {
  type BuildOptions,
  type Checkpoint,
  Classifier,
  type ClassifierBuildOptions,
  checkpointModelDescription,
  connectedInputs,
  MODEL_EXTENSION,
  type ModelClassification,
  type ModelDescription,
  modelPath,
  Regressor,
  readModel,
  type ScalingMethod,
  type ShiftingMethod,
} from "@neureco/tabular";
import { type BackendName, startBackend } from "../backend.js";
import { isClassifierCheckpoint, readCheckpoint } from "../checkpoint.js";
import { type CsvData, expectColumns, type MissingPolicy, plural, readRowPairs } from "../data.js";
import {
  CliError,
  type CliIo,
  ExitCode,
  libraryError,
  type TextOutput,
  UsageError,
  writeLine,
} from "../io.js";
import {
  classCount,
  classesOf,
  classList,
  expectKnownLabels,
  isNotANumberIn,
  type LabelProbe,
  probeLabels,
  readLabeledRows,
} from "../labels.js";
import { modelWriteError } from "../model.js";
import { createProgressReporter, type ProgressEvent } from "../progress.js";
import { formatError, formatSeconds, jsonNumber, terminalJson, terminalSafe } from "../text.js";
import { runCompressorBuild } from "./build-compressor.js";

export interface BuildCommandOptions {
  readonly x: string;
  /** Required, except with --compress (which refuses it). */
  readonly y?: string;
  readonly out: string;
  readonly checkpoint?: string;
  readonly validX?: string;
  readonly validY?: string;
  readonly validPercentage?: number;
  readonly inputsShifting?: ShiftingMethod;
  readonly inputsScaling?: ScalingMethod;
  readonly outputsShifting?: ShiftingMethod;
  readonly outputsScaling?: ScalingMethod;
  readonly linksMaximum?: number;
  readonly seed?: number;
  readonly missing?: MissingPolicy;
  readonly resume?: boolean;
  /** Read --y (and --valid-y) as class labels and build a classifier. */
  readonly classify?: boolean;
  /** Build a compressor of the columns of --x (no --y). */
  readonly compress?: boolean;
  /** A compressor's number of codes (default: chosen from the data). */
  readonly codeSize?: number;
  /** Replace --out and --checkpoint even when they are not a model and a checkpoint. */
  readonly force?: boolean;
  readonly backend: BackendName;
  readonly json?: boolean;
}

/** The checkpoint path: `--checkpoint`, else next to the model (`m.ednn` → `m.checkpoint`). */
export function checkpointPathFor(options: Pick<BuildCommandOptions, "out" | "checkpoint">): string {
  return options.checkpoint ?? `${modelPath(options.out).slice(0, -MODEL_EXTENSION.length)}.checkpoint`;
}

/** The options of a regressor's or a classifier's build, which have outputs. */
type TaskOptions = BuildCommandOptions & { readonly y: string };

/** A model a build makes (a compressor's build is build-compressor.ts's). */
type BuiltModel = Regressor | Classifier;

export async function runBuild(options: BuildCommandOptions, io: CliIo): Promise<number> {
  if (options.compress) return runCompressorBuild(options, io);
  if (options.codeSize !== undefined) {
    throw new UsageError("--code-size applies with --compress only: it is a compressor's number of codes");
  }
  const { y } = options;
  if (y === undefined) {
    throw new UsageError(
      "required option '--y <file>' not specified (--compress builds a compressor from --x alone)",
    );
  }
  return buildWithOutputs({ ...options, y }, io);
}

/** The build of a regressor or, from class labels, of a classifier. */
async function buildWithOutputs(options: TaskOptions, io: CliIo): Promise<number> {
  if ((options.validX === undefined) !== (options.validY === undefined)) {
    throw new UsageError("--valid-x and --valid-y must be given together");
  }
  if (options.classify) refuseOutputOptions(options, "with --classify");
  const out = modelPath(options.out);
  const checkpoint = checkpointPathFor(options);
  if (options.resume && !existsSync(checkpoint)) {
    throw new CliError(
      `cannot resume: the checkpoint "${checkpoint}" does not exist (run without --resume to start a new build)`,
    );
  }
  const probe = options.classify ? undefined : await probeLabels(options.y);
  const classify = options.classify === true || isLabelFile(probe);
  if (classify && !options.classify) {
    refuseOutputOptions(options, `for a classifier (${options.y} holds class labels)`);
    const classes = probe?.classes ?? [];
    writeLine(
      io.stderr,
      terminalSafe(
        `${options.y} holds class labels (${classCount(classes.length)}: ${classList(classes)}): building a classifier`,
      ),
    );
  }

  if (options.resume) {
    const recorded = await readCheckpoint(checkpoint);
    expectSameTask(recorded, checkpoint, classify, options.y);
    if (recorded.finished) {
      const classification = classify
        ? await finishedClassification(options, recorded, checkpoint, io)
        : null;
      return finishedBuild(io, options, recorded, out, checkpoint, classification);
    }
  }

  const missing = options.missing ?? "error";
  if (classify) return buildClassifier(io, options, out, checkpoint, missing);
  let data: [CsvData, CsvData, Pick<BuildOptions, "validationInputData" | "validationOutputData">];
  try {
    data = await readRegressionData(options, missing, io.stderr);
  } catch (error) {
    // A one-column y file with text among its numbers: perhaps labels, some of which look like numbers.
    if (probe !== undefined && isNotANumberIn(error, options.y) && error instanceof Error) {
      throw new CliError(`${error.message} (--classify reads ${options.y} as class labels)`, undefined, {
        cause: error,
      });
    }
    throw error;
  }
  const [x, y, validation] = data;
  const regressor = new Regressor({ backend: await startBackend(options.backend) });
  const title = `${options.resume ? "Resuming" : "Building"} ${out} from ${x.path} (${plural(x.matrix.shape[0], "row")}, ${plural(x.matrix.shape[1], "input")} → ${plural(y.matrix.shape[1], "output")}) on ${options.backend}`;
  return buildWithProgress(io, options, regressor, out, checkpoint, title, (progress) =>
    regressor.build({
      inputData: x.matrix,
      outputData: y.matrix,
      ...validation,
      ...sharedSettings(options, out, checkpoint),
      ...definedOnly({ outputsShifting: options.outputsShifting, outputsScaling: options.outputsScaling }),
      ...columnNames(x, y),
      ...progress,
    }),
  );
}

/** Whether a probed y file holds class labels: one column, labels, none of them a number. */
function isLabelFile(probe: LabelProbe | undefined): boolean {
  return probe !== undefined && probe.texts > 0 && probe.numbers === 0;
}

/** The options that describe numeric outputs are a usage error for a classifier; `why` says why it is one. */
function refuseOutputOptions(options: BuildCommandOptions, why: string): void {
  const given = [
    ["--outputs-shifting", options.outputsShifting],
    ["--outputs-scaling", options.outputsScaling],
  ].filter(([, v]) => v !== undefined);
  if (given.length === 0) return;
  throw new UsageError(
    `${given.map(([flag]) => flag).join(" and ")} ${given.length === 1 ? "does" : "do"} not apply ${why}: a classifier's outputs are its classes' probabilities`,
  );
}

/** Inputs, numeric outputs and any validation files of a regression build. */
async function readRegressionData(
  options: TaskOptions,
  missing: MissingPolicy,
  stderr: TextOutput,
): Promise<[CsvData, CsvData, Pick<BuildOptions, "validationInputData" | "validationOutputData">]> {
  const [x, y] = await readRowPairs(options.x, options.y, missing, stderr);
  if (options.validX === undefined || options.validY === undefined) return [x, y, {}];
  const [vx, vy] = await readRowPairs(options.validX, options.validY, missing, stderr);
  expectColumns(vx, x.matrix.shape[1], `as many as ${x.path}`);
  expectColumns(vy, y.matrix.shape[1], `as many as ${y.path}`);
  return [x, y, { validationInputData: vx.matrix, validationOutputData: vy.matrix }];
}

async function buildClassifier(
  io: CliIo,
  options: TaskOptions,
  out: string,
  checkpoint: string,
  missing: MissingPolicy,
): Promise<number> {
  const [x, y] = await readLabeledRows(options.x, options.y, missing, io.stderr);
  const classes = classesOf(y);
  let validation: Pick<ClassifierBuildOptions, "validationInputData" | "validationOutputData"> = {};
  if (options.validX !== undefined && options.validY !== undefined) {
    const [vx, vy] = await readLabeledRows(options.validX, options.validY, missing, io.stderr);
    expectColumns(vx, x.matrix.shape[1], `as many as ${x.path}`);
    expectKnownLabels(vy, classes, y.path);
    validation = { validationInputData: vx.matrix, validationOutputData: vy.labels };
  }
  const classifier = new Classifier({ backend: await startBackend(options.backend) });
  const title = `${options.resume ? "Resuming" : "Building"} ${out} from ${x.path} (${plural(x.matrix.shape[0], "row")}, ${plural(x.matrix.shape[1], "input")} → ${classCount(classes.length)}) on ${options.backend}`;
  const inputNames = namesFromHeader(x);
  return buildWithProgress(io, options, classifier, out, checkpoint, title, (progress) =>
    classifier.build({
      inputData: x.matrix,
      outputData: y.labels,
      ...validation,
      ...sharedSettings(options, out, checkpoint),
      ...(inputNames ? { inputNames } : {}),
      ...(y.name !== "" ? { labelName: y.name } : {}),
      ...progress,
    }),
  );
}

/** The build options a regressor's and a classifier's build share. */
function sharedSettings(options: BuildCommandOptions, out: string, checkpoint: string) {
  return {
    ...definedOnly({
      validPercentage: options.validPercentage,
      inputsShifting: options.inputsShifting,
      inputsScaling: options.inputsScaling,
      linksMaximumNumber: options.linksMaximum,
      seed: options.seed,
    }),
    writeModelTo: out,
    checkpointAddress: checkpoint,
    ...(options.force ? { force: true } : {}),
    ...(options.resume ? { checkpointToStartBuildFrom: checkpoint, startBuildFromModelNumber: -1 } : {}),
  };
}

/**
 * Runs `build` with live progress and Ctrl-C handling, then reports the
 * model; `model` is freed in every case.
 */
async function buildWithProgress(
  io: CliIo,
  options: BuildCommandOptions,
  model: BuiltModel,
  out: string,
  checkpoint: string,
  title: string,
  build: (progress: { onProgress: (event: ProgressEvent) => void; signal: AbortSignal }) => Promise<unknown>,
): Promise<number> {
  const progress = createProgressReporter(io, terminalSafe(title));
  const started = Date.now();
  let lastModel: ProgressEvent | undefined;
  try {
    await build({
      onProgress: (event: ProgressEvent) => {
        lastModel = event;
        progress.update(event);
      },
      signal: io.signal,
    });
  } catch (error) {
    progress.stop(io.signal.aborted ? "stopped" : "failed");
    model.delete();
    if (io.signal.aborted) return interrupted(io, options, checkpoint, lastModel, null);
    throw modelWriteError(error);
  }
  progress.stop(io.signal.aborted ? "stopped" : "done");
  // Stopped after a first model, the build resolves with the best model so far (written to `out`).
  if (io.signal.aborted) {
    model.delete();
    return interrupted(io, options, checkpoint, lastModel, out);
  }

  try {
    report(io, options, model, out, checkpoint, Date.now() - started);
  } finally {
    model.delete();
  }
  return ExitCode.ok;
}

/**
 * `--resume` goes on with the kind of build the checkpoint records: a
 * classifier's from class labels, a regressor's from numeric outputs.
 */
function expectSameTask(recorded: Checkpoint, checkpoint: string, classify: boolean, y: string): void {
  const recordedClassifier = isClassifierCheckpoint(recorded);
  if (recordedClassifier && !classify) {
    throw new CliError(
      `${checkpoint} records the build of a classifier, but ${y} is read as numeric outputs: add --classify to resume it`,
    );
  }
  if (!recordedClassifier && classify) {
    throw new CliError(
      `${checkpoint} records the build of a regressor, but ${y} is read as class labels: resume it with the numeric outputs it was built from`,
    );
  }
}

/**
 * The classes of a finished classifier's build: the checkpoint's models
 * hold none, so they come from the label file, read as the build read it
 * (rows dropped by `--missing` included). Refused when the file cannot be
 * the one the build was given (another number of rows or classes).
 */
async function finishedClassification(
  options: TaskOptions,
  recorded: Checkpoint,
  checkpoint: string,
  io: CliIo,
): Promise<ModelClassification> {
  const [x, y] = await readLabeledRows(options.x, options.y, options.missing ?? "error", io.stderr);
  const classes = classesOf(y);
  const origin = recorded.origin;
  const outputs = recorded.models[0]?.structure.outputs ?? origin?.outputs;
  if (outputs !== classes.length - 1 || (origin !== null && origin.rows !== x.matrix.shape[0])) {
    const built = outputs === undefined ? "" : ` of ${classCount(outputs + 1)}`;
    const rows = origin === null ? "" : ` on ${plural(origin.rows, "row")}`;
    throw new CliError(
      `${options.y} (${plural(y.labels.length, "label")}, ${classCount(classes.length)}) is not the label file of the build in ${checkpoint} (a classifier${built}${rows})`,
    );
  }
  return { label: y.name, classes };
}

/**
 * `--resume` of a build whose checkpoint says it finished: nothing is built
 * again; the model it chose (refitted, when it was) is written to --out
 * unless the file there already holds it. A build killed after its last
 * checkpoint write and before the model's write leaves its model in the
 * checkpoint only, and --out may still hold the best model of an earlier,
 * interrupted run. A classifier's model gets its classes from
 * `classification` (see `finishedClassification`).
 */
async function finishedBuild(
  io: CliIo,
  options: BuildCommandOptions,
  recorded: Checkpoint,
  out: string,
  checkpoint: string,
  classification: ModelClassification | null,
): Promise<number> {
  const chosen = recorded.final ?? recorded.models.find((m) => m.number === recorded.selected);
  if (!chosen) throw new CliError(`${checkpoint}: the build is finished but records no chosen model`);
  const description = checkpointModelDescription(recorded, chosen);
  let model: BuiltModel;
  try {
    model = classification
      ? Classifier.fromDescription({ ...description, outputNames: [], classification })
      : Regressor.fromDescription(description);
  } catch (error) {
    throw libraryError(error);
  }
  try {
    const held = existsSync(out) && (await holdsModel(out, model));
    if (!held) {
      try {
        await model.save(out, options.force ? { force: true } : {});
      } catch (error) {
        throw modelWriteError(error);
      }
    }
    writeLine(
      io.stderr,
      `The build in ${checkpoint} had finished: nothing was built again; ${held ? `${out} already holds its model` : `its model was written to ${out}`}.`,
    );
    report(io, options, model, out, checkpoint, 0);
  } finally {
    model.delete();
  }
  return ExitCode.ok;
}

/** Whether the model file at `path` holds the same kind, classes, structure and weights as `model` (false if it cannot be read). */
async function holdsModel(path: string, model: BuiltModel): Promise<boolean> {
  let file: Awaited<ReturnType<typeof readModel>>;
  try {
    file = await readModel(path);
  } catch {
    return false;
  }
  try {
    const a = file.toDescription();
    const b = model.toDescription();
    return (
      JSON.stringify(a.classification ?? null) === JSON.stringify(b.classification ?? null) &&
      (a.compression === undefined) === (b.compression === undefined) &&
      JSON.stringify(a.structure) === JSON.stringify(b.structure) &&
      a.weights.length === b.weights.length &&
      a.weights.every((w, i) => Object.is(w, b.weights[i]))
    );
  } finally {
    file.delete();
  }
}

/** A CSV file's column names from its header (a file without a header gets col1, col2, …: not kept). */
function namesFromHeader(data: CsvData): string[] | undefined {
  return data.columns.every((c, j) => c === `col${j + 1}`) ? undefined : [...data.columns];
}

/** The CSV headers, recorded in the model as its column names. */
function columnNames(x: CsvData, y: CsvData): Pick<BuildOptions, "inputNames" | "outputNames"> {
  const inputNames = namesFromHeader(x);
  const outputNames = namesFromHeader(y);
  return { ...(inputNames ? { inputNames } : {}), ...(outputNames ? { outputNames } : {}) };
}

function report(
  io: CliIo,
  options: BuildCommandOptions,
  model: BuiltModel,
  out: string,
  checkpoint: string,
  elapsedMs: number,
): void {
  const d = model.toDescription();
  const s = d.structure;
  const names =
    d.inputNames.length === s.inputs ? d.inputNames : Array.from({ length: s.inputs }, (_, j) => `x${j + 1}`);
  const kept = connectedInputs(s).map((j) => names[j]);
  if (d.classification) {
    reportClassifier(io, options, d.classification, d, kept, out, checkpoint, elapsedMs);
    return;
  }
  if (options.json) {
    const json = {
      model: out,
      checkpoint,
      weights: d.weights.length,
      inputs: s.inputs,
      outputs: s.outputs,
      hidden: s.hidden,
      links: s.links.length,
      inputsKept: kept,
      errors: d.errors
        ? { training: d.errors.training.map(jsonNumber), validation: d.errors.validation.map(jsonNumber) }
        : null,
      elapsedMs,
    };
    writeLine(io.stdout, terminalJson(json));
    return;
  }
  writeLine(
    io.stdout,
    `wrote ${out}: ${plural(d.weights.length, "weight")} (${plural(s.hidden, "hidden neuron")}, ${plural(s.links.length, "link")}), inputs kept ${kept.length} of ${s.inputs}, in ${formatSeconds(elapsedMs)}`,
  );
  if (d.errors) {
    const list = (v: readonly number[]) => v.map(formatError).join(", ");
    writeLine(
      io.stdout,
      `errors (RMSE, normalised units): training ${list(d.errors.training)}, validation ${list(d.errors.validation)}`,
    );
  }
  writeLine(io.stdout, `checkpoint: ${checkpoint}`);
}

/** The summary of a classifier's build: its classes, and its errors as log-losses. */
function reportClassifier(
  io: CliIo,
  options: BuildCommandOptions,
  classification: ModelClassification,
  d: ModelDescription,
  kept: readonly string[],
  out: string,
  checkpoint: string,
  elapsedMs: number,
): void {
  const s = d.structure;
  const { classes, label } = classification;
  // The builder records a classifier's log-loss in every entry of its errors.
  const training = d.errors?.training[0];
  const validation = d.errors?.validation[0];
  if (options.json) {
    const json = {
      model: out,
      checkpoint,
      task: "classification",
      classes,
      label,
      weights: d.weights.length,
      inputs: s.inputs,
      hidden: s.hidden,
      links: s.links.length,
      inputsKept: kept,
      errors:
        training === undefined || validation === undefined
          ? null
          : { logLoss: { training: jsonNumber(training), validation: jsonNumber(validation) } },
      elapsedMs,
    };
    writeLine(io.stdout, terminalJson(json));
    return;
  }
  writeLine(
    io.stdout,
    terminalSafe(
      `wrote ${out}: a classifier of ${classCount(classes.length)} (${classList(classes)}), ${plural(d.weights.length, "weight")} (${plural(s.hidden, "hidden neuron")}, ${plural(s.links.length, "link")}), inputs kept ${kept.length} of ${s.inputs}, in ${formatSeconds(elapsedMs)}`,
    ),
  );
  if (training !== undefined && validation !== undefined) {
    writeLine(
      io.stdout,
      `errors (log-loss): training ${formatError(training)}, validation ${formatError(validation)}`,
    );
  }
  writeLine(io.stdout, `checkpoint: ${checkpoint}`);
}

/** Reports a build stopped by Ctrl-C; `written` is the model file holding the best model so far, if any. */
function interrupted(
  io: CliIo,
  options: BuildCommandOptions,
  checkpoint: string,
  last: ProgressEvent | undefined,
  written: string | null,
): number {
  const where = last ? ` after model ${last.modelNumber}` : "";
  writeLine(io.stderr, `Build stopped${where}. The checkpoint ${checkpoint} keeps every accepted model.`);
  if (written !== null) writeLine(io.stderr, `The best model so far is in ${written}.`);
  if (existsSync(checkpoint)) writeLine(io.stderr, `To resume: ${resumeCommand(options, checkpoint)}`);
  else
    writeLine(
      io.stderr,
      "No model was accepted yet, so there is nothing to resume: run the same command again.",
    );
  return ExitCode.interrupted;
}

/** The command line that resumes this build from its checkpoint. */
export function resumeCommand(options: BuildCommandOptions, checkpoint: string): string {
  const args: (string | number | undefined)[][] = [
    ["--x", options.x],
    ["--y", options.y],
    ["--out", options.out],
    ["--checkpoint", checkpoint],
    ["--valid-x", options.validX],
    ["--valid-y", options.validY],
    ["--valid-percentage", options.validPercentage],
    ["--inputs-shifting", options.inputsShifting],
    ["--inputs-scaling", options.inputsScaling],
    ["--outputs-shifting", options.outputsShifting],
    ["--outputs-scaling", options.outputsScaling],
    ["--links-maximum", options.linksMaximum],
    ["--seed", options.seed],
    ["--missing", options.missing === "drop-row" ? options.missing : undefined],
    ["--backend", options.backend === "cpu" ? undefined : options.backend],
  ];
  const parts = ["neureco", "build"];
  for (const [flag, value] of args)
    if (value !== undefined) parts.push(String(flag), shellQuote(String(value)));
  if (options.classify) parts.push("--classify");
  if (options.force) parts.push("--force");
  parts.push("--resume");
  return parts.join(" ");
}

function shellQuote(s: string): string {
  return /^[\w./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The entries whose value is not undefined (build options treat "absent" and "undefined" alike, but stay explicit). */
function definedOnly<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
