/**
 * `Tabular.Compressor` without the file system: build an autoencoder from
 * rows, compress them to a few codes and decompress codes back, evaluate
 * the reconstruction, differentiate each of the three maps and serialise
 * to bytes. It runs in browsers and in Node; the Node entry extends it with
 * `save(path)` / `load(path)`.
 *
 * The model is two networks (compressor/autoencoder.ts): its description's
 * network is the encoder, bound as the base class's model, and
 * `compression` holds the decoder, bound beside it. The weight vector of
 * every call is [encoder weights, decoder weights]. The reconstruction's
 * derivatives are the chain rule over the two halves, each differentiated
 * by core's jvp and vjp (model/bound-model.ts).
 */
import type { ModelData } from "../columns.js";
import { type CExport, type CExportOptions, modelToC } from "../export/c-source.js";
import { modelToOnnx, type OnnxExportOptions } from "../export/onnx.js";
import { expectShape, Matrix, type MatrixOrVectorInput } from "../matrix.js";
import {
  BoundModel,
  type ForwardDerivativeArgs,
  type Gradient,
  type GradientArgs,
} from "../model/bound-model.js";
import type { ModelDescription } from "../model/description.js";
import { type ModelOptions, TabularModel } from "../model/tabular-model.js";
import { normalize } from "../normalization/index.js";
import type { CompressorHistory } from "./build.js";
import { buildCompressor } from "./build.js";
import { type CompressorBuildOptions, validateCompressorBuildOptions } from "./build-options.js";
import { decoderDescription, encoderDescription } from "./halves.js";

export type CompressorOptions = ModelOptions;

/**
 * Which map a derivative is of: the reconstruction x ↦ x̂ (default), the
 * encoder x ↦ codes, or the decoder codes ↦ x̂ (then `x` and `dx` are codes).
 */
export type CompressorMap = "evaluate" | "compress" | "decompress";

export interface CompressorMapOption {
  /** Default "evaluate". */
  readonly map?: CompressorMap;
}

/** Sizes and names of the loaded model. */
export interface CompressorInfo {
  /** Columns of the data, m. */
  readonly inputs: number;
  /** Codes per row, c. */
  readonly codeSize: number;
  /** Trainable parameters p, encoder and decoder together. */
  readonly weights: number;
  readonly encoderWeights: number;
  readonly decoderWeights: number;
  /** tanh neurons of the encoder and of the decoder (0: the principal components). */
  readonly hiddenNeurons: number;
  readonly inputNames: readonly string[];
}

/** How well rows are reconstructed. */
export interface ReconstructionScores {
  /** The columns' names (input1 … when unnamed). */
  readonly columns: readonly string[];
  /** RMSE of each column, in its own units. */
  readonly rmse: readonly number[];
  /** RMSE over all columns in the model's normalised units (standardised columns by default). */
  readonly normalizedRmse: number;
}

const MAPS: readonly CompressorMap[] = ["evaluate", "compress", "decompress"];

function mapOf(args: CompressorMapOption, call: string): CompressorMap {
  if (args === null || typeof args !== "object") return "evaluate";
  const { map } = args;
  if (map === undefined) return "evaluate";
  if (!MAPS.includes(map))
    throw new TypeError(
      `${call}: map must be one of ${MAPS.map((m) => `"${m}"`).join(", ")}, got ${JSON.stringify(map)}`,
    );
  return map;
}

export class Compressor extends TabularModel {
  #decoder: BoundModel | null = null;

  constructor(options: CompressorOptions = {}) {
    super("Compressor", options);
  }

  /** A compressor holding the model read from `.ednn` bytes; `source` names them in errors. */
  static fromBytes<C extends Compressor>(
    this: new (
      options?: CompressorOptions,
    ) => C,
    bytes: Uint8Array,
    options: CompressorOptions & { readonly source?: string } = {},
  ): C {
    const compressor = new this({ ...(options.backend ? { backend: options.backend } : {}) });
    compressor.loadBytes(bytes, options.source);
    return compressor;
  }

  /** A compressor holding a model description (one with `compression`). */
  static fromDescription<C extends Compressor>(
    this: new (
      options?: CompressorOptions,
    ) => C,
    description: ModelDescription,
    options: CompressorOptions = {},
  ): C {
    const compressor = new this(options);
    compressor.setModel(description);
    return compressor;
  }

