/**
 * A model as an ONNX graph (IR version ONNX_IR_VERSION, opset ONNX_OPSET)
 * that computes what `evaluate` does: the inputs normalised (the scale
 * folded into the weights that read them), the network, the outputs mapped
 * back to raw units. Input `x` (N × m) and output `y`
 * (N × k) have a dynamic batch dimension N; the column names, build errors
 * and library version are in `metadata_props`. A classifier's `y` is its
 * class probabilities: a zero logit for class 0 is written as a first
 * output column of zero weights, and a Softmax follows. A compressor is two
 * models (compressor/halves.ts), each exported as one.
 *
 * The network is written layer by layer as MatMul, Add and Tanh: the hidden
 * neurons of one depth (the longest path from an input) form a layer that
 * reads the values computed before it, concatenated; links that do not
 * exist are zeros of its weight matrix. A layer is dense (its matrix has a
 * row for every value before it) unless its links read fewer than half of
 * those values: then a Gather takes the columns it reads first, and its
 * matrix has a row for each of them only (`layerLayout`). Dense is what
 * ONNX Runtime runs fastest for a compact layer — one MatMul, no copy —
 * while a layer that reads few of many values (deep, sparse networks: a
 * chain of neurons reads one value each) would multiply mostly zeros, and
 * their matrices would grow as the square of the depth. The protobuf is
 * written by onnx-proto (protobufjs code generated from ONNX's schema).
 */
import onnxProto from "onnx-proto";
import type { ModelDescription } from "../model/description.js";
import { LIBRARY_NAME, LIBRARY_VERSION } from "../model/library-version.js";
import { planLayers } from "../network/structure.js";

const { onnx } = onnxProto;

/** The ONNX IR version written (ONNX 1.13 and later, ONNX Runtime 1.14 and later). */
export const ONNX_IR_VERSION = 8;
/** The opset of the default domain used: MatMul, Add, Sub, Mul, Tanh, Concat, Gather and Softmax as in opset 17. */
export const ONNX_OPSET = 17;

export interface OnnxExportOptions {
  /** Element type of the graph's input, output and constants (default "float32"). */
  readonly dtype?: "float32" | "float64";
}

/** Most matrix entries an export writes: a larger model is refused with its size rather than written as gigabytes. */
export const ONNX_DENSE_ENTRIES_LIMIT = 2 ** 24;

/**
 * How a layer reads the values before it: all of them (null: dense), or
 * only these columns, gathered first, when they are fewer than half.
 */
export function layerLayout(sourceColumns: readonly number[], width: number): number[] | null {
  const read = [...new Set(sourceColumns)].sort((a, b) => a - b);
  // A layer reading nothing (neurons of a bias alone) stays dense: a matrix of zeros.
  return read.length > 0 && 2 * read.length < width ? read : null;
}

