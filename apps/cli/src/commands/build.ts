/**
 * `neureco build`: builds a model from CSV files with live progress, keeps a
 * checkpoint, and stops cleanly on Ctrl-C with the command that resumes it.
 */
import { existsSync } from "node:fs";
import {
  type BuildOptions,
  type Checkpoint,
  checkpointModelDescription,
  connectedInputs,
  FileReplaceError,
  MODEL_EXTENSION,
  modelPath,
  Regressor,
  type ScalingMethod,
  type ShiftingMethod,
} from "@neureco/tabular";
import { type BackendName, startBackend } from "../backend.js";
import { readCheckpoint } from "../checkpoint.js";
import { type CsvData, expectColumns, type MissingPolicy, plural, readRowPairs } from "../data.js";
import { CliError, type CliIo, ExitCode, libraryError, UsageError, writeLine } from "../io.js";
import { createProgressReporter, type ProgressEvent } from "../progress.js";
import { formatError, formatSeconds, terminalJson, terminalSafe } from "../text.js";

export interface BuildCommandOptions {
  readonly x: string;
  readonly y: string;
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
  /** Replace --out and --checkpoint even when they are not a model and a checkpoint. */
  readonly force?: boolean;
  readonly backend: BackendName;
  readonly json?: boolean;
}

/** The checkpoint path: `--checkpoint`, else next to the model (`m.ednn` → `m.checkpoint`). */
export function checkpointPathFor(options: Pick<BuildCommandOptions, "out" | "checkpoint">): string {
  return options.checkpoint ?? `${modelPath(options.out).slice(0, -MODEL_EXTENSION.length)}.checkpoint`;
}

export async function runBuild(options: BuildCommandOptions, io: CliIo): Promise<number> {
  if ((options.validX === undefined) !== (options.validY === undefined)) {
    throw new UsageError("--valid-x and --valid-y must be given together");
  }
  const out = modelPath(options.out);
  const checkpoint = checkpointPathFor(options);
  if (options.resume && !existsSync(checkpoint)) {
    throw new CliError(
      `cannot resume: the checkpoint "${checkpoint}" does not exist (run without --resume to start a new build)`,
    );
  }

  if (options.resume) {
    const recorded = await readCheckpoint(checkpoint);
    if (recorded.finished) return finishedBuild(io, options, recorded, out, checkpoint);
  }

  const missing = options.missing ?? "error";
  const [x, y] = await readRowPairs(options.x, options.y, missing, io.stderr);
  let validation: Pick<BuildOptions, "validationInputData" | "validationOutputData"> = {};
  if (options.validX !== undefined && options.validY !== undefined) {
    const [vx, vy] = await readRowPairs(options.validX, options.validY, missing, io.stderr);
    expectColumns(vx, x.matrix.shape[1], `as many as ${x.path}`);
    expectColumns(vy, y.matrix.shape[1], `as many as ${y.path}`);
    validation = { validationInputData: vx.matrix, validationOutputData: vy.matrix };
  }

  const regressor = new Regressor({ backend: await startBackend(options.backend) });
  const title = `${options.resume ? "Resuming" : "Building"} ${out} from ${x.path} (${plural(x.matrix.shape[0], "row")}, ${plural(x.matrix.shape[1], "input")} → ${plural(y.matrix.shape[1], "output")}) on ${options.backend}`;
  const progress = createProgressReporter(io, terminalSafe(title));
  const started = Date.now();
  let lastModel: ProgressEvent | undefined;
  try {
    await regressor.build({
      inputData: x.matrix,
      outputData: y.matrix,
      ...validation,
      ...definedOnly({
        validPercentage: options.validPercentage,
        inputsShifting: options.inputsShifting,
        inputsScaling: options.inputsScaling,
        outputsShifting: options.outputsShifting,
        outputsScaling: options.outputsScaling,
        linksMaximumNumber: options.linksMaximum,
        seed: options.seed,
      }),
      ...columnNames(x, y),
      writeModelTo: out,
      checkpointAddress: checkpoint,
      ...(options.force ? { force: true } : {}),
      ...(options.resume ? { checkpointToStartBuildFrom: checkpoint, startBuildFromModelNumber: -1 } : {}),
      onProgress: (event: ProgressEvent) => {
        lastModel = event;
        progress.update(event);
      },
      signal: io.signal,
    });
  } catch (error) {
    progress.stop(io.signal.aborted ? "stopped" : "failed");
    regressor.delete();
    if (io.signal.aborted) return interrupted(io, options, checkpoint, lastModel, null);
    throw cliError(error);
  }
  progress.stop(io.signal.aborted ? "stopped" : "done");
  // Stopped after a first model, the build resolves with the best model so far (written to `out`).
  if (io.signal.aborted) {
    regressor.delete();
    return interrupted(io, options, checkpoint, lastModel, out);
  }

  try {
    report(io, options, regressor, out, checkpoint, Date.now() - started);
  } finally {
    regressor.delete();
  }
  return ExitCode.ok;
}

