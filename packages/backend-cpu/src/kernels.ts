/**
 * The kernel table of the CPU backend: each kernel checks its inputs, reads
 * their arrays from storage, allocates the output and runs a `*Impl` loop.
 */
import {
  type BinaryElementwise,
  type DataId,
  type HostArray,
  type Kernel,
  type KernelTable,
  type OutputSpec,
  type Shape,
  sizeOf,
  type TensorInfo,
  type UnaryElementwise,
} from "@neureco/core";
import { binaryImpl, selectImpl, unaryImpl } from "./impl/elementwise.js";
import { gatherImpl, scatterAddImpl } from "./impl/indexing.js";
import { broadcastImpl, concatImpl, sliceImpl, transposeImpl } from "./impl/layout.js";
import { matmulImpl } from "./impl/matmul.js";
import { type ReduceOp, reduceImpl } from "./impl/reduce.js";
import type { CpuStorage } from "./storage.js";

const describeShape = (shape: Shape) => `[${shape.join(", ")}]`;

function fail(prim: string, message: string): never {
  throw new Error(`cpu backend, ${prim}: ${message}`);
}

function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function expectInputs(prim: string, inputs: readonly TensorInfo[], count: number): void {
  if (inputs.length !== count) fail(prim, `expects ${count} input(s), got ${inputs.length}`);
}

function expectOutShape(prim: string, out: OutputSpec, shape: Shape): void {
  if (!sameShape(out.shape, shape)) {
    fail(prim, `output shape ${describeShape(out.shape)} should be ${describeShape(shape)}`);
  }
}

function checkAxes(prim: string, axes: readonly number[], rank: number): void {
  for (const axis of axes) {
    if (!Number.isInteger(axis) || axis < 0 || axis >= rank)
      fail(prim, `axis ${axis} out of range for rank ${rank}`);
  }
}

function checkIndices(prim: string, indices: readonly number[], bound: number): void {
  for (const index of indices) {
    if (!Number.isInteger(index) || index < 0 || index >= bound) {
      fail(prim, `index ${index} out of range [0, ${bound})`);
    }
  }
}

