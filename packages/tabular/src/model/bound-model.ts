/**
 * A model bound to a backend: the normalisation constants and the weights
 * live in backend tensors, and every call runs a jitted function of core
 * tensors, so the network is traced once per input shape. All derivatives go
 * through core's `jvp` and `vjp` on the model in raw units (SPEC section 3).
 */
import { type Backend, type DType, type HostArray, jit, jvp, type Tensor, tensor, vjp } from "@neureco/core";
import { alignColumns, type ModelData } from "../columns.js";
import { assertFinite, expectShape, Matrix, type MatrixOrVectorInput } from "../matrix.js";
import { classProbabilities } from "../network/class-probabilities.js";
import { type NetworkFunction, networkFunction, rawUnitsFunction } from "../network/forward.js";
import { weightCount } from "../network/structure.js";
import type { ModelDescription } from "./description.js";
import { type DeviceColumns, DeviceMatrix } from "./device-matrix.js";
import { checkDescription } from "./model-file.js";
import { posteriorDirections } from "./posterior.js";

/** Rows given to a call: data, or rows already on the model's backend (`model.upload`). */
export type RowsInput = ModelData | DeviceMatrix;

export interface ForwardDerivativeArgs {
  /** Weights at which to differentiate, (p, 1) or length p. */
  readonly w: MatrixOrVectorInput;
  /** Direction in weight space, (p, 1) or length p. */
  readonly dw: MatrixOrVectorInput;
  /** Inputs (n, m); with column names (`{ matrix, columns }`, a `CsvTable`), matched to the model's input names; or rows uploaded with `model.upload`. */
  readonly x: RowsInput;
  /** Direction in input space (n, m), or null for none; with column names, matched like `x`. */
  readonly dx: RowsInput | null;
}

export interface GradientArgs {
  readonly w: MatrixOrVectorInput;
  /** Inputs (n, m); with column names (`{ matrix, columns }`, a `CsvTable`), matched to the model's input names; or rows uploaded with `model.upload`. */
  readonly x: RowsInput;
  /** Output cotangents (n, k); with column names, matched to the model's output names; or rows uploaded with `model.upload(py, "outputs")`. */
  readonly py: RowsInput;
}

/** Rows a call works on: host data, or rows on the backend. */
type Rows = Matrix | DeviceMatrix;

export interface Gradient {
  /** (p, 1): Σ_i J_w(x_i)ᵀ · py_i. */
  readonly dw: Matrix;
  /** (n, m): row i is J_x(x_i)ᵀ · py_i. */
  readonly dx: Matrix;
}

/** The float type a backend computes the model in: float64 when it can. */
export function modelDtype(backend: Backend): DType {
  return backend.dtypes.includes("float64") ? "float64" : "float32";
}

/** Input shift, input scale, output shift, output scale: (1, m), (1, m), (1, k), (1, k). */
type Normalization = readonly [Tensor, Tensor, Tensor, Tensor];

/** Each call takes the normalisation first, then its own arguments. */
type Calls = {
  evaluate: (...args: [...Normalization, w: Tensor, x: Tensor]) => Tensor;
  forwardWithDx: (...args: [...Normalization, w: Tensor, dw: Tensor, x: Tensor, dx: Tensor]) => Tensor;
  forwardWeightsOnly: (...args: [...Normalization, w: Tensor, dw: Tensor, x: Tensor]) => Tensor;
  gradient: (...args: [...Normalization, w: Tensor, x: Tensor, py: Tensor]) => readonly Tensor[];
};

/**
 * The network in raw units, the normalisation given as tensors. The jitted
 * calls take it as arguments rather than closing over it: core's `jit`
 * computes at trace time what depends on captured tensors alone (here their
 * broadcast over the rows) and keeps it with the graph, which made every
 * call copy four (n, ·) constant arrays as if they were data and kept them
 * per row count for the model's life.
 */
function rawUnits(
  network: NetworkFunction,
  [inShift, inScale, outShift, outScale]: Normalization,
): NetworkFunction {
  return rawUnitsFunction(network, { shift: inShift, scale: inScale }, { shift: outShift, scale: outScale });
}

