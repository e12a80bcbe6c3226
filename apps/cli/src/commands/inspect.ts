/** `neureco inspect`: what a model file holds (a regressor, a classifier or a compressor), as text or as JSON. */
import { connectedInputs, type ModelDescription } from "@neureco/tabular";
import { plural } from "../data.js";
import { type CliIo, ExitCode, writeLine } from "../io.js";
import { classCount, classList } from "../labels.js";
import { closeModel, type LoadedClassifier, type LoadedRegressor, loadModel } from "../model.js";
import {
  formatError,
  formatTable,
  indent,
  jsonNumber,
  terminalJson,
  terminalSafe,
  weightsTable,
} from "../text.js";
import { compressorReport, compressorText, safeCompressorNames } from "./inspect-compressor.js";

export interface InspectOptions {
  readonly model: string;
  readonly json?: boolean;
}

/** The `--json` output. Neurons are numbered as in the model file: inputs, then hidden, then outputs. */
export interface ModelReport {
  readonly model: string;
  /** What the model predicts: numbers ("regression") or classes ("classification"). */
  readonly task: "regression" | "classification";
  /** A classifier's class names, in the order of its probabilities (absent for a regressor). */
  readonly classes?: readonly string[];
  /** A classifier's label column name ("" when unknown; absent for a regressor). */
  readonly label?: string;
  readonly inputs: readonly string[];
  /**
   * The network's outputs: a regressor's output names; for a classifier the
   * logits of classes 2 … k against the first (`logit <class>`), which a
   * softmax turns into the k probabilities.
   */
  readonly outputs: readonly string[];
  /** Inputs with at least one link; the others were disconnected by the builder. */
  readonly inputsKept: readonly string[];
  readonly neurons: { readonly inputs: number; readonly hidden: number; readonly outputs: number };
  /** [from, to] neuron numbers. */
  readonly links: readonly (readonly [number, number])[];
  readonly weightCount: number;
  /** One per link (in `links` order), then one bias per hidden neuron, then one per output. */
  readonly weights: readonly number[];
  /** What each weight is, e.g. "carbon → h1", "bias h1". */
  readonly weightLabels: readonly string[];
  readonly normalization: {
    readonly inputs: { readonly shift: readonly number[]; readonly scale: readonly number[] };
    readonly outputs: { readonly shift: readonly number[]; readonly scale: readonly number[] };
  };
  /** RMSE per output (normalised units; a classifier's log-loss, in every entry) recorded when the model was built, or null. */
  readonly errors: { readonly training: (number | null)[]; readonly validation: (number | null)[] } | null;
}

export async function runInspect(options: InspectOptions, io: CliIo): Promise<number> {
  const model = await loadModel(options.model, "cpu");
  try {
    if (model.kind === "compressor") {
      const report = compressorReport(model);
      if (options.json) writeLine(io.stdout, terminalJson(report, 2));
      else io.stdout.write(compressorText(safeCompressorNames(report)));
      return ExitCode.ok;
    }
    const report = modelReport(model);
    if (options.json) writeLine(io.stdout, terminalJson(report, 2));
    else io.stdout.write(reportText(safeNames(report)));
    return ExitCode.ok;
  } finally {
    closeModel(model);
  }
}

export function modelReport(model: LoadedRegressor | LoadedClassifier): ModelReport {
  const d: ModelDescription = model.description;
  const s = d.structure;
  const outputNames =
    model.kind === "regressor" ? model.outputNames : model.classes.slice(1).map((c) => `logit ${c}`);
  const neuronName = (k: number) =>
    k < s.inputs
      ? model.inputNames[k]
      : k < s.inputs + s.hidden
        ? `h${k - s.inputs + 1}`
        : outputNames[k - s.inputs - s.hidden];
  const weightLabels = [
    ...s.links.map(([from, to]) => `${neuronName(from)} → ${neuronName(to)}`),
    ...Array.from({ length: s.hidden }, (_, h) => `bias h${h + 1}`),
    ...outputNames.map((name) => `bias ${name}`),
  ];
  return {
    model: model.path,
    ...(model.kind === "regressor"
      ? { task: "regression" as const }
      : { task: "classification" as const, classes: model.classes, label: model.labelName }),
    inputs: model.inputNames,
    outputs: outputNames,
    inputsKept: connectedInputs(s).map((k) => model.inputNames[k]),
    neurons: { inputs: s.inputs, hidden: s.hidden, outputs: s.outputs },
    links: s.links.map(([from, to]) => [from, to] as const),
    weightCount: d.weights.length,
    weights: Array.from(d.weights),
    weightLabels,
    normalization: {
      inputs: {
        shift: Array.from(d.inputNormalization.shift),
        scale: Array.from(d.inputNormalization.scale),
      },
      outputs: {
        shift: Array.from(d.outputNormalization.shift),
        scale: Array.from(d.outputNormalization.scale),
      },
    },
    errors: d.errors
      ? { training: d.errors.training.map(jsonNumber), validation: d.errors.validation.map(jsonNumber) }
      : null,
  };
}

