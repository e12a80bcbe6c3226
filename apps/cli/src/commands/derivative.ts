/**
 * `neureco derivative forward` and `neureco derivative gradient`: the model's
 * derivatives w.r.t. its weights and inputs, on CSV files, in raw units. For
 * a classifier, the derivatives of its class probabilities (one per class,
 * columns named `p_<class>` as `evaluate` writes them), or with `--logits`
 * of its logits (classes 1 … k − 1 against class 0, columns named
 * `logit_<class>`). For a compressor,
 * of the map `--map` names: its reconstruction (`evaluate`, the default),
 * its encoder (`compress`: the codes) or its decoder (`decompress`: then
 * --x and --dx hold codes); its weights are the encoder's, then the
 * decoder's.
 */
import type { CompressorMap, Matrix } from "@neureco/tabular";
import type { BackendName } from "../backend.js";
import { type CsvData, expectRows, readMatrixFile, readWeightColumn, writeMatrix } from "../data.js";
import { type CliIo, ExitCode, type TextOutput } from "../io.js";
import {
  closeModel,
  type LoadedModel,
  loadModel,
  logitColumns,
  matchClassColumns,
  matchCodes,
  matchLogitColumns,
  matchModelInputs,
  matchModelOutputs,
  modelOf,
  wrongKind,
} from "../model.js";

/** The maps of a compressor that `--map` names. */
export const COMPRESSOR_MAPS = [
  "evaluate",
  "compress",
  "decompress",
] as const satisfies readonly CompressorMap[];

export interface ForwardOptions {
  readonly model: string;
  readonly x: string;
  readonly dw: string;
  readonly dx?: string;
  readonly w?: string;
  readonly out?: string;
  /** A compressor's map (default "evaluate"); refused for the other kinds. */
  readonly map?: CompressorMap;
  /** A classifier's logits instead of its probabilities; refused for the other kinds. */
  readonly logits?: boolean;
  readonly backend: BackendName;
}

export interface GradientOptions {
  readonly model: string;
  readonly x: string;
  readonly py: string;
  readonly w?: string;
  readonly outDw: string;
  readonly outDx: string;
  /** A compressor's map (default "evaluate"); refused for the other kinds. */
  readonly map?: CompressorMap;
  /** A classifier's logits instead of its probabilities; refused for the other kinds. */
  readonly logits?: boolean;
  readonly backend: BackendName;
}

/** The map to differentiate: a compressor's `--map` (default its reconstruction); the other kinds have one, and refuse --map. */
function mapOf(model: LoadedModel, map: CompressorMap | undefined): CompressorMap {
  if (map !== undefined && model.kind !== "compressor") {
    throw wrongKind(
      model,
      "--map chooses which map of a compressor to differentiate, and applies to compressors only",
      "leave it out",
    );
  }
  return map ?? "evaluate";
}

/** Whether to differentiate a classifier's logits (`--logits`); the other kinds have none, and refuse it. */
function logitsOf(model: LoadedModel, logits: boolean | undefined): boolean {
  if (logits && model.kind !== "classifier") {
    throw wrongKind(
      model,
      "--logits differentiates a classifier's logits, and applies to classifiers only",
      "leave it out",
    );
  }
  return logits === true;
}

/** The names of the model's outputs as the derivatives see them: a regressor's outputs, a classifier's probabilities (or logits), a compressor's map's. */
function outputColumns(model: LoadedModel, map: CompressorMap, logits: boolean): readonly string[] {
  if (model.kind === "regressor") return model.outputNames;
  if (model.kind === "classifier") return logits ? logitColumns(model) : model.classes.map((c) => `p_${c}`);
  return map === "compress" ? model.codeNames : model.inputNames;
}

/** The names of the columns the map takes: the model's inputs, or a compressor's codes for its decoder. */
function inputColumns(model: LoadedModel, map: CompressorMap): readonly string[] {
  return model.kind === "compressor" && map === "decompress" ? model.codeNames : model.inputNames;
}

