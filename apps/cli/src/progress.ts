/**
 * Build progress: a live table redrawn in place on a terminal (log-update),
 * or one plain line per accepted model when stderr is a file or a pipe.
 */
import { createLogUpdate } from "log-update";
import { rms } from "./checkpoint.js";
import { type CliIo, writeLine } from "./io.js";
import { formatError, formatSeconds, formatTable } from "./text.js";

/** What the builder reports after each accepted model (errors: one RMSE, or one per output). */
export interface ProgressEvent {
  readonly modelNumber: number;
  readonly weights: number;
  readonly trainingError: number | readonly number[];
  readonly validationError: number | readonly number[];
  readonly elapsedMs?: number;
  readonly phase?: string;
}

export type BuildOutcome = "done" | "stopped" | "failed";

export interface ProgressReporter {
  update(event: ProgressEvent): void;
  /** Leaves the last frame on screen (saying how the build ended) and stops the clock. */
  stop(outcome: BuildOutcome): void;
}

interface Row {
  readonly model: string;
  readonly phase: string;
  readonly weights: number;
  readonly training: number;
  readonly validation: number;
  readonly elapsedMs: number;
}

/** Rows of the live table kept on screen (the newest). */
const VISIBLE_ROWS = 12;
const REDRAW_MS = 200;

export function createProgressReporter(io: CliIo, title: string): ProgressReporter {
  const started = Date.now();
  const toRow = (e: ProgressEvent): Row => ({
    // The builder numbers the final refit on all rows -1.
    model: e.modelNumber < 0 ? "final" : String(e.modelNumber),
    phase: e.phase ?? "",
    weights: e.weights,
    training: errorValue(e.trainingError),
    validation: errorValue(e.validationError),
    elapsedMs: e.elapsedMs ?? Date.now() - started,
  });
  return io.terminal ? liveReporter(io.terminal, title, started, toRow) : plainReporter(io, title, toRow);
}

function plainReporter(io: CliIo, title: string, toRow: (e: ProgressEvent) => Row): ProgressReporter {
  writeLine(io.stderr, title);
  return {
    update(event) {
      const r = toRow(event);
      const phase = r.phase ? ` (${r.phase})` : "";
      writeLine(
        io.stderr,
        `model ${r.model}${phase}: ${r.weights} weights, training error ${formatError(r.training)}, validation error ${formatError(r.validation)}, ${formatSeconds(r.elapsedMs)}`,
      );
    },
    stop() {},
  };
}

function liveReporter(
  terminal: NodeJS.WriteStream,
  title: string,
  started: number,
  toRow: (e: ProgressEvent) => Row,
): ProgressReporter {
  const log = createLogUpdate(terminal);
  const rows: Row[] = [];
  let best: Row | undefined;
  let outcome: BuildOutcome | undefined;
  const draw = () => {
    const shown = rows.slice(-VISIBLE_ROWS);
    const table = formatTable(
      ["model", "phase", "weights", "training", "validation", "elapsed"],
      shown.map((r) => [
        r.model,
        r.phase,
        String(r.weights),
        formatError(r.training),
        formatError(r.validation),
        formatSeconds(r.elapsedMs),
      ]),
      ["right", "left", "right", "right", "right", "right"],
    );
    const hidden = rows.length - shown.length;
    const bestText = best
      ? ` · best validation ${formatError(best.validation)} (model ${best.model}, ${best.weights} weights)`
      : "";
    log(
      [
        title,
        hidden > 0 ? `  … ${hidden} earlier models` : "",
        table.trimEnd(),
        `${formatSeconds(Date.now() - started)}${bestText} · ${outcome ?? "Ctrl-C stops and keeps the checkpoint"}`,
      ]
        .filter((line) => line !== "")
        .join("\n"),
    );
  };
  // Keeps the clock moving between models (while the event loop gets a turn).
  const timer = setInterval(draw, REDRAW_MS);
  timer.unref();
  draw();
  return {
    update(event) {
      const row = toRow(event);
      rows.push(row);
      if (Number.isFinite(row.validation) && (!best || row.validation < best.validation)) best = row;
      draw();
    },
    stop(how) {
      clearInterval(timer);
      outcome = how;
      draw();
      log.done();
    },
  };
}

function errorValue(v: number | readonly number[]): number {
  return typeof v === "number" ? v : rms(v);
}
