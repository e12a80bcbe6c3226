/**
 * `neureco build --compress`: builds a compressor (an autoencoder) of the
 * columns of --x alone, with live progress (each network's code size,
 * hidden neurons, weights and reconstruction errors), and reports the code
 * size chosen. A compressor's build keeps no checkpoint: Ctrl-C stops it
 * with the best network found so far written to --out.
 */
import {
  Compressor,
  type CompressorBuildOptions,
  type CompressorHistory,
  type CompressorProgress,
  modelPath,
} from "@neureco/tabular";
import { startBackend } from "../backend.js";
import { type CsvData, expectColumns, plural, readRows } from "../data.js";
import { CliError, type CliIo, ExitCode, UsageError, writeLine } from "../io.js";
import { modelWriteError } from "../model.js";
import { createProgressReporter, type ProgressEvent } from "../progress.js";
import { formatError, formatSeconds, jsonNumber, terminalJson, terminalSafe } from "../text.js";
import type { BuildCommandOptions } from "./build.js";

/** The build options that do not apply to a compressor, with why (the library refuses their API options alike). */
const NOT_WITH_COMPRESS: readonly (readonly [
  flag: string,
  given: (o: BuildCommandOptions) => boolean,
  why: string,
])[] = [
  [
    "--y",
    (o) => o.y !== undefined,
    "a compressor is built from the columns of --x alone (its outputs are its inputs)",
  ],
  ["--valid-y", (o) => o.validY !== undefined, "a compressor's validation rows are --valid-x alone"],
  [
    "--classify",
    (o) => o.classify === true,
    "--classify builds a classifier of the labels of --y, --compress a compressor of the columns of --x",
  ],
  [
    "--outputs-shifting",
    (o) => o.outputsShifting !== undefined,
    "a compressor's outputs are its inputs, normalised as --inputs-shifting says",
  ],
  [
    "--outputs-scaling",
    (o) => o.outputsScaling !== undefined,
    "a compressor's outputs are its inputs, normalised as --inputs-scaling says",
  ],
  ["--links-maximum", (o) => o.linksMaximum !== undefined, "a compressor's networks are dense"],
  [
    "--checkpoint",
    (o) => o.checkpoint !== undefined,
    "a compressor's build keeps no checkpoint (Ctrl-C keeps the best network so far in --out)",
  ],
  ["--resume", (o) => o.resume === true, "a compressor's build keeps no checkpoint to resume from"],
];

/** Refuses, with exit code 2, the first option given that does not apply to a compressor's build. */
function refuseOptions(options: BuildCommandOptions): void {
  for (const [flag, given, why] of NOT_WITH_COMPRESS) {
    if (given(options)) throw new UsageError(`${flag} does not apply with --compress: ${why}`);
  }
}

/** A compressor needs two columns at least, and has 1 to m − 1 codes of m columns. */
function checkShape(codeSize: number | undefined, x: CsvData): void {
  const m = x.matrix.shape[1];
  if (m < 2) {
    throw new CliError(
      `${x.path}: ${plural(m, "column")}; a compressor needs at least 2 (it codes each row in fewer numbers than its columns)`,
    );
  }
  if (codeSize !== undefined && codeSize >= m) {
    throw new CliError(
      `--code-size ${codeSize}: a compressor of the ${m} columns of ${x.path} has from 1 to ${m - 1} code${m - 1 === 1 ? "" : "s"} (fewer than its columns)`,
    );
  }
}

/** The library's messages name its options; on the command line they are flags. */
function withFlags(error: CliError): CliError {
  const message = error.message.replace(/\bcompressionSize\b/g, "--code-size");
  return message === error.message ? error : new CliError(message, error.exitCode, { cause: error.cause });
}