/** The report with every name and label escaped for a terminal (names come from the model file). */
function safeNames(r: ModelReport): ModelReport {
  const safe = (names: readonly string[]) => names.map((name) => terminalSafe(name));
  return {
    ...r,
    model: terminalSafe(r.model),
    ...(r.classes ? { classes: safe(r.classes) } : {}),
    ...(r.label !== undefined ? { label: terminalSafe(r.label) } : {}),
    inputs: safe(r.inputs),
    outputs: safe(r.outputs),
    inputsKept: safe(r.inputsKept),
    weightLabels: safe(r.weightLabels),
  };
}

function reportText(r: ModelReport): string {
  const dropped = r.inputs.filter((name) => !r.inputsKept.includes(name));
  const classes = r.classes ?? [];
  const classifier = r.task === "classification";
  const lines = [
    `model          ${r.model}`,
    classifier
      ? `task           classification: ${classCount(classes.length)} (${classList(classes, 20)})${r.label ? `, label ${r.label}` : ""}`
      : "task           regression",
    `inputs         ${r.inputs.length}: ${r.inputs.join(", ")}`,
    `inputs kept    ${r.inputsKept.length} of ${r.inputs.length}${dropped.length > 0 ? ` (disconnected: ${dropped.join(", ")})` : ""}`,
    classifier
      ? `outputs        ${classCount(classes.length)}' probabilities: a softmax of ${plural(r.outputs.length, "logit")} against class ${classes[0]}`
      : `outputs        ${r.outputs.length}: ${r.outputs.join(", ")}`,
    `neurons        ${plural(r.neurons.inputs, "input")}, ${r.neurons.hidden} hidden (tanh), ${plural(r.neurons.outputs, "output")} (linear${classifier ? ": the logits" : ""})`,
    `links          ${r.links.length}`,
    `weights        ${r.weightCount} (${r.links.length} links + ${r.neurons.hidden + r.neurons.outputs} biases)`,
    "",
    "normalisation  x_norm = (x - shift) / scale",
    indent(
      formatTable(
        ["column", "shift", "scale"],
        [
          ...r.inputs.map((name, j) => [
            name,
            String(r.normalization.inputs.shift[j]),
            String(r.normalization.inputs.scale[j]),
          ]),
          // A classifier's logits are not normalised (shift 0, scale 1).
          ...(classifier ? [] : r.outputs).map((name, j) => [
            name,
            String(r.normalization.outputs.shift[j]),
            String(r.normalization.outputs.scale[j]),
          ]),
        ],
      ),
    ),
  ];
  if (r.errors && classifier) {
    lines.push(
      `errors at build (log-loss)  training ${formatError(r.errors.training[0] ?? Number.NaN)}, validation ${formatError(r.errors.validation[0] ?? Number.NaN)}`,
      "",
    );
  } else if (r.errors) {
    lines.push("errors at build (RMSE, normalised units)");
    const row = (name: string, j: number) => [
      name,
      formatError(r.errors?.training[j] ?? Number.NaN),
      formatError(r.errors?.validation[j] ?? Number.NaN),
    ];
    lines.push(indent(formatTable(["output", "training", "validation"], r.outputs.map(row))));
  } else {
    lines.push("errors at build  none recorded", "");
  }
  lines.push("weights");
  lines.push(weightsTable(r.weights, r.weightLabels));
  return `${lines.join("\n").trimEnd()}\n`;
}
