/**
 * `Tabular.Regressor` without the file system: build, evaluate, differentiate
 * and serialise to bytes. It runs in browsers and in Node; the Node entry
 * extends it with `save(path)` / `load(path)`.
 */

import { type BuildHistory, buildModel } from "../builder/index.js";
import { type CExport, type CExportOptions, modelToC } from "../export/c-source.js";
import { modelToOnnx, type OnnxExportOptions } from "../export/onnx.js";
import type { Matrix } from "../matrix.js";
import type { ForwardDerivativeArgs, Gradient, GradientArgs, RowsInput } from "../model/bound-model.js";
import type { ModelDescription } from "../model/description.js";
import { type ModelOptions, TabularModel } from "../model/tabular-model.js";
import { type BuildOptions, validateBuildOptions } from "./build-options.js";

export type RegressorOptions = ModelOptions;

export interface EvaluateOptions {
  /** Also return each prediction's standard deviation (see `Regressor.evaluate`). Default false. */
  readonly uncertainty?: boolean;
}

/** Predictions with their error bars, both (n, k) in raw units. */
export interface Prediction {
  readonly y: Matrix;
  /** Predictive standard deviation of each prediction. */
  readonly sd: Matrix;
}

/** Sizes and names of the loaded model. */
export interface RegressorInfo {
  readonly inputs: number;
  readonly outputs: number;
  /** Number of trainable parameters p. */
  readonly weights: number;
  readonly hiddenNeurons: number;
  readonly links: number;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
}

export class Regressor extends TabularModel {
  constructor(options: RegressorOptions = {}) {
    super("Regressor", options);
  }

  /** A regressor holding the model read from `.ednn` bytes; `source` names them in errors. */
  static fromBytes<R extends Regressor>(
    this: new (
      options?: RegressorOptions,
    ) => R,
    bytes: Uint8Array,
    options: RegressorOptions & { readonly source?: string } = {},
  ): R {
    const regressor = new this({ ...(options.backend ? { backend: options.backend } : {}) });
    regressor.loadBytes(bytes, options.source);
    return regressor;
  }

  /** A regressor holding a model description (what the builder produces). */
  static fromDescription<R extends Regressor>(
    this: new (
      options?: RegressorOptions,
    ) => R,
    description: ModelDescription,
    options: RegressorOptions = {},
  ): R {
    const regressor = new this(options);
    regressor.setModel(description);
    return regressor;
  }

  /**
   * Builds a model from data, with no hyper-parameters (SPEC sections 4 and
   * 5), and makes it this regressor's model. Resolves to the build's history
   * (every accepted model with its errors, the one chosen).
   */
  async build(options: BuildOptions): Promise<BuildHistory> {
    this.checkAlive("build");
    const { input, settings, files } = validateBuildOptions(options);
    const io = await this.buildFiles(files);
    const result = await buildModel(input, { ...settings, backend: settings.backend ?? this.backend }, io);
    this.checkAlive("build");
    this.setModel(result.model);
    if (files.writeModelTo !== null) await this.writeBuiltModel(files.writeModelTo, files.force);
    return result.history;
  }

  /**
   * y (n, k) for inputs x (n, m), in raw units. Inputs with column names
   * (`{ matrix, columns }`, e.g. a `CsvTable` from `readCsv`/`parseCsv` with a
   * header) are matched to the model's input names: reordered when the same
   * names come in another order, refused (`ColumnMismatchError`, naming the
   * missing and unexpected columns) when they differ. A plain matrix is
   * matched by count.
   */
  evaluate(x: RowsInput): Promise<Matrix>;
  /**
   * With `{ uncertainty: true }`: the predictions and their error bars,
   * `sd` (n, k) in raw units, the predictive standard deviation of each —
   * the noise level of its output plus the weights' posterior uncertainty
   * carried through the network (Laplace approximation at the built
   * weights, linearised in them: gᵀA⁻¹g, g = ∂y/∂w from forward mode). A
   * model saved by an older version of the library, or whose weights were
   * set after its build, carries none and throws.
   */
  evaluate(x: RowsInput, options: EvaluateOptions & { readonly uncertainty: true }): Promise<Prediction>;
  evaluate(x: RowsInput, options?: EvaluateOptions): Promise<Matrix | Prediction>;
  async evaluate(x: RowsInput, options: EvaluateOptions = {}): Promise<Matrix | Prediction> {
    const model = this.model("evaluate");
    if (!options.uncertainty) return model.evaluate(x);
    return model.evaluateWithSd(x, "evaluate");
  }

  /** Whether `evaluate(x, { uncertainty: true })` can give error bars (the model carries its posterior). */
  get hasUncertainty(): boolean {
    return this.model("hasUncertainty").hasPosterior;
  }

  /** Forward mode: dy (n, k), dy_i = J_w(x_i)·dw + J_x(x_i)·dx_i, at the given w. `dx: null` means no input direction. */
  async forwardDerivative(args: ForwardDerivativeArgs): Promise<Matrix> {
    return this.model("forwardDerivative").forwardDerivative(args);
  }

  /** Reverse mode: { dw (p, 1) = Σ_i J_w(x_i)ᵀ·py_i, dx (n, m) with dx_i = J_x(x_i)ᵀ·py_i }, at the given w. */
  async gradient(args: GradientArgs): Promise<Gradient> {
    return this.model("gradient").gradient(args);
  }

  /** Sizes and names of the model. */
  info(): RegressorInfo {
    const d = this.model("info").description();
    return {
      inputs: d.structure.inputs,
      outputs: d.structure.outputs,
      weights: d.weights.length,
      hiddenNeurons: d.structure.hidden,
      links: d.structure.links.length,
      inputNames: d.inputNames,
      outputNames: d.outputNames,
    };
  }

  /**
   * The model as one dependency-free C99 file and its header (with the
   * current weights): `<name>_evaluate` computes what `evaluate` does and
   * `<name>_input_gradient` what `gradient` returns as `dx`, in double
   * precision, needing only `math.h`.
   */
  toC(options: CExportOptions = {}): CExport {
    return modelToC(this.model("toC").description(), options);
  }

  /**
   * The model as an ONNX file's bytes (with the current weights): a graph
   * computing what `evaluate` does, float32 by default or float64, input `x`
   * and output `y` with a dynamic batch dimension (export/onnx.ts).
   */
  toOnnx(options: OnnxExportOptions = {}): Uint8Array {
    return modelToOnnx(this.model("toOnnx").description(), options);
  }
}