/** A library error as the CLI reports it. */
function cliError(error: unknown): CliError {
  if (error instanceof FileReplaceError) {
    return new CliError(
      `refusing to replace "${error.path}": it is ${error.found}, not a neureco ${error.expected} (use --force to replace it anyway)`,
      undefined,
      { cause: error },
    );
  }
  return libraryError(error);
}

/**
 * `--resume` of a build whose checkpoint says it finished: nothing is built
 * again; the model it chose (refitted, when it was) is written to --out
 * unless the file there already holds it. A build killed after its last
 * checkpoint write and before the model's write leaves its model in the
 * checkpoint only, and --out may still hold the best model of an earlier,
 * interrupted run.
 */
async function finishedBuild(
  io: CliIo,
  options: BuildCommandOptions,
  recorded: Checkpoint,
  out: string,
  checkpoint: string,
): Promise<number> {
  const chosen = recorded.final ?? recorded.models.find((m) => m.number === recorded.selected);
  if (!chosen) throw new CliError(`${checkpoint}: the build is finished but records no chosen model`);
  const regressor = Regressor.fromDescription(checkpointModelDescription(recorded, chosen));
  try {
    const held = existsSync(out) && (await holdsModel(out, regressor));
    if (!held) {
      try {
        await regressor.save(out, options.force ? { force: true } : {});
      } catch (error) {
        throw cliError(error);
      }
    }
    writeLine(
      io.stderr,
      `The build in ${checkpoint} had finished: nothing was built again; ${held ? `${out} already holds its model` : `its model was written to ${out}`}.`,
    );
    report(io, options, regressor, out, checkpoint, 0);
  } finally {
    regressor.delete();
  }
  return ExitCode.ok;
}

/** Whether the model file at `path` holds the same structure and weights as `regressor` (false if it cannot be read). */
async function holdsModel(path: string, regressor: Regressor): Promise<boolean> {
  const file = new Regressor();
  try {
    await file.load(path);
  } catch {
    file.delete();
    return false;
  }
  try {
    const a = file.toDescription();
    const b = regressor.toDescription();
    return (
      JSON.stringify(a.structure) === JSON.stringify(b.structure) &&
      a.weights.length === b.weights.length &&
      a.weights.every((w, i) => Object.is(w, b.weights[i]))
    );
  } finally {
    file.delete();
  }
}

/** The CSV headers, recorded in the model as its column names (a file without a header gets col1, col2, …: not kept). */
function columnNames(x: CsvData, y: CsvData): Pick<BuildOptions, "inputNames" | "outputNames"> {
  const fromHeader = (data: CsvData) =>
    data.columns.every((c, j) => c === `col${j + 1}`) ? undefined : [...data.columns];
  const inputNames = fromHeader(x);
  const outputNames = fromHeader(y);
  return { ...(inputNames ? { inputNames } : {}), ...(outputNames ? { outputNames } : {}) };
}

function report(
  io: CliIo,
  options: BuildCommandOptions,
  regressor: Regressor,
  out: string,
  checkpoint: string,
  elapsedMs: number,
): void {
  const d = regressor.toDescription();
  const s = d.structure;
  const names =
    d.inputNames.length === s.inputs ? d.inputNames : Array.from({ length: s.inputs }, (_, j) => `x${j + 1}`);
  const kept = connectedInputs(s).map((j) => names[j]);
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
        ? { training: d.errors.training.map(finiteOrNull), validation: d.errors.validation.map(finiteOrNull) }
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
    ["--backend", options.backend === "cpu" ? undefined : options.backend],
  ];
  const parts = ["neureco", "build"];
  for (const [flag, value] of args)
    if (value !== undefined) parts.push(String(flag), shellQuote(String(value)));
  if (options.force) parts.push("--force");
  parts.push("--resume");
  return parts.join(" ");
}

function shellQuote(s: string): string {
  return /^[\w./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/** The entries whose value is not undefined (build options treat "absent" and "undefined" alike, but stay explicit). */
function definedOnly<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
