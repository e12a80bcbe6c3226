/**
 * What the Regressor and the Classifier share, without the file system: a
 * backend, one bound model at a time, its weights, its bytes and its
 * lifecycle. The Node entry adds `save(path)` / `load(path)` to each
 * (node/model-files.ts).
 */
import { cpu } from "@neureco/backend-cpu";
import type { Backend } from "@neureco/core";
import type { BuildIO } from "../builder/index.js";
import type { ModelData } from "../columns.js";
import type { Matrix, MatrixOrVectorInput } from "../matrix.js";
import type { BuildFiles } from "../regressor/build-options.js";
import { BoundModel } from "./bound-model.js";
import type { ModelDescription } from "./description.js";
import type { DeviceColumns, DeviceMatrix } from "./device-matrix.js";
import { modelFromBytes, modelToBytes } from "./model-file.js";
import { modelSensitivity, type Sensitivity, type SensitivityOptions } from "./sensitivity.js";

export interface ModelOptions {
  /** Where tensors live and kernels run; default a new CPU backend (`cpu()` of @neureco/backend-cpu). */
  readonly backend?: Backend;
}

/** Which model a class holds: a classifier's has classes, a compressor's a decoder, a regressor's neither. */
export type ModelKind = "Regressor" | "Classifier" | "Compressor";

/** The kind of model a description is. */
export function modelKind(description: ModelDescription): ModelKind {
  return description.classification ? "Classifier" : description.compression ? "Compressor" : "Regressor";
}

export abstract class TabularModel {
  readonly backend: Backend;
  /** True when this object created its backend (and so frees it on delete). */
  readonly #ownsBackend: boolean;
  #model: BoundModel | null = null;
  #deleted = false;

  /** The class's name, for errors, and the kind of model it holds. */
  protected readonly kind: ModelKind;

  protected constructor(kind: ModelKind, options: ModelOptions) {
    this.kind = kind;
    if (options === null || typeof options !== "object") {
      throw new TypeError(`${kind}: options must be an object`);
    }
    this.#ownsBackend = options.backend === undefined;
    this.backend = options.backend ?? cpu();
  }

  /** Whether a model is loaded (built, loaded or set) and this object is not deleted. */
  get hasModel(): boolean {
    return !this.#deleted && this.#model !== null;
  }

  /** The trainable parameters, (p, 1) (a copy). */
  getWeights(): Matrix {
    return this.model("getWeights").getWeights();
  }

  /** Replaces the trainable parameters: (p, 1) or length p. On error the weights are unchanged. */
  setWeights(w: MatrixOrVectorInput): void {
    this.model("setWeights").setWeights(w);
  }

  /**
   * How much each input moves each output over the rows `x` (at least 2,
   * matched to the model's inputs like `evaluate`'s): the mean absolute
   * derivative in raw and standardised units and its spread over the rows,
   * from the exact input derivatives, and first-order Sobol' indices
   * estimated on the model with their 95 % confidence half-width (see
   * `Sensitivity`).
   */
  async sensitivity(x: ModelData, options: SensitivityOptions = {}): Promise<Sensitivity> {
    const model = this.model("sensitivity");
    const d = model.description();
    const inputNames =
      d.inputNames.length === d.structure.inputs
        ? d.inputNames
        : Array.from({ length: d.structure.inputs }, (_, j) => `input${j + 1}`);
    return modelSensitivity(model, model.matchInputs(x, "x"), inputNames, this.outputLabels(d), options);
  }

  /** The names of the model's outputs in results: its output names, else output1 … outputk; a classifier's classes. */
  protected outputLabels(d: ModelDescription): readonly string[] {
    const k = d.structure.outputs;
    return d.outputNames.length === k ? d.outputNames : Array.from({ length: k }, (_, j) => `output${j + 1}`);
  }

  /** The backend-independent model with the current weights (a copy). */
  toDescription(): ModelDescription {
    return this.model("toDescription").description();
  }

  /** The model as `.ednn` bytes (with the current weights). */
  toBytes(): Uint8Array {
    this.model("toBytes");
    return modelToBytes(this.toDescription());
  }

  /** Replaces the model with one read from `.ednn` bytes; `source` names them in errors. */
  loadBytes(bytes: Uint8Array, source = "model bytes"): void {
    this.checkAlive("loadBytes");
    this.setModel(modelFromBytes(bytes, source), source);
  }

  /**
   * Replaces the model with `description` (validated, copied to the
   * backend). A classifier's description goes to a Classifier, a
   * compressor's to a Compressor and a regressor's to a Regressor; the
   * others are refused.
   */
  setModel(description: ModelDescription, source = "setModel"): void {
    this.checkAlive("setModel");
    const holds = modelKind(description);
    if (holds !== this.kind) {
      throw new TypeError(
        `${source}: the model is a ${holds.toLowerCase()}'s; load it with Tabular.${holds}, not Tabular.${this.kind}`,
      );
    }
    const next = new BoundModel(description, this.backend);
    this.#model?.delete();
    this.#model = next;
  }

  /** Frees the model's backend memory (and the backend, when this object created it). Later calls throw. */
  delete(): void {
    if (this.#deleted) return;
    this.#deleted = true;
    this.#model?.delete();
    this.#model = null;
    if (this.#ownsBackend) this.backend.destroy();
  }

  /**
   * The checkpoint reading and writing of a build. Without a file system
   * (this class) no path may be given; the Node entry overrides it.
   */
  protected async buildFiles(files: BuildFiles): Promise<BuildIO> {
    const given = (["writeModelTo", "checkpointAddress", "checkpointToStartBuildFrom"] as const).filter(
      (key) => files[key] !== null,
    );
    if (given.length > 0) {
      throw new Error(
        `build: ${given.join(", ")} need${given.length === 1 ? "s" : ""} a file system, which this entry of @neureco/tabular does not use; leave ${given.length === 1 ? "it" : "them"} out and keep the model with toBytes()`,
      );
    }
    return {};
  }

  /** Writes the built model to `writeModelTo`; only reached when `buildFiles` accepted the path. */
  protected async writeBuiltModel(path: string, _force: boolean): Promise<void> {
    throw new Error(`build: cannot write the model to "${path}" without a file system`);
  }

  /** Throws the error every call gives after `delete()`. */
  protected checkAlive(call: string): void {
    if (this.#deleted) throw new Error(`${call}: this ${this.kind} was deleted; create a new one`);
  }

  /**
   * The rows of `data` on the model's backend (a GPU's memory with the
   * WebGPU backend), converted to its float type once, for calls that take
   * rows (`x`, `dx`; with `columns: "outputs"`, `py`) to use again and again
   * without copying them: an optimisation loop over the same rows, say.
   * Column names are matched as the calls match them. Free them with
   * `delete()`; they cannot outlive the model's backend.
   */
  upload(data: ModelData, columns: DeviceColumns = "inputs"): DeviceMatrix {
    return this.model("upload").upload(data, columns);
  }

  /** The bound model, or the error a call without one gives. */
  protected model(call: string): BoundModel {
    this.checkAlive(call);
    if (!this.#model) throw new Error(`${call}: no model yet; build() or load() one first`);
    return this.#model;
  }
}