/** The compiled calls of `network` in raw units, its outputs passed through `head` when given. */
function compiledCalls(network: NetworkFunction, head: ((y: Tensor) => Tensor) | null): Calls {
  const model = (n: Normalization): NetworkFunction => {
    const f = rawUnits(network, n);
    return head ? (w, x) => head(f(w, x)) : f;
  };
  return {
    evaluate: jit((is, isc, os, osc, w, x) => model([is, isc, os, osc])(w, x)),
    forwardWithDx: jit(
      (is, isc, os, osc, w, dw, x, dx) => jvp(model([is, isc, os, osc]), [w, x], [dw, dx])[1],
    ),
    forwardWeightsOnly: jit((is, isc, os, osc, w, dw, x) => {
      const f = model([is, isc, os, osc]);
      return jvp((wv: Tensor) => f(wv, x), [w], [dw])[1];
    }),
    gradient: jit((is, isc, os, osc, w, x, py) => {
      const [, pullback] = vjp(model([is, isc, os, osc]), [w, x]);
      return pullback(py);
    }),
  };
}

/**
 * Which outputs a call is about: the model's (`outputs`: a regressor's
 * values, a classifier's class probabilities) or its network's (`network`:
 * a classifier's logits of classes 1 … k − 1; a regressor's outputs again).
 */
export type OutputSide = "outputs" | "network";

export class BoundModel {
  readonly backend: Backend;
  readonly dtype: DType;
  /** The description with the current weights (a private copy). */
  #description: ModelDescription;
  #weights: Tensor;
  readonly #constants: Normalization;
  /** The model's outputs: the network's, or a classifier's class probabilities. */
  readonly #calls: Calls;
  /** The network's own outputs (a classifier's logits; else the same as `#calls`). */
  readonly #networkCalls: Calls;
  #deleted = false;

