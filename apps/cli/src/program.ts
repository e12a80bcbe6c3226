/**
 * The command line: options and help of every command (commander), and the
 * one place where errors become a single line on stderr and an exit code.
 */

import { LIBRARY_VERSION, SCALING_METHODS, SHIFTING_METHODS } from "@neureco/tabular";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { BACKEND_NAMES, type BackendName } from "./backend.js";
import { type BuildCommandOptions, runBuild } from "./commands/build.js";
import {
  type CompressOptions,
  type DecompressOptions,
  runCompress,
  runDecompress,
} from "./commands/compress.js";
import {
  COMPRESSOR_MAPS,
  type ForwardOptions,
  type GradientOptions,
  runForward,
  runGradient,
} from "./commands/derivative.js";
import { type EvaluateOptions, runEvaluate } from "./commands/evaluate.js";
import { EXPORT_FORMATS, type ExportOptions, ONNX_DTYPES, runExport } from "./commands/export.js";
import { type InspectOptions, runInspect } from "./commands/inspect.js";
import { type PlotOptions, runPlot } from "./commands/plot.js";
import { runScore, type ScoreOptions } from "./commands/score.js";
import { runSensitivity, type SensitivityOptions } from "./commands/sensitivity.js";
import { MISSING_POLICIES } from "./data.js";
import { CliError, type CliIo, ExitCode, UsageError, writeLine } from "./io.js";
import { terminalSafe } from "./text.js";

