/**
 * What a command may touch of the outside world, passed in so that commands
 * run the same under the real process and under test.
 */

/** A text stream: `process.stdout` / `process.stderr` or any stand-in. */
export interface TextOutput {
  write(text: string): unknown;
  /** True when the stream is a terminal (live progress is drawn only there). */
  readonly isTTY?: boolean;
  /** Terminal width in characters, when known. */
  readonly columns?: number;
}

export interface CliIo {
  readonly stdout: TextOutput;
  readonly stderr: TextOutput;
  /** The terminal to draw live progress on (stderr when it is a TTY); plain lines on stderr otherwise. */
  readonly terminal?: NodeJS.WriteStream;
  /** Aborted when the user asks to stop (Ctrl-C); long commands (build) watch it. */
  readonly signal: AbortSignal;
}

/** Exit codes of the binary. */
export const ExitCode = {
  ok: 0,
  /** The command ran and failed: a missing file, a bad cell, shapes that do not match. */
  failure: 1,
  /** The command line itself is wrong: unknown option, missing or invalid option value. */
  usage: 2,
  /** Stopped by the user (128 + SIGINT, as shells report it). */
  interrupted: 130,
} as const;

/**
 * A problem to report to the user as one line, without a stack trace (the
 * stack is shown with --verbose only, as for every other error).
 */
export class CliError extends Error {
  override readonly name = "CliError";
  readonly exitCode: number;

  constructor(message: string, exitCode: number = ExitCode.failure, options?: ErrorOptions) {
    super(message, options);
    this.exitCode = exitCode;
  }
}

/**
 * A library error as the CLI reports it: the library's own message, which
 * names the file and what is wrong (a write's reads `cannot write "<path>":
 * <why>`), kept as the cause.
 */
export function libraryError(error: unknown): CliError {
  return new CliError(error instanceof Error ? error.message : String(error), undefined, { cause: error });
}

/** An error in the command line (exit code 2). */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.usage);
  }
}

/** Writes one line. */
export function writeLine(out: TextOutput, line = ""): void {
  out.write(`${line}\n`);
}