  constructor(description: ModelDescription, backend: Backend) {
    checkDescription(description, "model");
    this.backend = backend;
    this.dtype = modelDtype(backend);
    this.#description = { ...description, weights: description.weights.slice() };
    const row = (values: Float64Array) => tensor(backend, values, [1, values.length], this.dtype);
    this.#constants = [
      row(description.inputNormalization.shift),
      row(description.inputNormalization.scale),
      row(description.outputNormalization.shift),
      row(description.outputNormalization.scale),
    ];
    this.#weights = row(this.#description.weights);
    const network = networkFunction(description.structure);
    this.#calls = compiledCalls(network, description.classification ? classProbabilities : null);
    this.#networkCalls = description.classification ? compiledCalls(network, null) : this.#calls;
  }

  get inputs(): number {
    return this.#description.structure.inputs;
  }

  /** Columns of the model's outputs: a classifier's classes, else the network's outputs. */
  get outputs(): number {
    return this.#description.classification?.classes.length ?? this.#description.structure.outputs;
  }

  private width(side: OutputSide): number {
    return side === "outputs" ? this.outputs : this.#description.structure.outputs;
  }

  private callsOf(side: OutputSide): Calls {
    return side === "outputs" ? this.#calls : this.#networkCalls;
  }

  /** The names of the columns of `side` (empty: unnamed, matched by position). */
  private outputColumnNames(side: OutputSide): readonly string[] {
    const { classification, outputNames } = this.#description;
    if (!classification) return outputNames;
    return side === "outputs" ? classification.classes : classification.classes.slice(1);
  }

  get weightCount(): number {
    return weightCount(this.#description.structure);
  }

  get isDeleted(): boolean {
    return this.#deleted;
  }

  /** Whether the model carries the posterior its error bars need. */
  get hasPosterior(): boolean {
    return this.#description.posterior !== undefined;
  }

  /** The backend-independent model, with the current weights (a copy). */
  description(): ModelDescription {
    this.checkAlive("description");
    return { ...this.#description, weights: this.#description.weights.slice() };
  }

  /**
   * The rows of `data` on this model's backend, converted to its float type
   * once: the model's inputs (x, dx), or with `columns: "outputs"` its
   * outputs (py); column names are matched as the calls match them.
   */
  upload(data: ModelData, columns: DeviceColumns): DeviceMatrix {
    this.checkAlive("upload");
    const names = columns === "inputs" ? this.#description.inputNames : this.outputColumnNames("outputs");
    const aligned = alignColumns(
      data,
      names,
      "data",
      columns === "inputs" ? "the model's inputs" : "the model's outputs",
    ).data;
    const m = aligned instanceof Matrix ? aligned : Matrix.from(aligned, "data");
    assertFinite(m, "data");
    expectShape(m, [null, columns === "inputs" ? this.inputs : this.outputs], "data");
    return new DeviceMatrix(
      tensor(this.backend, m.data, [m.rows, m.cols], this.dtype),
      this.backend,
      columns,
    );
  }

  /** y (n, k) for x (n, m). */
  async evaluate(xInput: RowsInput, side: OutputSide = "outputs"): Promise<Matrix> {
    this.checkAlive("evaluate");
    const x = this.inputMatrix(xInput, "x", null);
    const n = x.rows;
    const k = this.width(side);
    if (n === 0) return Matrix.zeros(0, k);
    const calls = this.callsOf(side);
    return this.run([x], ([xt]) => calls.evaluate(...this.#constants, this.#weights, xt), [[n, k]]).then(
      ([y]) => y,
    );
  }

  /** y (n, k) for x (n, m) at the weights w given (the stored ones are not used). */
  async evaluateAt(wInput: MatrixOrVectorInput, xInput: RowsInput): Promise<Matrix> {
    this.checkAlive("evaluate");
    const w = this.weightsRow(wInput, "w");
    const x = this.inputMatrix(xInput, "x", null);
    const n = x.rows;
    const k = this.outputs;
    if (n === 0) return Matrix.zeros(0, k);
    const [y] = await this.run([w, x], ([wt, xt]) => this.#calls.evaluate(...this.#constants, wt, xt), [
      [n, k],
    ]);
    return y;
  }

  /**
   * y (n, k) for x (n, m) and each prediction's standard deviation, in raw
   * units: the noise and the weights' posterior uncertainty (see
   * posterior.ts). The rows are uploaded once for both. Throws when the
   * model carries no posterior.
   */
  async evaluateWithSd(xInput: RowsInput, call: string): Promise<{ y: Matrix; sd: Matrix }> {
    this.checkAlive(call);
    const { posterior, outputNormalization } = this.#description;
    if (!posterior) {
      throw new Error(
        `${call}: this model carries no error bars: it was saved by an older version of the library, or its weights were set after it was built; build it again to get them`,
      );
    }
    const x = this.inputMatrix(xInput, "x", null);
    const n = x.rows;
    const k = this.outputs;
    const variance = new Float64Array(n * k);
    let y = Matrix.zeros(n, k);
    if (n > 0) {
      const xt = this.tensorOf(x, "x", call);
      try {
        const yt = this.#calls.evaluate(...this.#constants, this.#weights, xt);
        try {
          y = new Matrix(float64(await yt.read()), n, k);
        } finally {
          yt.dispose();
        }
        for (const v of posteriorDirections(posterior, this.weightCount)) {
          const vt = tensor(this.backend, v, [1, v.length], this.dtype);
          let dy: Tensor | undefined;
          try {
            dy = this.#calls.forwardWeightsOnly(...this.#constants, this.#weights, vt, xt);
            const values = await dy.read();
            for (let i = 0; i < n * k; i++) variance[i] += values[i] * values[i];
          } finally {
            vt.dispose();
            dy?.dispose();
          }
        }
      } finally {
        if (!(x instanceof DeviceMatrix)) xt.dispose();
      }
    }
    const sd = new Matrix(new Float64Array(n * k), n, k);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < k; j++) {
        const noise = outputNormalization.scale[j] ** 2 * posterior.noiseVariance[j];
        sd.data[i * k + j] = Math.sqrt(variance[i * k + j] + noise);
      }
    }
    return { y, sd };
  }

  getWeights(): Matrix {
    this.checkAlive("getWeights");
    return new Matrix(this.#description.weights.slice(), this.weightCount, 1);
  }

  /** Replaces the weights; on any error the weights are unchanged. */
  setWeights(wInput: MatrixOrVectorInput): void {
    this.checkAlive("setWeights");
    const w = this.weightsRow(wInput, "w");
    const uploaded = tensor(this.backend, w.data, [1, w.cols], this.dtype);
    this.#weights.dispose();
    this.#weights = uploaded;
    // The posterior describes the weights the model was built with, not these.
    const { posterior: _built, ...rest } = this.#description;
    this.#description = { ...rest, weights: w.data };
  }

  /** dy (n, k), dy_i = J_w(x_i)·dw + J_x(x_i)·dx_i, at the given w (the stored weights are not used). */
  async forwardDerivative(args: ForwardDerivativeArgs, side: OutputSide = "outputs"): Promise<Matrix> {
    this.checkAlive("forwardDerivative");
    checkArgs(args, ["w", "dw", "x", "dx"], "forwardDerivative");
    const w = this.weightsRow(args.w, "w");
    const dw = this.weightsRow(args.dw, "dw");
    const x = this.inputMatrix(args.x, "x", null);
    const n = x.rows;
    const dx = args.dx === null ? null : this.inputMatrix(args.dx, "dx", n);
    const k = this.width(side);
    if (n === 0) return Matrix.zeros(0, k);
    const calls = this.callsOf(side);
    const [dy] = dx
      ? await this.run(
          [w, dw, x, dx],
          ([wt, dwt, xt, dxt]) => calls.forwardWithDx(...this.#constants, wt, dwt, xt, dxt),
          [[n, k]],
        )
      : await this.run(
          [w, dw, x],
          ([wt, dwt, xt]) => calls.forwardWeightsOnly(...this.#constants, wt, dwt, xt),
          [[n, k]],
        );
    return dy;
  }

  /** { dw (p, 1) = Σ_i J_w(x_i)ᵀ·py_i, dx (n, m) with dx_i = J_x(x_i)ᵀ·py_i }, at the given w. */
  async gradient(args: GradientArgs, side: OutputSide = "outputs"): Promise<Gradient> {
    this.checkAlive("gradient");
    checkArgs(args, ["w", "x", "py"], "gradient");
    const w = this.weightsRow(args.w, "w");
    const x = this.inputMatrix(args.x, "x", null);
    const n = x.rows;
    const py =
      args.py instanceof DeviceMatrix
        ? this.deviceRows(args.py, "py", "gradient", "outputs", this.width(side))
        : Matrix.from(
            alignColumns(args.py, this.outputColumnNames(side), "py", "the model's outputs").data,
            "py",
          );
    expectShape(py, [n, this.width(side)], "py");
    const calls = this.callsOf(side);
    const p = this.weightCount;
    if (n === 0) return { dw: Matrix.zeros(p, 1), dx: Matrix.zeros(0, this.inputs) };
    const [dw, dx] = await this.run(
      [w, x, py],
      ([wt, xt, pyt]) => calls.gradient(...this.#constants, wt, xt, pyt),
      [
        [p, 1],
        [n, this.inputs],
      ],
    );
    return { dw, dx };
  }

  /** Frees the backend tensors; later calls throw. Deleting twice is a no-op. */
  delete(): void {
    if (this.#deleted) return;
    this.#deleted = true;
    this.#weights.dispose();
    for (const t of this.#constants) t.dispose();
  }

  /** Throws the error every call gives after `delete()`. */
  checkAlive(call: string): void {
    if (this.#deleted) throw new Error(`${call}: the model was deleted; create or load a model again`);
  }

  /**
   * Uploads the arguments, runs `fn`, reads the results back as float64
   * matrices of the given shapes and frees every tensor it made.
   */
  private async run(
    args: readonly Rows[],
    fn: (tensors: Tensor[]) => Tensor | readonly Tensor[],
    shapes: readonly (readonly [number, number])[],
  ): Promise<Matrix[]> {
    const given = args.map((m) => this.tensorOf(m, "rows", "run"));
    // Rows uploaded by the caller stay; what is uploaded here is freed.
    const uploaded = given.filter((_, i) => !(args[i] instanceof DeviceMatrix));
    let outputs: readonly Tensor[] = [];
    try {
      const result = fn(given);
      outputs = Array.isArray(result) ? (result as readonly Tensor[]) : [result as Tensor];
      const values = await Promise.all(outputs.map((t) => t.read()));
      return values.map((v, k) => new Matrix(float64(v), shapes[k][0], shapes[k][1]));
    } finally {
      for (const t of uploaded) t.dispose();
      for (const t of outputs) t.dispose();
    }
  }

  /** A weight vector given as (p, 1) or length p, returned as the (1, p) row the network takes. */
  private weightsRow(input: MatrixOrVectorInput, name: string): Matrix {
    const m = Matrix.from(input, name, { allowVector: true });
    expectShape(m, [this.weightCount, 1], name);
    return new Matrix(m.data, 1, m.rows);
  }
  /** Inputs (n, m) as `evaluate` takes them: data with column names matched to the model's input names; `name` names them in errors. */
  matchInputs(input: ModelData, name: string): Matrix {
    this.checkAlive(name);
    // A copy: the caller keeps it across awaits.
    return Matrix.from(this.hostRows(input, name, null), name);
  }

  /** The rows as a tensor of this backend: a DeviceMatrix's own, or `m` uploaded (the caller frees it). */
  private tensorOf(m: Rows, name: string, call: string): Tensor {
    if (m instanceof DeviceMatrix) return m.tensorFor(this.backend, name, call);
    return tensor(this.backend, m.data, [m.rows, m.cols], this.dtype);
  }

  /** A DeviceMatrix given as `name`, checked to hold `columns` (`cols` of them) and, when given, `rows` rows. */
  private deviceRows(
    m: DeviceMatrix,
    name: string,
    call: string,
    columns: DeviceColumns,
    cols: number,
    rows: number | null = null,
  ): DeviceMatrix {
    m.tensorFor(this.backend, name, call); // deleted, or on another backend: throws
    if (m.columns !== columns) {
      throw new Error(
        `${call}: ${name} is a DeviceMatrix of the model's ${m.columns}; expected its ${columns} (upload it with columns "${columns}")`,
      );
    }
    expectShape(m, [rows, cols], name);
    return m;
  }

  /**
   * Inputs (n, m); data with column names are first matched to the model's
   * input names. A Matrix is used as it is, not copied: the calls upload it
   * before they first await, so a later change by the caller cannot reach
   * the result (and rows of data are not copied once more).
   */
  private inputMatrix(input: RowsInput, name: string, rows: number | null): Rows {
    if (input instanceof DeviceMatrix) return this.deviceRows(input, name, name, "inputs", this.inputs, rows);
    return this.hostRows(input, name, rows);
  }

  private hostRows(input: ModelData, name: string, rows: number | null): Matrix {
    const aligned = alignColumns(input, this.#description.inputNames, name, "the model's inputs").data;
    const m = aligned instanceof Matrix ? aligned : Matrix.from(aligned, name);
    if (m === aligned) assertFinite(m, name);
    expectShape(m, [rows, this.inputs], name);
    return m;
  }
}

/** A read-back array as float64: `read` hands back a fresh array, so float64 is kept as it is. */
function float64(values: HostArray): Float64Array {
  return values instanceof Float64Array ? values : new Float64Array(values);
}

function checkArgs(args: unknown, names: readonly string[], call: string): void {
  if (args === null || typeof args !== "object") {
    throw new TypeError(`${call}: expected an object { ${names.join(", ")} }`);
  }
  for (const name of names) {
    if (!(name in args) || (args as Record<string, unknown>)[name] === undefined) {
      throw new TypeError(
        `${call}: missing argument ${name}${name === "dx" ? " (pass null for no input direction)" : ""}`,
      );
    }
  }
}