/** Runs the command line `argv` (without `node` and the script); resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = createProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: "user" });
    return exitCode;
  } catch (error) {
    return reportError(error, io, argv.includes("--verbose"));
  }
}

/** One line on stderr (the stack and causes too with --verbose); the exit code for it. */
function reportError(error: unknown, io: CliIo, verbose: boolean): number {
  if (error instanceof CommanderError) {
    // Help and --version end this way too, with code 0; commander already printed its message.
    return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  const message = error instanceof Error ? error.message : String(error);
  // Messages carry names and text read from files: no control character reaches the terminal.
  writeLine(io.stderr, `error: ${terminalSafe(oneLine(message))}`);
  if (verbose) {
    for (let e: unknown = error; e instanceof Error; e = e.cause)
      writeLine(io.stderr, terminalSafe(e.stack ?? String(e), { keepLineBreaks: true }));
  }
  return error instanceof CliError ? error.exitCode : ExitCode.failure;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}

type Action<T> = (options: T, io: CliIo) => Promise<number>;

function createProgram(io: CliIo, setExitCode: (code: number) => void): Command {
  const program = new Command("neureco")
    .description("Build compact neural networks for tabular data and differentiate them, on CSV files.")
    .version(LIBRARY_VERSION, "--version", "print the version")
    .helpOption("--help", "show help")
    .addOption(verboseOption())
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // Commander puts "did you mean" on a second line: keep the error to one.
      outputError: (s, write) => write(`${oneLine(s)}\n`),
    })
    .exitOverride()
    .showSuggestionAfterError(true)
    .addHelpText(
      "after",
      `
CSV files are read with their header row (separator ';', ',' or tab); results are
written with ';' and a header. Every command has --help. Exit codes: 0 success,
1 failure, 2 wrong command line, 130 stopped with Ctrl-C.
`,
    );
  // Each command's action resolves to its exit code; commander only awaits it.
  const run =
    <T>(action: Action<T>) =>
    async (options: T, command: Command) => {
      checkRequired(command);
      setExitCode(await action(options, io));
    };

  program
    .command("build")
    .description(
      "build a model from inputs X and outputs Y (numbers, or class labels for a classifier), or with --compress a compressor of the columns of X, with live progress; Ctrl-C stops and keeps the checkpoint",
    )
    .addOption(
      required("--x <file>", "inputs, one column per input (with --compress: the columns to compress)"),
    )
    .option(
      "--y <file>",
      "outputs, one column per output, one row per row of --x; or one column of class labels (required, except with --compress)",
    )
    .addOption(required("--out <file>", "where to write the model (.ednn added when missing)"))
    .option(
      "--checkpoint <file>",
      "where to keep every accepted model of the build (default: next to --out, .checkpoint)",
    )
    .option("--valid-x <file>", "validation inputs (with --valid-y; default: rows chosen from --x)")
    .option("--valid-y <file>", "validation outputs (class labels for a classifier)")
    .option(
      "--valid-percentage <p>",
      "share of rows held out for validation, 1 to 50 (default 33.33)",
      numberIn(1, 50),
    )
    .addOption(
      choiceOption("--inputs-shifting <method>", "shift of the inputs (default auto)", SHIFTING_METHODS),
    )
    .addOption(
      choiceOption("--inputs-scaling <method>", "scale of the inputs (default auto)", SCALING_METHODS),
    )
    .addOption(
      choiceOption(
        "--outputs-shifting <method>",
        "shift of the outputs (default auto; not for a classifier)",
        SHIFTING_METHODS,
      ),
    )
    .addOption(
      choiceOption(
        "--outputs-scaling <method>",
        "scale of the outputs (default auto; not for a classifier)",
        SCALING_METHODS,
      ),
    )
    .option(
      "--classify",
      "read --y and --valid-y as class labels (text) and build a classifier; without it, a --y of one column with no number in it is read so too",
    )
    .option(
      "--compress",
      "build a compressor (an autoencoder) of the columns of --x, without --y: neureco compress turns rows into a few codes, neureco decompress codes back into rows",
    )
    .option(
      "--code-size <n>",
      "a compressor's number of codes per row, 1 to the columns of --x less one (default: chosen from the data)",
      integerFrom(1),
    )
    .option(
      "--links-maximum <n>",
      "most links the network may keep (0 = no cap, the default)",
      integerFrom(0),
    )
    .option(
      "--seed <n>",
      "seed of the build's random choices: the same seed gives the same model",
      integerFrom(0),
    )
    .addOption(missingOption())
    .option("--resume", "continue the build from the last model of the checkpoint")
    .option(
      "--force",
      "replace --out and --checkpoint even when the files there are not a model and a checkpoint",
    )
    .addOption(backendOption())
    .addOption(jsonOption("print a summary of the model as JSON"))
    .addOption(verboseOption())
    .addHelpText(
      "after",
      "\nExamples:\n  neureco build --x x_train.csv --y y_train.csv --out model.ednn --seed 1\n  neureco build --x x_train.csv --y labels_train.csv --out classifier.ednn --classify\n  neureco build --x x_train.csv --out compressor.ednn --compress\n\nWith --compress, --y, --valid-y, --classify, --outputs-shifting, --outputs-scaling,\n--links-maximum, --checkpoint and --resume do not apply and are refused.\n",
    )
    .action(run<BuildCommandOptions>(runBuild));

  program
    .command("evaluate")
    .description(
      "predict the outputs for the rows of X (CSV with a header, to --out or stdout); a classifier's: the predicted label and each class's probability (p_<class>); a compressor's: the rows reconstructed from their codes",
    )
    .addOption(required("--model <file>", "model file (.ednn may be left out)"))
    .addOption(required("--x <file>", "inputs, one column per model input"))
    .option("--out <file>", "where to write the predictions (default: stdout)")
    .option(
      "--uncertainty",
      "follow each output's column with its predictive standard deviation, <output>_sd (noise plus the weights' posterior uncertainty; regressors only)",
    )
    .addOption(backendOption())
    .addOption(verboseOption())
    .addHelpText(
      "after",
      "\nExamples:\n  neureco evaluate --model model.ednn --x x_test.csv --out y_pred.csv\n  neureco evaluate --model model.ednn --x x_test.csv --uncertainty\n",
    )
    .action(run<EvaluateOptions>(runEvaluate));

  program
    .command("compress")
    .description(
      "a compressor's codes of the rows of X (columns code1…codeC, to --out or stdout); build one with neureco build --compress",
    )
    .addOption(required("--model <file>", "compressor model file (.ednn may be left out)"))
    .addOption(required("--x <file>", "rows to compress, one column per model input"))
    .option("--out <file>", "where to write the codes (default: stdout)")
    .addOption(backendOption())
    .addOption(verboseOption())
    .addHelpText(
      "after",
      "\nExample:\n  neureco compress --model compressor.ednn --x x.csv --out codes.csv\n",
    )
    .action(run<CompressOptions>(runCompress));

  program
    .command("decompress")
    .description(
      "the rows a compressor's codes stand for (columns named as the model's inputs, to --out or stdout)",
    )
    .addOption(required("--model <file>", "compressor model file (.ednn may be left out)"))
    .addOption(
      required(
        "--codes <file>",
        "codes, one column per code: matched by name when named code1…codeC (as compress writes them), else by position",
      ),
    )
    .option("--out <file>", "where to write the rows (default: stdout)")
    .addOption(backendOption())
    .addOption(verboseOption())
    .addHelpText(
      "after",
      "\nExample:\n  neureco decompress --model compressor.ednn --codes codes.csv --out x_reconstructed.csv\n",
    )
    .action(run<DecompressOptions>(runDecompress));

  program
    .command("sensitivity")
    .description(
      "how much each input moves each output over the rows of X: mean |dy/dx| (raw and standardised), its spread, first-order Sobol' indices (a classifier's: of its class probabilities; a compressor's: of its codes)",
    )
    .addOption(required("--model <file>", "model file (.ednn may be left out)"))
    .addOption(required("--x <file>", "inputs, one column per model input (at least 2 rows)"))
    .addOption(
      new Option("--samples <n>", "rows of each sample matrix of the first-order indices (at least 16)")
        .argParser(numberIn(16, 1e7))
        .default(4096),
    )
    .addOption(new Option("--seed <n>", "seed of the samples").argParser(numberIn(0, 2 ** 32 - 1)).default(0))
    .addOption(jsonOption("print the result as JSON"))
    .addOption(backendOption())
    .addOption(verboseOption())
    .addHelpText("after", "\nExample:\n  neureco sensitivity --model model.ednn --x x_train.csv\n")
    .action(run<SensitivityOptions>(runSensitivity));

  program
    .command("score")
    .description(
      "RMSE, MAE and R² of the model's predictions for X against Y, per output; for a classifier, accuracy, balanced accuracy, log-loss, calibration error and confusion matrix against the labels of Y; for a compressor (no Y), the RMSE of its reconstruction of X per column and over all columns",
    )
    .addOption(required("--model <file>", "model file (.ednn may be left out)"))
    .addOption(required("--x <file>", "inputs, one column per model input"))
    .option(
      "--y <file>",
      "measured outputs (or class labels), one row per row of --x (required, except for a compressor, which refuses it)",
    )
    .addOption(missingOption())
    .addOption(
      jsonOption(
        'print {"rows": n, "rmse": [...], "mae": [...], "r2": [...]} (a classifier: rows, classes, accuracy, balancedAccuracy, logLoss, calibrationError, confusion, reliability; a compressor: rows, columns, rmse, normalizedRmse)',
      ),
    )
    .addOption(backendOption())
    .addOption(verboseOption())
    .addHelpText(
      "after",
      "\nExamples:\n  neureco score --model model.ednn --x x_test.csv --y y_test.csv --json\n  neureco score --model compressor.ednn --x x_test.csv\n",
    )
    .action(run<ScoreOptions>(runScore));

  program
    .command("inspect")
    .description(
      "show a model: regressor, classifier (and its classes) or compressor (and its code size, encoder and decoder), inputs (and those kept), outputs, neurons, links, weights, normalisation, build errors",
    )
    .addOption(required("--model <file>", "model file (.ednn may be left out)"))
    .addOption(jsonOption("print the same as a JSON object"))
    .addOption(verboseOption())
    .action(run<InspectOptions>(runInspect));

  program
    .command("export")
    .description(
      "write a regressor (not a classifier or a compressor) in a form that runs without neureco: C99 (a .c file and its .h, needing only math.h) or ONNX (for ONNX Runtime)",
    )
    .addOption(required("--model <file>", "model file (.ednn may be left out)"))
    .addOption(
      choiceOption("--format <format>", "what to write (required)", EXPORT_FORMATS).makeOptionMandatory(),
    )
    .addOption(
      required(
        "--out <file>",
        "the file to write (.c or .onnx may be left out); a C header goes beside it, the C functions are named after it",
      ),
    )
    .addOption(choiceOption("--dtype <type>", "element type of an ONNX graph (default float32)", ONNX_DTYPES))
    .addOption(verboseOption())
    .action(run<ExportOptions>(runExport));

  const derivative = program
    .command("derivative")
    .description(
      "derivatives of the model (a classifier: of its class probabilities, or with --logits of its logits; a compressor: of the map --map names) w.r.t. its weights and inputs (forward or reverse mode)",
    );
  derivative
    .command("forward")
    .description("forward mode: dy_i = J_w(x_i)·dw + J_x(x_i)·dx_i for each row i of X")
    .addOption(required("--model <file>", "model file (.ednn may be left out)"))
    .addOption(required("--x <file>", "inputs (n rows, one column per model input)"))
    .addOption(required("--dw <file>", "direction in weight space: one column, one row per weight"))
    .option("--dx <file>", "direction in input space, same shape as --x (default: none)")
    .option("--w <file>", "weights to differentiate at, one column (default: the model's)")
    .option("--out <file>", "where to write dy, one column per output (default: stdout)")
    .addOption(mapOption())
    .addOption(logitsOption())
    .addOption(backendOption())
    .addOption(verboseOption())
    .action(run<ForwardOptions>(runForward));
  derivative
    .command("gradient")
    .description("reverse mode: dw = Σ_i J_w(x_i)ᵀ·py_i and dx_i = J_x(x_i)ᵀ·py_i")
    .addOption(required("--model <file>", "model file (.ednn may be left out)"))
    .addOption(required("--x <file>", "inputs (n rows, one column per model input)"))
    .addOption(
      required(
        "--py <file>",
        "output cotangents: n rows, one column per model output (a classifier: per class, p_<class>; with --logits per logit, logit_<class>)",
      ),
    )
    .option("--w <file>", "weights to differentiate at, one column (default: the model's)")
    .addOption(required("--out-dw <file>", "where to write dw (one column, one row per weight)"))
    .addOption(required("--out-dx <file>", "where to write dx (same shape as --x)"))
    .addOption(mapOption())
    .addOption(logitsOption())
    .addOption(backendOption())
    .addOption(verboseOption())
    .action(run<GradientOptions>(runGradient));

  program
    .command("plot")
    .description(
      "SVG parity plot (predicted against measured) or, for a classifier, confusion matrix and reliability diagram (not for a compressor); with --checkpoint the build's error curve, with --sensitivity the inputs' first-order indices (per output, or per class probability)",
    )
    .addOption(required("--model <file>", "model file (.ednn may be left out)"))
    .addOption(required("--x <file>", "inputs, one column per model input"))
    .addOption(required("--y <file>", "measured outputs (or class labels), one row per row of --x"))
    .addOption(missingOption())
    .addOption(required("--out <file>", "where to write the SVG"))
    .option("--checkpoint <file>", "checkpoint of the build, for the error curve")
    .option(
      "--sensitivity",
      "add the inputs' first-order Sobol' indices over the rows of X, one panel per output (a classifier: per class probability)",
    )
    .addOption(backendOption())
    .addOption(verboseOption())
    .action(run<PlotOptions>(runPlot));

  return program;
}

