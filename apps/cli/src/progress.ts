/**
 * Build progress: a live table redrawn in place on a terminal (log-update),
 * or one plain line per accepted model when stderr is a file or a pipe. A
 * compressor's build also shows each network's code size and hidden neurons.
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
  /** A compressor's network: its codes per row, and its tanh neurons (in the encoder, as many in the decoder). */
  readonly codeSize?: number;
  readonly hiddenNeurons?: number;
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
  readonly codeSize?: number;
  readonly hiddenNeurons?: number;
}

/** Rows of the live table kept on screen (the newest). */
const VISIBLE_ROWS = 12;
const REDRAW_MS = 200;

export interface ProgressOptions {
  /** A compressor's build: every row shows its code size and hidden neurons. */
  readonly codes?: boolean;
  /** What Ctrl-C does, under the live table (default: it keeps the checkpoint). */
  readonly stopHint?: string;
}

export function createProgressReporter(
  io: CliIo,
  title: string,
  options: ProgressOptions = {},
): ProgressReporter {
  const started = Date.now();
  const toRow = (e: ProgressEvent): Row => ({
    // The builder numbers the final refit on all rows -1.
    model: e.modelNumber < 0 ? "final" : String(e.modelNumber),
    phase: e.phase ?? "",
    weights: e.weights,
    training: errorValue(e.trainingError),
    validation: errorValue(e.validationError),
    elapsedMs: e.elapsedMs ?? Date.now() - started,
    ...(e.codeSize !== undefined ? { codeSize: e.codeSize } : {}),
    ...(e.hiddenNeurons !== undefined ? { hiddenNeurons: e.hiddenNeurons } : {}),
  });
  const codes = options.codes === true;
  return io.terminal
    ? liveReporter(
        io.terminal,
        title,
        started,
        toRow,
        codes,
        options.stopHint ?? "Ctrl-C stops and keeps the checkpoint",
      )
    : plainReporter(io, title, toRow, codes);
}

/** "code size 2, 4 hidden neurons, " for a compressor's network, else "". */
function networkText(r: Row, codes: boolean): string {
  if (!codes) return "";
  const hidden = r.hiddenNeurons ?? 0;
  return `code size ${r.codeSize ?? "?"}, ${hidden} hidden neuron${hidden === 1 ? "" : "s"}, `;
}

function plainReporter(
  io: CliIo,
  title: string,
  toRow: (e: ProgressEvent) => Row,
  codes: boolean,
): ProgressReporter {
  writeLine(io.stderr, title);
  return {
    update(event) {
      const r = toRow(event);
      const phase = r.phase ? ` (${r.phase})` : "";
      writeLine(
        io.stderr,
        `model ${r.model}${phase}: ${networkText(r, codes)}${r.weights} weights, training error ${formatError(r.training)}, validation error ${formatError(r.validation)}, ${formatSeconds(r.elapsedMs)}`,
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
  codes: boolean,
  stopHint: string,
): ProgressReporter {
  const log = createLogUpdate(terminal);
  const rows: Row[] = [];
  let best: Row | undefined;
  let outcome: BuildOutcome | undefined;
  const draw = () => {
    const shown = rows.slice(-VISIBLE_ROWS);
    const network = (r: Row) => (codes ? [String(r.codeSize ?? ""), String(r.hiddenNeurons ?? "")] : []);
    const table = formatTable(
      [
        "model",
        "phase",
        ...(codes ? ["codes", "hidden"] : []),
        "weights",
        "training",
        "validation",
        "elapsed",
      ],
      shown.map((r) => [
        r.model,
        r.phase,
        ...network(r),
        String(r.weights),
        formatError(r.training),
        formatError(r.validation),
        formatSeconds(r.elapsedMs),
      ]),
      ["right", "left", ...(codes ? (["right", "right"] as const) : []), "right", "right", "right", "right"],
    );
    const hidden = rows.length - shown.length;
    const bestText = best
      ? ` · best validation ${formatError(best.validation)} (model ${best.model}, ${networkText(best, codes)}${best.weights} weights)`
      : "";
    log(
      [
        title,
        hidden > 0 ? `  … ${hidden} earlier models` : "",
        table.trimEnd(),
        `${formatSeconds(Date.now() - started)}${bestText} · ${outcome ?? stopHint}`,
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
