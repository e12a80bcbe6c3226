/**
 * The public entry of @neureco/core. It holds what two kinds of users need:
 * - code that computes with tensors: `Tensor`, the op API, the AD transforms
 *   (`grad`, `valueAndGrad`, `jvp`, `vjp`, `jit`) and `ShapeError`;
 * - backend authors: the `Backend` interface and its types, the primitive
 *   set as types (`PrimitiveName`, `PrimitiveParams`), graphs as a backend's
 *   `compile` receives them (`traceFunction` makes one to test it with), and
 *   the layout helpers every backend uses (`sizeOf`, `rowMajorStrides`).
 * Derivative rules, graph transforms and interpreters stay internal; test
 * helpers for backends live in `@neureco/core/testing`.
 */
export { grad, jit, jvp, type Pullback, type TensorOutput, valueAndGrad, vjp } from "./ad.js";
export type {
  Backend,
  CompiledGraph,
  DataId,
  HostArray,
  Kernel,
  KernelTable,
  OutputSpec,
  TensorInfo,
} from "./backend.js";
export { type TracedFunction, traceFunction } from "./execute.js";
export {
  type Graph,
  type GraphNode,
  type NodeOf,
  rowMajorStrides,
  ShapeError,
  sizeOf,
  type ValueType,
} from "./graph.js";
export {
  add,
  broadcastTo,
  cast,
  concat,
  div,
  equal,
  exp,
  full,
  gather,
  greater,
  less,
  log,
  matmul,
  max,
  mean,
  mul,
  neg,
  type Operand,
  ones,
  onesLike,
  relu,
  reshape,
  scatterAdd,
  sigmoid,
  slice,
  sqrt,
  square,
  sub,
  sum,
  tanh,
  tensor,
  transpose,
  where,
  zeros,
  zerosLike,
} from "./ops.js";
export type {
  BinaryElementwise,
  DType,
  PrimitiveName,
  PrimitiveParams,
  Shape,
  UnaryElementwise,
} from "./primitives.js";
export { type NestedArray, Tensor } from "./tensor.js";
