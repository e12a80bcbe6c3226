/**
 * `Tabular.Classifier` without the file system: build from inputs and class
 * labels, predict labels and probabilities, differentiate the probabilities
 * (or the logits) and serialise to bytes. It runs in browsers and in Node;
 * the Node entry extends it with `save(path)` / `load(path)`.
 *
 * The model is the Regressor's network with k − 1 outputs, the logits of
 * classes 1 … k − 1 against class 0, and a softmax
 * (network/class-probabilities.ts); the builder trains it on the
 * cross-entropy (builder/likelihood.ts).
 */
import { type BuildHistory, buildModel } from "../builder/index.js";
import type { ModelData } from "../columns.js";
import { type CExport, type CExportOptions, modelToC } from "../export/c-source.js";
import { modelToOnnx, type OnnxExportOptions } from "../export/onnx.js";
import type { Matrix } from "../matrix.js";
import type {
  ForwardDerivativeArgs,
  Gradient,
  GradientArgs,
  OutputSide,
  RowsInput,
} from "../model/bound-model.js";
import type { ModelDescription } from "../model/description.js";
import { type ModelOptions, TabularModel } from "../model/tabular-model.js";
import { type ClassifierBuildOptions, validateClassifierBuildOptions } from "./build-options.js";
import { classIndices, type Label, labelOf, labelTexts, numericClasses } from "./labels.js";
import { type ClassificationScores, classificationScores } from "./scores.js";

export type ClassifierOptions = ModelOptions;

/** Which outputs a derivative is of: the class probabilities (default), or with `logits: true` the network's logits. */
export interface LogitsOption {
  /**
   * Differentiate the logits of classes 1 … k − 1 against class 0, (n, k − 1),
   * instead of the probabilities of all k classes, (n, k). Default false.
   */
  readonly logits?: boolean;
}

/** Sizes and names of the loaded model. */
export interface ClassifierInfo {
  readonly inputs: number;
  /** The class names, in the order of the probabilities' columns. */
  readonly classes: readonly string[];
  /** The name of the label column ("" when unknown). */
  readonly labelName: string;
  /** Number of trainable parameters p. */
  readonly weights: number;
  readonly hiddenNeurons: number;
  readonly links: number;
  readonly inputNames: readonly string[];
}

export class Classifier extends TabularModel {
  constructor(options: ClassifierOptions = {}) {
    super("Classifier", options);
  }

  /** A classifier holding the model read from `.ednn` bytes; `source` names them in errors. */
  static fromBytes<C extends Classifier>(
    this: new (
      options?: ClassifierOptions,
    ) => C,
    bytes: Uint8Array,
    options: ClassifierOptions & { readonly source?: string } = {},
  ): C {
    const classifier = new this({ ...(options.backend ? { backend: options.backend } : {}) });
    classifier.loadBytes(bytes, options.source);
    return classifier;
  }

  /** A classifier holding a model description (one with `classification`). */
  static fromDescription<C extends Classifier>(
    this: new (
      options?: ClassifierOptions,
    ) => C,
    description: ModelDescription,
    options: ClassifierOptions = {},
  ): C {
    const classifier = new this(options);
    classifier.setModel(description);
    return classifier;
  }

  /**
   * Builds a model from inputs and class labels, with no hyper-parameters,
   * and makes it this classifier's model. The classes are the distinct
   * labels, sorted (by value when all are numbers). Resolves to the build's
   * history; its errors are log-losses (natural log, per row).
   */
  async build(options: ClassifierBuildOptions): Promise<BuildHistory> {
    this.checkAlive("build");
    const { input, settings, files, classes, labelName } = validateClassifierBuildOptions(options);
    const io = await this.buildFiles(files);
    const result = await buildModel(input, { ...settings, backend: settings.backend ?? this.backend }, io);
    this.checkAlive("build");
    this.setModel({ ...result.model, outputNames: [], classification: { label: labelName, classes } });
    if (files.writeModelTo !== null) await this.writeBuiltModel(files.writeModelTo, files.force);
    return result.history;
  }

  /** The class probabilities (n, k) of inputs x (n, m), columns in the order of `info().classes`; rows sum to 1. */
  async predictProba(x: ModelData): Promise<Matrix> {
    return this.model("predictProba").evaluate(x);
  }