export function createKernels(storage: CpuStorage): KernelTable {
  /** Allocates the output, lets `compute` fill it, and stores it. */
  const produce = (out: OutputSpec, compute: (result: HostArray) => void): DataId => {
    const result = storage.allocate(out);
    compute(result);
    return storage.adopt(result);
  };

  const unary =
    (op: UnaryElementwise): Kernel<UnaryElementwise> =>
    (inputs, _params, out) => {
      expectInputs(op, inputs, 1);
      expectOutShape(op, out, inputs[0].shape);
      const x = storage.get(inputs[0]);
      return produce(out, (result) => unaryImpl(op, x, result));
    };

  const binary =
    (op: BinaryElementwise): Kernel<BinaryElementwise> =>
    (inputs, _params, out) => {
      expectInputs(op, inputs, 2);
      const [a, b] = inputs;
      if (!sameShape(a.shape, b.shape)) {
        fail(op, `operand shapes ${describeShape(a.shape)} and ${describeShape(b.shape)} differ`);
      }
      expectOutShape(op, out, a.shape);
      const x = storage.get(a);
      const y = storage.get(b);
      return produce(out, (result) => binaryImpl(op, x, y, result));
    };

  const reduce =
    (op: ReduceOp): Kernel<ReduceOp> =>
    (inputs, { axes }, out) => {
      expectInputs(op, inputs, 1);
      const { shape } = inputs[0];
      checkAxes(op, axes, shape.length);
      expectOutShape(
        op,
        out,
        shape.map((d, i) => (axes.includes(i) ? 1 : d)),
      );
      const x = storage.get(inputs[0]);
      return produce(out, (result) => reduceImpl(op, x, shape, axes, result));
    };

  return {
    add: binary("add"),
    sub: binary("sub"),
    mul: binary("mul"),
    div: binary("div"),
    greater: binary("greater"),
    equal: binary("equal"),
    neg: unary("neg"),
    exp: unary("exp"),
    log: unary("log"),
    sqrt: unary("sqrt"),
    tanh: unary("tanh"),
    sigmoid: unary("sigmoid"),
    relu: unary("relu"),

    select: (inputs, _params, out) => {
      expectInputs("select", inputs, 3);
      const [c, a, b] = inputs;
      if (!sameShape(c.shape, a.shape) || !sameShape(a.shape, b.shape)) {
        fail("select", `shapes ${inputs.map((t) => describeShape(t.shape)).join(", ")} differ`);
      }
      expectOutShape("select", out, a.shape);
      const cond = storage.get(c);
      const x = storage.get(a);
      const y = storage.get(b);
      return produce(out, (result) => selectImpl(cond, x, y, result));
    },

    matmul: (inputs, _params, out) => {
      expectInputs("matmul", inputs, 2);
      const [a, b] = inputs;
      if (a.shape.length !== 2 || b.shape.length !== 2 || a.shape[1] !== b.shape[0]) {
        fail("matmul", `cannot multiply ${describeShape(a.shape)} by ${describeShape(b.shape)}`);
      }
      const [n, k] = a.shape;
      const m = b.shape[1];
      expectOutShape("matmul", out, [n, m]);
      const x = storage.get(a);
      const y = storage.get(b);
      return produce(out, (result) => matmulImpl(x, y, n, k, m, result));
    },

    sum: reduce("sum"),
    max: reduce("max"),

    broadcast: (inputs, { shape }, out) => {
      expectInputs("broadcast", inputs, 1);
      const inShape = inputs[0].shape;
      if (inShape.length !== shape.length || inShape.some((d, i) => d !== 1 && d !== shape[i])) {
        fail("broadcast", `cannot broadcast ${describeShape(inShape)} to ${describeShape(shape)}`);
      }
      expectOutShape("broadcast", out, shape);
      const x = storage.get(inputs[0]);
      return produce(out, (result) => broadcastImpl(x, inShape, shape, result));
    },

    reshape: (inputs, { shape }, out) => {
      expectInputs("reshape", inputs, 1);
      if (sizeOf(shape) !== sizeOf(inputs[0].shape)) {
        fail("reshape", `cannot reshape ${describeShape(inputs[0].shape)} to ${describeShape(shape)}`);
      }
      expectOutShape("reshape", out, shape);
      const x = storage.get(inputs[0]);
      return produce(out, (result) => result.set(x));
    },

    transpose: (inputs, { perm }, out) => {
      expectInputs("transpose", inputs, 1);
      const { shape } = inputs[0];
      const sorted = [...perm].sort((p, q) => p - q);
      if (perm.length !== shape.length || sorted.some((p, i) => p !== i)) {
        fail("transpose", `[${perm.join(", ")}] is not a permutation of the axes of ${describeShape(shape)}`);
      }
      expectOutShape(
        "transpose",
        out,
        perm.map((p) => shape[p]),
      );
      const x = storage.get(inputs[0]);
      return produce(out, (result) => transposeImpl(x, shape, perm, result));
    },

    slice: (inputs, { begin, size }, out) => {
      expectInputs("slice", inputs, 1);
      const { shape } = inputs[0];
      if (
        begin.length !== shape.length ||
        size.length !== shape.length ||
        shape.some((d, i) => begin[i] < 0 || size[i] < 0 || begin[i] + size[i] > d)
      ) {
        fail(
          "slice",
          `begin [${begin.join(", ")}] size [${size.join(", ")}] outside ${describeShape(shape)}`,
        );
      }
      expectOutShape("slice", out, size);
      const x = storage.get(inputs[0]);
      return produce(out, (result) => sliceImpl(x, shape, begin, size, result));
    },

    concat: (inputs, { axis }, out) => {
      if (inputs.length === 0) fail("concat", "expects at least one input");
      const first = inputs[0].shape;
      checkAxes("concat", [axis], first.length);
      let total = 0;
      for (const { shape } of inputs) {
        if (shape.length !== first.length || shape.some((d, i) => i !== axis && d !== first[i])) {
          fail(
            "concat",
            `shapes ${inputs.map((t) => describeShape(t.shape)).join(", ")} differ off axis ${axis}`,
          );
        }
        total += shape[axis];
      }
      expectOutShape(
        "concat",
        out,
        first.map((d, i) => (i === axis ? total : d)),
      );
      const parts = inputs.map((info) => ({ data: storage.get(info), shape: info.shape }));
      return produce(out, (result) => concatImpl(parts, axis, result));
    },

    gather: (inputs, { axis, indices }, out) => {
      expectInputs("gather", inputs, 1);
      const { shape } = inputs[0];
      checkAxes("gather", [axis], shape.length);
      checkIndices("gather", indices, shape[axis]);
      expectOutShape(
        "gather",
        out,
        shape.map((d, i) => (i === axis ? indices.length : d)),
      );
      const x = storage.get(inputs[0]);
      return produce(out, (result) => gatherImpl(x, shape, axis, indices, result));
    },

    scatterAdd: (inputs, { axis, indices, size }, out) => {
      expectInputs("scatterAdd", inputs, 1);
      const { shape } = inputs[0];
      checkAxes("scatterAdd", [axis], shape.length);
      if (indices.length !== shape[axis]) {
        fail("scatterAdd", `${indices.length} indices for ${shape[axis]} entries along axis ${axis}`);
      }
      checkIndices("scatterAdd", indices, size);
      expectOutShape(
        "scatterAdd",
        out,
        shape.map((d, i) => (i === axis ? size : d)),
      );
      const x = storage.get(inputs[0]);
      return produce(out, (result) => scatterAddImpl(x, shape, axis, indices, size, result));
    },

    fill: (inputs, { shape, value, dtype }, out) => {
      expectInputs("fill", inputs, 0);
      expectOutShape("fill", out, shape);
      if (out.dtype !== dtype) fail("fill", `output dtype ${out.dtype} differs from the fill dtype ${dtype}`);
      return produce(out, (result) => result.fill(value));
    },

    cast: (inputs, { dtype }, out) => {
      expectInputs("cast", inputs, 1);
      expectOutShape("cast", out, inputs[0].shape);
      if (out.dtype !== dtype) fail("cast", `output dtype ${out.dtype} differs from the cast dtype ${dtype}`);
      const x = storage.get(inputs[0]);
      return produce(out, (result) => result.set(x));
    },
  };
}