/**
 * Options a command cannot run without. Checked here rather than with
 * commander's requiredOption, which reports a missing option before an
 * unknown one: a typo (--xx for --x) would read "--x not specified".
 */
const REQUIRED = new WeakSet<Option>();

function required(flags: string, description: string): Option {
  const option = new Option(flags, `${description} (required)`);
  REQUIRED.add(option);
  return option;
}

function checkRequired(command: Command): void {
  for (const option of command.options) {
    if (REQUIRED.has(option) && command.getOptionValue(option.attributeName()) === undefined) {
      throw new UsageError(`required option '${option.flags}' not specified`);
    }
  }
}

function mapOption(): Option {
  return choiceOption(
    "--map <map>",
    "a compressor's map to differentiate: evaluate (the reconstruction, default), compress (the codes) or decompress (--x and --dx then hold codes; the outputs are the columns); compressors only",
    COMPRESSOR_MAPS,
  );
}

function logitsOption(): Option {
  return new Option(
    "--logits",
    "differentiate a classifier's logits (of every class but the first against the first, logit_<class>) instead of its class probabilities; classifiers only",
  );
}

function backendOption(): Option {
  return new Option("--backend <name>", "where the model runs")
    .choices(BACKEND_NAMES)
    .default("cpu" satisfies BackendName);
}

function missingOption(): Option {
  return new Option(
    "--missing <policy>",
    "rows with an empty or NA cell (or label): stop with an error, or skip them",
  )
    .choices(MISSING_POLICIES)
    .default("error");
}

function jsonOption(description: string): Option {
  return new Option("--json", description);
}

function verboseOption(): Option {
  return new Option("--verbose", "on error, print the stack trace too");
}

function choiceOption(flags: string, description: string, choices: readonly string[]): Option {
  return new Option(flags, description).choices(choices);
}

function numberIn(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected a number from ${min} to ${max}.`);
    }
    return n;
  };
}

function integerFrom(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min) {
      throw new InvalidArgumentError(`expected a whole number ≥ ${min}.`);
    }
    return n;
  };
}