export async function runCompressorBuild(options: BuildCommandOptions, io: CliIo): Promise<number> {
  refuseOptions(options);
  const out = modelPath(options.out);
  const missing = options.missing ?? "error";
  const x = await readRows(options.x, missing, io.stderr);
  let validation: Pick<CompressorBuildOptions, "validationInputData"> = {};
  if (options.validX !== undefined) {
    const vx = await readRows(options.validX, missing, io.stderr);
    expectColumns(vx, x.matrix.shape[1], `as many as ${x.path}`);
    validation = { validationInputData: vx.matrix };
  }
  checkShape(options.codeSize, x);
  const inputNames = x.columns.every((c, j) => c === `col${j + 1}`) ? undefined : [...x.columns];

  const compressor = new Compressor({ backend: await startBackend(options.backend) });
  const codes =
    options.codeSize === undefined ? "code size chosen from the data" : plural(options.codeSize, "code");
  const title = `Building ${out} from ${x.path} (${plural(x.matrix.shape[0], "row")}, ${plural(x.matrix.shape[1], "column")} → ${codes}) on ${options.backend}`;
  const progress = createProgressReporter(io, terminalSafe(title), {
    codes: true,
    stopHint: "Ctrl-C stops and keeps the best network so far",
  });
  const started = Date.now();
  let trained = 0;
  let history: CompressorHistory;
  try {
    history = await compressor.build({
      inputData: x.matrix,
      ...validation,
      ...definedOnly({
        validPercentage: options.validPercentage,
        inputsShifting: options.inputsShifting,
        inputsScaling: options.inputsScaling,
        seed: options.seed,
        compressionSize: options.codeSize,
      }),
      ...(inputNames ? { inputNames } : {}),
      writeModelTo: out,
      ...(options.force ? { force: true } : {}),
      signal: io.signal,
      onProgress: (p) => progress.update(progressEvent(p, p.phase === "final" ? -1 : trained++)),
    });
  } catch (error) {
    progress.stop(io.signal.aborted ? "stopped" : "failed");
    compressor.delete();
    if (io.signal.aborted) {
      // Stopped before a first network, or during the final refit on all rows: no model is written then.
      const where = trained > 0 ? ` after model ${trained - 1}` : "";
      writeLine(
        io.stderr,
        `Build stopped${where}: no model was written to ${out}; run the same command again to build it.`,
      );
      return ExitCode.interrupted;
    }
    throw withFlags(modelWriteError(error));
  }
  progress.stop(history.aborted ? "stopped" : "done");
  try {
    if (history.aborted) {
      writeLine(
        io.stderr,
        `Build stopped after model ${history.models.length - 1}. The best network so far (code size ${history.codeSize}) is in ${out}; a compressor's build keeps no checkpoint: run the same command again to build it in full.`,
      );
      return ExitCode.interrupted;
    }
    report(io, options, compressor, history, out, Date.now() - started);
    return ExitCode.ok;
  } finally {
    compressor.delete();
  }
}

function progressEvent(p: CompressorProgress, modelNumber: number): ProgressEvent {
  return {
    modelNumber,
    phase: p.phase,
    codeSize: p.codeSize,
    hiddenNeurons: p.hiddenNeurons,
    weights: p.weights,
    trainingError: p.trainingError,
    validationError: p.validationError,
    elapsedMs: p.elapsedMs,
  };
}

/** For each code size tried, the lowest validation error of its networks, in the order tried. */
function bestByCodeSize(history: CompressorHistory): [codeSize: number, validation: number][] {
  const best = new Map<number, number>();
  for (const m of history.models) {
    const seen = best.get(m.codeSize);
    if (seen === undefined || m.validationError < seen) best.set(m.codeSize, m.validationError);
  }
  return [...best];
}

function report(
  io: CliIo,
  options: BuildCommandOptions,
  compressor: Compressor,
  history: CompressorHistory,
  out: string,
  elapsedMs: number,
): void {
  const info = compressor.info();
  const selected = history.models[history.selectedModel];
  const training = history.final?.trainingError ?? selected?.trainingError;
  const validation = selected?.validationError;
  const given = options.codeSize !== undefined;
  const tried = bestByCodeSize(history);
  if (options.json) {
    const json = {
      model: out,
      task: "compression",
      inputs: info.inputs,
      codeSize: info.codeSize,
      codeSizeGiven: given,
      validationByCodeSize: tried.map(([codeSize, error]) => ({ codeSize, error: jsonNumber(error) })),
      hidden: info.hiddenNeurons,
      weights: info.weights,
      encoderWeights: info.encoderWeights,
      decoderWeights: info.decoderWeights,
      networks: history.models.length,
      errors:
        training === undefined || validation === undefined
          ? null
          : { training: jsonNumber(training), validation: jsonNumber(validation) },
      elapsedMs,
    };
    writeLine(io.stdout, terminalJson(json));
    return;
  }
  writeLine(
    io.stdout,
    terminalSafe(
      `wrote ${out}: a compressor of ${plural(info.inputs, "column")} to ${plural(info.codeSize, "code")}, ${plural(info.hiddenNeurons, "hidden neuron")} in the encoder and in the decoder, ${plural(info.weights, "weight")} (encoder ${info.encoderWeights}, decoder ${info.decoderWeights}), in ${formatSeconds(elapsedMs)}`,
    ),
  );
  const why = given
    ? "as --code-size asked"
    : `chosen from the data (lowest validation error per code size tried: ${tried.map(([c, e]) => `${c} → ${formatError(e)}`).join(", ")})`;
  writeLine(io.stdout, `code size: ${info.codeSize}, ${why}`);
  if (training !== undefined && validation !== undefined) {
    writeLine(
      io.stdout,
      `errors (reconstruction RMSE over all columns, normalised units): training ${formatError(training)}, validation ${formatError(validation)}`,
    );
  }
}

/** The entries whose value is not undefined. */
function definedOnly<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