export function modelToOnnx(model: ModelDescription, options: OnnxExportOptions = {}): Uint8Array {
  if (model.compression)
    throw new TypeError("toOnnx: a compressor is two graphs; export it with Compressor.toOnnx");
  const classes = model.classification?.classes ?? null;
  const dtype = options.dtype ?? "float32";
  const elemType = dtype === "float64" ? onnx.TensorProto.DataType.DOUBLE : onnx.TensorProto.DataType.FLOAT;
  const s = model.structure;
  const m = s.inputs;
  // A classifier's outputs: its classes, class 0's logit a zero column before the network's.
  const k = classes ? classes.length : s.outputs;
  const initializers: InstanceType<typeof onnx.TensorProto>[] = [];
  const nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  const constant = (name: string, dims: number[], values: ArrayLike<number>) => {
    const data = dtype === "float64" ? Float64Array.from(values) : Float32Array.from(values);
    initializers.push(
      onnx.TensorProto.create({
        name,
        dims,
        dataType: elemType,
        rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      }),
    );
    return name;
  };
  const node = (opType: string, inputs: string[], output: string) => {
    nodes.push(onnx.NodeProto.create({ opType, input: inputs, output: [output], name: output }));
    return output;
  };
  /** The columns `columns` of `values` (Gather on axis 1, the indices an int64 constant). */
  const gather = (values: string, columns: readonly number[], output: string) => {
    const indices = BigInt64Array.from(columns, (c) => BigInt(c));
    initializers.push(
      onnx.TensorProto.create({
        name: `${output}_columns`,
        dims: [columns.length],
        dataType: onnx.TensorProto.DataType.INT64,
        rawData: new Uint8Array(indices.buffer),
      }),
    );
    nodes.push(
      onnx.NodeProto.create({
        opType: "Gather",
        input: [values, `${output}_columns`],
        output: [output],
        name: output,
        attribute: [
          onnx.AttributeProto.create({ name: "axis", type: onnx.AttributeProto.AttributeType.INT, i: 1 }),
        ],
      }),
    );
    return output;
  };

  // Shifted inputs; the division by each input's scale is folded into the
  // weights that read it. A Div node would be fused by ONNX Runtime into
  // the next MatMul as a float32 `alpha` where an input is alone (a scalar
  // scale), costing float64 graphs 1e-7 relative.
  let available = node(
    "Sub",
    ["x", constant("input_shift", [m], model.inputNormalization.shift)],
    "x_shifted",
  );
  // The forward pass's own plan (network/structure.ts): hidden neurons in
  // steps by depth, then the outputs; each step reads the columns of the
  // values computed before it, inputs first, then each step's neurons.
  const steps = planLayers(s);
  const layouts: (number[] | null)[] = [];
  let entries = 0;
  let width = m;
  for (const step of steps) {
    const read = layerLayout(step.sourceColumns, width);
    layouts.push(read);
    entries += (read ? read.length : width) * step.neurons.length;
    width += step.neurons.length;
  }
  if (entries > ONNX_DENSE_ENTRIES_LIMIT) {
    throw new RangeError(
      `toOnnx: the model's ${steps.length} layers need ${entries} matrix entries (at most ${ONNX_DENSE_ENTRIES_LIMIT} are written)`,
    );
  }
  width = m;
  steps.forEach((step, index) => {
    const zeroLogit = classes && step.isOutput ? 1 : 0;
    const h = step.neurons.length + zeroLogit;
    const name = step.isOutput ? "output" : `layer${index + 1}`;
    const read = layouts[index];
    // The row of each value the layer reads in its matrix: its column, or its place among the gathered ones.
    const rowOf = read ? new Map(read.map((column, row) => [column, row])) : null;
    const rows = read ? read.length : width;
    const w = new Float64Array(rows * h);
    step.weightIndices.forEach((l, i) => {
      const from = s.links[l][0];
      const weight = from < m ? model.weights[l] / model.inputNormalization.scale[from] : model.weights[l];
      const row = rowOf ? (rowOf.get(step.sourceColumns[i]) ?? 0) : step.sourceColumns[i];
      w[row * h + step.targetPositions[i] + zeroLogit] = weight;
    });
    const source = read ? gather(available, read, `${name}_read`) : available;
    const sum = node(
      "Add",
      [
        node("MatMul", [source, constant(`${name}_weights`, [rows, h], w)], `${name}_product`),
        constant(
          `${name}_biases`,
          [h],
          [...(zeroLogit ? [0] : []), ...step.biasIndices.map((b) => model.weights[b])],
        ),
      ],
      step.isOutput ? "y_normalised" : `${name}_sum`,
    );
    if (step.isOutput) return; // The last step: y_normalised.
    nodes.push(
      onnx.NodeProto.create({
        opType: "Concat",
        input: [available, node("Tanh", [sum], name)],
        output: [`values${index + 1}`],
        name: `values${index + 1}`,
        attribute: [
          onnx.AttributeProto.create({ name: "axis", type: onnx.AttributeProto.AttributeType.INT, i: 1 }),
        ],
      }),
    );
    available = `values${index + 1}`;
    width += h;
  });
  if (classes) {
    // The logits' normalisation is the identity (a classifier's description says so).
    nodes.push(
      onnx.NodeProto.create({
        opType: "Softmax",
        input: ["y_normalised"],
        output: ["y"],
        name: "y",
        attribute: [
          onnx.AttributeProto.create({ name: "axis", type: onnx.AttributeProto.AttributeType.INT, i: 1 }),
        ],
      }),
    );
  } else {
    node(
      "Add",
      [
        node(
          "Mul",
          ["y_normalised", constant("output_scale", [k], model.outputNormalization.scale)],
          "y_scaled",
        ),
        constant("output_shift", [k], model.outputNormalization.shift),
      ],
      "y",
    );
  }

  const valueInfo = (name: string, columns: number, doc: string) =>
    onnx.ValueInfoProto.create({
      name,
      docString: doc,
      type: onnx.TypeProto.create({
        tensorType: onnx.TypeProto.Tensor.create({
          elemType,
          shape: onnx.TensorShapeProto.create({
            dim: [
              onnx.TensorShapeProto.Dimension.create({ dimParam: "N" }),
              onnx.TensorShapeProto.Dimension.create({ dimValue: columns }),
            ],
          }),
        }),
      }),
    });
  const names = (given: readonly string[], count: number, prefix: string) =>
    given.length === count ? [...given] : Array.from({ length: count }, (_, j) => `${prefix}${j + 1}`);
  const inputNames = names(model.inputNames, m, "x");
  const outputNames = classes ? [...classes] : names(model.outputNames, k, "y");
  const graph = onnx.GraphProto.create({
    name: "neureco_model",
    node: nodes,
    initializer: initializers,
    input: [valueInfo("x", m, `inputs in raw units, columns ${JSON.stringify(inputNames)}`)],
    output: [
      valueInfo(
        "y",
        k,
        classes
          ? `class probabilities, columns ${JSON.stringify(outputNames)}`
          : `outputs in raw units, columns ${JSON.stringify(outputNames)}`,
      ),
    ],
  });
  const metadata: [string, string][] = [
    ["inputNames", JSON.stringify(inputNames)],
    ["outputNames", JSON.stringify(outputNames)],
    ...(model.classification ? [["label", model.classification.label] as [string, string]] : []),
    ["library", `${LIBRARY_NAME} ${LIBRARY_VERSION}`],
    ["structure", JSON.stringify({ inputs: m, hidden: s.hidden, outputs: k, links: s.links.length })],
    ["errors", JSON.stringify(model.errors ?? null)],
  ];
  const modelProto = onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [onnx.OperatorSetIdProto.create({ domain: "", version: ONNX_OPSET })],
    producerName: LIBRARY_NAME,
    producerVersion: LIBRARY_VERSION,
    docString: classes
      ? `A neureco classifier: ${m} inputs, ${s.hidden} hidden tanh neurons, ${k} classes, ${model.weights.length} weights; y = predictProba(x).`
      : `A neureco model: ${m} inputs, ${s.hidden} hidden tanh neurons, ${k} linear outputs, ${model.weights.length} weights; y = evaluate(x) in raw units.`,
    graph,
    metadataProps: metadata.map(([key, value]) => onnx.StringStringEntryProto.create({ key, value })),
  });
  return onnx.ModelProto.encode(modelProto).finish();
}
