/** A build's checkpoint file, read for the CLI: its error curve, and whether its build finished. */
import { type Checkpoint, decodeCheckpoint, EdnnFormatError, readEdnnFile } from "@neureco/tabular";
import { CliError, libraryError } from "./io.js";
import type { ErrorCurve } from "./plot/figure.js";

/** The checkpoint at `path`; every problem is a CliError naming the file. */
export async function readCheckpoint(path: string): Promise<Checkpoint> {
  let bytes: Uint8Array;
  try {
    bytes = await readEdnnFile(path);
  } catch (error) {
    if (error instanceof EdnnFormatError) {
      throw new CliError(error.message, undefined, { cause: error });
    }
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT" ? "no such file" : error instanceof Error ? error.message : String(error);
    throw new CliError(`cannot read checkpoint "${path}": ${reason}`, undefined, { cause: error });
  }
  try {
    return decodeCheckpoint(bytes, path);
  } catch (error) {
    throw libraryError(error);
  }
}

/** Whether the checkpoint records the build of a classifier (its errors are then log-losses). */
export function isClassifierCheckpoint(checkpoint: Checkpoint): boolean {
  return checkpoint.origin?.settings.likelihood === "categorical";
}

/**
 * Training and validation error of every model of the checkpoint: RMS over
 * outputs in normalised units, or a classifier's log-loss.
 */
export async function readErrorCurve(path: string): Promise<ErrorCurve> {
  const checkpoint = await readCheckpoint(path);
  if (checkpoint.models.length === 0) throw new CliError(`${path}: the checkpoint holds no model yet`);
  return {
    modelNumbers: checkpoint.models.map((m) => m.number),
    training: checkpoint.models.map((m) => rms(m.errors.training)),
    validation: checkpoint.models.map((m) => rms(m.errors.validation)),
    // A classifier's errors hold its log-loss in every entry: their RMS is that log-loss.
    measure: isClassifierCheckpoint(checkpoint) ? "log-loss" : "RMSE, normalised units",
    ...(checkpoint.selected === null ? {} : { selected: checkpoint.selected }),
  };
}

/** One error for several outputs: the root mean square of the per-output RMSEs. */
export function rms(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  return Math.sqrt(values.reduce((sum, v) => sum + v * v, 0) / values.length);
}