  /**
   * Builds an encoder and a decoder from the rows of `inputData`, the code
   * size chosen from the data (or `compressionSize`), and makes them this
   * compressor's model. Resolves to the build's history.
   */
  async build(options: CompressorBuildOptions): Promise<CompressorHistory> {
    this.checkAlive("build");
    const request = validateCompressorBuildOptions(options);
    // Refuses a path without a file system before the build, not after it.
    await this.buildFiles({
      writeModelTo: request.writeModelTo,
      checkpointAddress: null,
      checkpointToStartBuildFrom: null,
      force: request.force,
    });
    const result = await buildCompressor(request, {
      ...request.settings,
      backend: request.settings.backend ?? this.backend,
    });
    this.checkAlive("build");
    this.setModel(result.model);
    if (request.writeModelTo !== null) await this.writeBuiltModel(request.writeModelTo, request.force);
    return result.history;
  }

  override setModel(description: ModelDescription, source = "setModel"): void {
    super.setModel(description, source);
    const decoder = new BoundModel(decoderDescription(description), this.backend);
    this.#decoder?.delete();
    this.#decoder = decoder;
  }

  override delete(): void {
    this.#decoder?.delete();
    this.#decoder = null;
    super.delete();
  }

  /** The codes (n, c) of rows x (n, m). */
  async compress(x: ModelData): Promise<Matrix> {
    return this.model("compress").evaluate(x);
  }

  /** The rows (n, m) that codes (n, c) stand for. */
  async decompress(codes: ModelData): Promise<Matrix> {
    const decoder = this.decoder("decompress");
    return decoder.evaluate(decoder.matchInputs(codes, "codes"));
  }

  /** The reconstruction x̂ = decompress(compress(x)), (n, m). */
  async evaluate(x: ModelData): Promise<Matrix> {
    const codes = await this.model("evaluate").evaluate(x);
    return this.decoder("evaluate").evaluate(codes);
  }