  /** The most probable class of each row (numbers when every class name is a number, else the names). */
  async predict(x: ModelData): Promise<Label[]> {
    const probabilities = await this.model("predict").evaluate(x);
    const classes = this.classes("predict");
    const numeric = numericClasses(classes);
    const k = probabilities.cols;
    const labels: Label[] = [];
    for (let i = 0; i < probabilities.rows; i++) {
      let best = 0;
      for (let j = 1; j < k; j++)
        if (probabilities.data[i * k + j] > probabilities.data[i * k + best]) best = j;
      labels.push(labelOf(classes, best, numeric));
    }
    return labels;
  }

  /** The same as `predictProba`: the model's outputs are its class probabilities. */
  async evaluate(x: RowsInput): Promise<Matrix> {
    return this.model("evaluate").evaluate(x);
  }

  /** The logits of classes 1 … k − 1 against class 0, (n, k − 1): what the softmax turns into probabilities. */
  async logits(x: RowsInput): Promise<Matrix> {
    return this.model("logits").evaluate(x, "network");
  }

  /**
   * Accuracy, balanced accuracy, log-loss, expected calibration error and
   * confusion matrix of the model on rows x with their labels (a label the
   * model has no class for throws, naming its row).
   */
  async score(x: ModelData, labels: readonly Label[]): Promise<ClassificationScores> {
    const model = this.model("score");
    const classes = this.classes("score");
    const truth = classIndices(labelTexts(labels, "labels"), classes, "labels");
    const probabilities = await model.evaluate(x);
    if (probabilities.rows !== truth.length)
      throw new RangeError(`score: x has ${probabilities.rows} rows but labels has ${truth.length}`);
    return classificationScores(probabilities, truth, classes);
  }

  /**
   * Forward mode: dp (n, k), dp_i = J_w(x_i)·dw + J_x(x_i)·dx_i for the class
   * probabilities p (with `logits: true`, of the logits, (n, k − 1)), at
   * the given w. `dx: null` means no input direction.
   */
  async forwardDerivative(args: ForwardDerivativeArgs & LogitsOption): Promise<Matrix> {
    return this.model("forwardDerivative").forwardDerivative(args, side(args, "forwardDerivative"));
  }

  /**
   * Reverse mode: { dw (p, 1) = Σ_i J_w(x_i)ᵀ·py_i, dx (n, m) with dx_i =
   * J_x(x_i)ᵀ·py_i } for the class probabilities (py (n, k), columns named by
   * the classes when named) or, with `logits: true`, the logits (py (n, k − 1)).
   */
  async gradient(args: GradientArgs & LogitsOption): Promise<Gradient> {
    return this.model("gradient").gradient(args, side(args, "gradient"));
  }

  /** Sizes and names of the model. */
  info(): ClassifierInfo {
    const d = this.model("info").description();
    return {
      inputs: d.structure.inputs,
      classes: d.classification?.classes ?? [],
      labelName: d.classification?.label ?? "",
      weights: d.weights.length,
      hiddenNeurons: d.structure.hidden,
      links: d.structure.links.length,
      inputNames: d.inputNames,
    };
  }

  /**
   * The model as one dependency-free C99 file and its header (with the
   * current weights): `<name>_evaluate` gives the class probabilities
   * (`predictProba`), `<name>_input_gradient` what `gradient` returns as `dx`
   * for dy over the classes, needing only `math.h` (export/c-source.ts).
   */
  toC(options: CExportOptions = {}): CExport {
    return modelToC(this.model("toC").description(), options);
  }

  /**
   * The model as an ONNX file's bytes (with the current weights): a graph
   * from inputs `x` to the class probabilities `y` (a Softmax after the
   * network), float32 by default or float64 (export/onnx.ts).
   */
  toOnnx(options: OnnxExportOptions = {}): Uint8Array {
    return modelToOnnx(this.model("toOnnx").description(), options);
  }

  /** A classifier's outputs are its classes' probabilities, named by the classes (`sensitivity`). */
  protected override outputLabels(d: ModelDescription): readonly string[] {
    return d.classification?.classes ?? super.outputLabels(d);
  }

  private classes(call: string): readonly string[] {
    const classification = this.model(call).description().classification;
    // setModel admits classifiers only.
    if (!classification) throw new Error(`${call}: the model is not a classifier`);
    return classification.classes;
  }
}

function side(args: LogitsOption, call: string): OutputSide {
  if (args === null || typeof args !== "object") return "outputs";
  const { logits } = args;
  if (logits !== undefined && typeof logits !== "boolean")
    throw new TypeError(`${call}: logits must be true or false, got ${JSON.stringify(logits)}`);
  return logits ? "network" : "outputs";
}