/** A file of the map's inputs (rows of --x, or directions --dx): the model's inputs, or codes for a compressor's decoder. */
function matchMapInputs(model: LoadedModel, map: CompressorMap, data: CsvData, stderr: TextOutput): CsvData {
  return model.kind === "compressor" && map === "decompress"
    ? matchCodes(model, data, "the codes", stderr)
    : matchModelInputs(model, data, stderr);
}

/** The number of the model's weights (a compressor's: encoder and decoder). */
function weightCount(model: LoadedModel): number {
  return model.kind === "compressor" ? model.weightCount : model.description.weights.length;
}

/** dy (n, k) = J_w·dw + J_x·dx per row; written with the output names as header. */
export async function runForward(options: ForwardOptions, io: CliIo): Promise<number> {
  const model = await loadModel(options.model, options.backend);
  try {
    const map = mapOf(model, options.map);
    const logits = logitsOf(model, options.logits);
    const x = matchMapInputs(model, map, await readMatrixFile(options.x), io.stderr);
    const dw = await readWeightColumn(options.dw, weightCount(model));
    let dx: Matrix | null = null;
    if (options.dx !== undefined) {
      const dxData = matchMapInputs(model, map, await readMatrixFile(options.dx), io.stderr);
      expectRows(dxData, x.matrix.shape[0], `one per row of ${x.path}`);
      dx = dxData.matrix;
    }
    const w = await weightsFor(model, options.w);
    const args = { w, dw: dw.matrix, x: x.matrix, dx };
    const dy =
      model.kind === "compressor"
        ? await model.compressor.forwardDerivative({ ...args, map })
        : model.kind === "classifier"
          ? await model.classifier.forwardDerivative({ ...args, logits })
          : await model.regressor.forwardDerivative(args);
    await writeMatrix(
      options.out,
      dy,
      outputColumns(model, map, logits).map((name) => `d_${name}`),
      io.stdout,
    );
    return ExitCode.ok;
  } finally {
    closeModel(model);
  }
}

/** dw (p, 1) = Σ J_wᵀ·py_i and dx (n, m) with rows J_xᵀ·py_i, each to its file. */
export async function runGradient(options: GradientOptions, io: CliIo): Promise<number> {
  const model = await loadModel(options.model, options.backend);
  try {
    const map = mapOf(model, options.map);
    const logits = logitsOf(model, options.logits);
    const x = matchMapInputs(model, map, await readMatrixFile(options.x), io.stderr);
    const py = matchCotangents(model, map, logits, await readMatrixFile(options.py), io.stderr);
    expectRows(py, x.matrix.shape[0], `one per row of ${x.path}`);
    const w = await weightsFor(model, options.w);
    const args = { w, x: x.matrix, py: py.matrix };
    const { dw, dx } =
      model.kind === "compressor"
        ? await model.compressor.gradient({ ...args, map })
        : model.kind === "classifier"
          ? await model.classifier.gradient({ ...args, logits })
          : await model.regressor.gradient(args);
    await writeMatrix(options.outDw, dw, ["dw"], io.stdout);
    await writeMatrix(
      options.outDx,
      dx,
      inputColumns(model, map).map((name) => `d_${name}`),
      io.stdout,
    );
    return ExitCode.ok;
  } finally {
    closeModel(model);
  }
}

/** The cotangents file, one column per output (a classifier: per class probability, or per logit; a compressor: per output of its map). */
function matchCotangents(
  model: LoadedModel,
  map: CompressorMap,
  logits: boolean,
  data: CsvData,
  stderr: TextOutput,
): CsvData {
  if (model.kind === "regressor") return matchModelOutputs(model, data, "one cotangent per output", stderr);
  if (model.kind === "classifier")
    return logits
      ? matchLogitColumns(model, data, "one cotangent per logit", stderr)
      : matchClassColumns(model, data, "one cotangent per class probability", stderr);
  return map === "compress"
    ? matchCodes(model, data, "one cotangent per code", stderr)
    : matchModelInputs(model, data, stderr, "one cotangent per column");
}

/** The weights from `--w` (a (p, 1) column), or the model's own. */
async function weightsFor(model: LoadedModel, path: string | undefined): Promise<Matrix> {
  if (path === undefined) return modelOf(model).getWeights();
  return (await readWeightColumn(path, weightCount(model))).matrix;
}
