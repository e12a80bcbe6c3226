/**
 * `neureco inspect` of a compressor: its columns, code size, encoder and
 * decoder (neurons, links, weights), normalisation and build errors, as
 * text or as JSON.
 */
import type { NetworkStructure } from "@neureco/tabular";
import { plural } from "../data.js";
import type { LoadedCompressor } from "../model.js";
import { formatError, formatTable, indent, jsonNumber, terminalSafe, weightsTable } from "../text.js";

/** One network of a compressor. Neurons are numbered as in the model file: inputs, then hidden, then outputs. */
export interface NetworkReport {
  readonly neurons: { readonly inputs: number; readonly hidden: number; readonly outputs: number };
  /** [from, to] neuron numbers. */
  readonly links: readonly (readonly [number, number])[];
  readonly weightCount: number;
}

/** The `--json` output of inspect for a compressor. */
export interface CompressorReport {
  readonly model: string;
  readonly task: "compression";
  /** The columns it compresses (and reconstructs). */
  readonly inputs: readonly string[];
  readonly codeSize: number;
  /** The codes' names, as `compress` writes them. */
  readonly codes: readonly string[];
  /** tanh neurons of the encoder, as many in the decoder (0: the principal components). */
  readonly hiddenNeurons: number;
  /** From the columns to the codes (hidden neurons e1…). */
  readonly encoder: NetworkReport;
  /** From the codes back to the columns (hidden neurons d1…, outputs `<column> (out)`). */
  readonly decoder: NetworkReport;
  readonly weightCount: number;
  /** The encoder's weights, then the decoder's; each network's: one per link, then one bias per hidden neuron, then one per output. */
  readonly weights: readonly number[];
  /** What each weight is, e.g. "a → e1", "bias code1", "d1 → a (out)". */
  readonly weightLabels: readonly string[];
  /** The columns' normalisation, x_norm = (x − shift) / scale; the decoder's outputs are mapped back with it. */
  readonly normalization: {
    readonly inputs: { readonly shift: readonly number[]; readonly scale: readonly number[] };
  };
  /** Reconstruction RMSE over all columns (normalised units) recorded when the model was built, or null. */
  readonly errors: { readonly training: number | null; readonly validation: number | null } | null;
}

export function compressorReport(model: LoadedCompressor): CompressorReport {
  const d = model.description;
  const compression = d.compression;
  if (!compression) throw new TypeError("compressorReport: the model is not a compressor");
  const encoder = d.structure;
  const decoder = compression.decoder;
  const reconstructed = model.inputNames.map((name) => `${name} (out)`);
  const training = d.errors?.training[0];
  const validation = d.errors?.validation[0];
  return {
    model: model.path,
    task: "compression",
    inputs: model.inputNames,
    codeSize: model.codeSize,
    codes: model.codeNames,
    hiddenNeurons: encoder.hidden,
    encoder: network(encoder, d.weights.length),
    decoder: network(decoder, compression.decoderWeights.length),
    weightCount: d.weights.length + compression.decoderWeights.length,
    weights: [...Array.from(d.weights), ...Array.from(compression.decoderWeights)],
    weightLabels: [
      ...weightLabels(encoder, model.inputNames, "e", model.codeNames),
      ...weightLabels(decoder, model.codeNames, "d", reconstructed),
    ],
    normalization: {
      inputs: {
        shift: Array.from(d.inputNormalization.shift),
        scale: Array.from(d.inputNormalization.scale),
      },
    },
    errors:
      training === undefined || validation === undefined
        ? null
        : { training: jsonNumber(training), validation: jsonNumber(validation) },
  };
}

function network(s: NetworkStructure, weightCount: number): NetworkReport {
  return {
    neurons: { inputs: s.inputs, hidden: s.hidden, outputs: s.outputs },
    links: s.links.map(([from, to]) => [from, to] as const),
    weightCount,
  };
}

/** The labels of a network's weights: its links, then its hidden neurons' biases, then its outputs'. */
function weightLabels(
  s: NetworkStructure,
  inputs: readonly string[],
  hiddenPrefix: string,
  outputs: readonly string[],
): string[] {
  const name = (k: number) =>
    k < s.inputs
      ? inputs[k]
      : k < s.inputs + s.hidden
        ? `${hiddenPrefix}${k - s.inputs + 1}`
        : outputs[k - s.inputs - s.hidden];
  return [
    ...s.links.map(([from, to]) => `${name(from)} → ${name(to)}`),
    ...Array.from({ length: s.hidden }, (_, h) => `bias ${hiddenPrefix}${h + 1}`),
    ...outputs.map((output) => `bias ${output}`),
  ];
}

/** The report with every name escaped for a terminal (names come from the model file). */
export function safeCompressorNames(r: CompressorReport): CompressorReport {
  const safe = (names: readonly string[]) => names.map((name) => terminalSafe(name));
  return {
    ...r,
    model: terminalSafe(r.model),
    inputs: safe(r.inputs),
    weightLabels: safe(r.weightLabels),
  };
}

export function compressorText(r: CompressorReport): string {
  const e = r.encoder;
  const dec = r.decoder;
  const hidden =
    r.hiddenNeurons === 0
      ? "0 (linear: the principal components)"
      : `${r.hiddenNeurons} (tanh) in the encoder, as many in the decoder`;
  const lines = [
    `model          ${r.model}`,
    `task           compression: ${plural(r.inputs.length, "column")} to ${plural(r.codeSize, "code")}`,
    `inputs         ${r.inputs.length}: ${r.inputs.join(", ")}`,
    `code size      ${r.codeSize}: ${r.codes.join(", ")}`,
    `hidden neurons ${hidden}`,
    `encoder        ${plural(e.neurons.inputs, "input")}, ${e.neurons.hidden} hidden, ${plural(e.neurons.outputs, "code")} (linear): ${plural(e.links.length, "link")}, ${plural(e.weightCount, "weight")} (weights 1–${e.weightCount})`,
    `decoder        ${plural(dec.neurons.inputs, "code")}, ${dec.neurons.hidden} hidden, ${plural(dec.neurons.outputs, "output")} (linear): ${plural(dec.links.length, "link")}, ${plural(dec.weightCount, "weight")} (weights ${e.weightCount + 1}–${r.weightCount})`,
    `weights        ${r.weightCount} (encoder ${e.weightCount}, decoder ${dec.weightCount})`,
    "",
    "normalisation  x_norm = (x - shift) / scale (the decoder's outputs mapped back with it; the codes are not normalised)",
    indent(
      formatTable(
        ["column", "shift", "scale"],
        r.inputs.map((name, j) => [
          name,
          String(r.normalization.inputs.shift[j]),
          String(r.normalization.inputs.scale[j]),
        ]),
      ),
    ),
    r.errors
      ? `errors at build (reconstruction RMSE over all columns, normalised units)  training ${formatError(r.errors.training ?? Number.NaN)}, validation ${formatError(r.errors.validation ?? Number.NaN)}`
      : "errors at build  none recorded",
    "",
    "weights",
    weightsTable(r.weights, r.weightLabels),
  ];
  return `${lines.join("\n").trimEnd()}\n`;
}
