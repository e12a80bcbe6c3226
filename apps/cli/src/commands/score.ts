/** `neureco score`: RMSE, MAE and R² of the model's predictions, per output. */
import type { BackendName } from "../backend.js";
import { type MissingPolicy, readRowPairs } from "../data.js";
import { type CliIo, ExitCode, writeLine } from "../io.js";
import { type Scores, score } from "../metrics.js";
import { loadModel, matchModelInputs, matchModelOutputs } from "../model.js";
import { formatTable, jsonNumber, terminalJson, terminalSafe } from "../text.js";

export interface ScoreOptions {
  readonly model: string;
  readonly x: string;
  readonly y: string;
  readonly json?: boolean;
  readonly missing?: MissingPolicy;
  readonly backend: BackendName;
}

export async function runScore(options: ScoreOptions, io: CliIo): Promise<number> {
  const model = await loadModel(options.model, options.backend);
  try {
    const [xFile, yFile] = await readRowPairs(options.x, options.y, options.missing ?? "error", io.stderr);
    const x = matchModelInputs(model, xFile, io.stderr);
    const y = matchModelOutputs(model, yFile, "the outputs", io.stderr);
    const scores = score(await model.regressor.evaluate(x.matrix), y.matrix);
    if (options.json) writeLine(io.stdout, terminalJson(scoresJson(scores)));
    else io.stdout.write(scoresText(scores, model.outputNames));
    return ExitCode.ok;
  } finally {
    model.regressor.delete();
  }
}

/** `{"rows", "rmse", "mae", "r2"}`; an undefined R² (constant measured column) is null. */
export function scoresJson(scores: Scores): {
  rows: number;
  rmse: (number | null)[];
  mae: (number | null)[];
  r2: (number | null)[];
} {
  return {
    rows: scores.rows,
    rmse: scores.rmse.map(jsonNumber),
    mae: scores.mae.map(jsonNumber),
    r2: scores.r2.map(jsonNumber),
  };
}

function scoresText(scores: Scores, outputNames: readonly string[]): string {
  const rows = outputNames.map((name, j) => [
    terminalSafe(name),
    fixed(scores.rmse[j]),
    fixed(scores.mae[j]),
    fixed(scores.r2[j]),
  ]);
  return `${scores.rows} rows\n${formatTable(["output", "RMSE", "MAE", "R²"], rows)}`;
}

function fixed(v: number): string {
  return Number.isFinite(v) ? v.toPrecision(6) : "n/a";
}
