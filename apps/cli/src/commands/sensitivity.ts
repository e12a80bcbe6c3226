/**
 * `neureco sensitivity`: how much each input moves each output over the rows
 * of an inputs file (a classifier's outputs: its class probabilities; a
 * compressor's: its codes).
 */
import type { Sensitivity } from "@neureco/tabular";
import type { BackendName } from "../backend.js";
import { readMatrixFile } from "../data.js";
import { type CliIo, ExitCode, writeLine } from "../io.js";
import { closeModel, loadModel, matchModelInputs, modelOf } from "../model.js";
import { formatTable, terminalJson, terminalSafe } from "../text.js";

export interface SensitivityOptions {
  readonly model: string;
  readonly x: string;
  readonly samples?: number;
  readonly seed?: number;
  readonly json?: boolean;
  readonly backend: BackendName;
}

export async function runSensitivity(options: SensitivityOptions, io: CliIo): Promise<number> {
  const model = await loadModel(options.model, options.backend);
  try {
    const x = matchModelInputs(model, await readMatrixFile(options.x), io.stderr);
    const result = await modelOf(model).sensitivity(x.matrix, {
      samples: options.samples,
      seed: options.seed,
    });
    if (options.json) writeLine(io.stdout, terminalJson(result));
    else
      io.stdout.write(
        sensitivityText(result, model.kind === "classifier" ? "p" : model.kind === "compressor" ? "c" : "y"),
      );
    return ExitCode.ok;
  } finally {
    closeModel(model);
  }
}

/**
 * One table per output (a classifier's: per class, of its probability `p`;
 * a compressor's: per code `c`):
 * each input's mean |∂y/∂x| (raw, standardised), its spread and its
 * first-order index.
 */
function sensitivityText(s: Sensitivity, y: "y" | "p" | "c"): string {
  const lines = [
    `${s.rows} rows; first-order indices from ${s.samples} samples (${s.evaluations} evaluations), 95 % intervals`,
  ];
  s.outputNames.forEach((output, o) => {
    const title = { p: "probability of class", c: "code", y: "output" }[y];
    lines.push("", `${title} ${terminalSafe(output)}`);
    const rows = s.inputs.map((i) => [
      terminalSafe(i.input),
      i.meanAbsoluteDerivative[o].toPrecision(4),
      i.meanAbsoluteDerivativeStandardised[o].toPrecision(4),
      i.derivativeSpread[o].toPrecision(4),
      `${i.firstOrderIndex[o].toFixed(3)} ± ${i.firstOrderHalfWidth[o].toFixed(3)}`,
    ]);
    lines.push(
      formatTable(
        ["input", `mean |d${y}/dx|`, "standardised", "spread", "first-order index"],
        rows,
      ).trimEnd(),
    );
  });
  return `${lines.join("\n")}\n`;
}