  /** The reconstruction error of rows x per column (raw units) and over all columns (normalised units). */
  async score(x: ModelData): Promise<ReconstructionScores> {
    const encoder = this.model("score");
    const rows = encoder.matchInputs(x, "x");
    const xHat = await this.evaluate(rows);
    const d = encoder.description();
    const m = rows.cols;
    const n = rows.rows;
    if (n === 0) throw new RangeError("score: x has no rows");
    const rmse = Array.from({ length: m }, (_, j) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += (xHat.data[i * m + j] - rows.data[i * m + j]) ** 2;
      return Math.sqrt(s / n);
    });
    const a = normalize(rows, d.inputNormalization);
    const b = normalize(xHat, d.inputNormalization);
    let s = 0;
    for (let v = 0; v < a.data.length; v++) s += (a.data[v] - b.data[v]) ** 2;
    return { columns: this.columnNames(d), rmse, normalizedRmse: Math.sqrt(s / a.data.length) };
  }

  /** The trainable parameters [encoder; decoder], (p, 1) (a copy). */
  override getWeights(): Matrix {
    const encoder = this.model("getWeights").getWeights();
    const decoder = this.decoder("getWeights").getWeights();
    return new Matrix(Float64Array.from([...encoder.data, ...decoder.data]), encoder.rows + decoder.rows, 1);
  }

  /** Replaces the parameters [encoder; decoder]: (p, 1) or length p. On error the weights are unchanged. */
  override setWeights(wInput: MatrixOrVectorInput): void {
    const encoder = this.model("setWeights");
    const decoder = this.decoder("setWeights");
    const [we, wd] = this.split(wInput, "w");
    encoder.setWeights(we);
    decoder.setWeights(wd);
  }

  /** The model with the current weights, decoder included (a copy). */
  override toDescription(): ModelDescription {
    const d = this.model("toDescription").description();
    const decoder = this.decoder("toDescription").description();
    if (!d.compression) throw new TypeError("toDescription: the model is not a compressor");
    return { ...d, compression: { ...d.compression, decoderWeights: decoder.weights } };
  }

  /**
   * Forward mode at the given w = [encoder; decoder]: dy_i = J_w(x_i)·dw +
   * J_x(x_i)·dx_i of the map chosen (`map`, default the reconstruction,
   * (n, m); "compress": the codes, (n, c); "decompress": x and dx are codes
   * and dy is (n, m)). `dx: null` means no input direction.
   */
  async forwardDerivative(args: ForwardDerivativeArgs & CompressorMapOption): Promise<Matrix> {
    const call = "forwardDerivative";
    const map = mapOf(args, call);
    const encoder = this.model(call);
    const decoder = this.decoder(call);
    const [we, wd] = this.split(args.w, "w");
    const [dwe, dwd] = this.split(args.dw, "dw");
    if (map === "compress") return encoder.forwardDerivative({ w: we, dw: dwe, x: args.x, dx: args.dx });
    if (map === "decompress") return decoder.forwardDerivative({ w: wd, dw: dwd, x: args.x, dx: args.dx });
    const codes = await encoder.evaluateAt(we, args.x);
    const dCodes = await encoder.forwardDerivative({ w: we, dw: dwe, x: args.x, dx: args.dx });
    return decoder.forwardDerivative({ w: wd, dw: dwd, x: codes, dx: dCodes });
  }

  /**
   * Reverse mode at the given w = [encoder; decoder]: { dw (p, 1) = Σ_i
   * J_w(x_i)ᵀ·py_i, dx (n, ·) with dx_i = J_x(x_i)ᵀ·py_i } of the map chosen
   * (`map`; py has the map's output columns, dx its input columns).
   */
  async gradient(args: GradientArgs & CompressorMapOption): Promise<Gradient> {
    const call = "gradient";
    const map = mapOf(args, call);
    const encoder = this.model(call);
    const decoder = this.decoder(call);
    const [we, wd] = this.split(args.w, "w");
    const pe = encoder.weightCount;
    const pd = decoder.weightCount;
    const joined = (de: Matrix | null, dd: Matrix | null) =>
      new Matrix(
        Float64Array.from([...(de?.data ?? new Float64Array(pe)), ...(dd?.data ?? new Float64Array(pd))]),
        pe + pd,
        1,
      );
    if (map === "compress") {
      const g = await encoder.gradient({ w: we, x: args.x, py: args.py });
      return { dw: joined(g.dw, null), dx: g.dx };
    }
    if (map === "decompress") {
      const g = await decoder.gradient({ w: wd, x: args.x, py: args.py });
      return { dw: joined(null, g.dw), dx: g.dx };
    }
    const codes = await encoder.evaluateAt(we, args.x);
    const back = await decoder.gradient({ w: wd, x: codes, py: args.py });
    const front = await encoder.gradient({ w: we, x: args.x, py: back.dx });
    return { dw: joined(front.dw, back.dw), dx: front.dx };
  }

  /**
   * The two maps as dependency-free C99 files and headers (with the current
   * weights): `<name>_compress_evaluate` computes what `compress` does,
   * `<name>_decompress_evaluate` what `decompress` does, each with its
   * `_input_gradient` (export/c-source.ts). The name defaults to "neureco_model".
   */
  toC(options: CExportOptions = {}): { readonly compress: CExport; readonly decompress: CExport } {
    const d = this.toDescription();
    const name = options.name ?? "neureco_model";
    return {
      compress: modelToC(encoderDescription(d), { name: `${name}_compress` }),
      decompress: modelToC(decoderDescription(d), { name: `${name}_decompress` }),
    };
  }

  /**
   * The two maps as ONNX files' bytes (with the current weights): `compress`
   * a graph from rows `x` to codes `y`, `decompress` from codes `x` to rows
   * `y` (export/onnx.ts).
   */
  toOnnx(options: OnnxExportOptions = {}): {
    readonly compress: Uint8Array;
    readonly decompress: Uint8Array;
  } {
    const d = this.toDescription();
    return {
      compress: modelToOnnx(encoderDescription(d), options),
      decompress: modelToOnnx(decoderDescription(d), options),
    };
  }

  /** Sizes and names of the model. */
  info(): CompressorInfo {
    const d = this.toDescription();
    const decoderWeights = d.compression?.decoderWeights.length ?? 0;
    return {
      inputs: d.structure.inputs,
      codeSize: d.structure.outputs,
      weights: d.weights.length + decoderWeights,
      encoderWeights: d.weights.length,
      decoderWeights,
      hiddenNeurons: d.structure.hidden,
      inputNames: d.inputNames,
    };
  }

  /** A compressor's outputs (in `sensitivity`, of the encoder) are its codes. */
  protected override outputLabels(d: ModelDescription): readonly string[] {
    return Array.from({ length: d.structure.outputs }, (_, j) => `code${j + 1}`);
  }

  private columnNames(d: ModelDescription): readonly string[] {
    const m = d.structure.inputs;
    return d.inputNames.length === m ? d.inputNames : Array.from({ length: m }, (_, j) => `input${j + 1}`);
  }

  /** A full weight vector [encoder; decoder] split into its halves, checked against p. */
  private split(input: MatrixOrVectorInput, name: string): [Float64Array, Float64Array] {
    const pe = this.model(name).weightCount;
    const pd = this.decoder(name).weightCount;
    const w = Matrix.from(input, name, { allowVector: true });
    expectShape(w, [pe + pd, 1], name);
    return [w.data.slice(0, pe), w.data.slice(pe)];
  }

  private decoder(call: string): BoundModel {
    this.model(call);
    if (!this.#decoder) throw new Error(`${call}: no model yet; build() or load() one first`);
    return this.#decoder;
  }
}
