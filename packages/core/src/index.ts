export {
  grad,
  jit,
  jvp,
  jvpGraph,
  type Pullback,
  type TensorOutput,
  valueAndGrad,
  vjp,
  vjpGraph,
} from "./ad.js";
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
export { callGraph, executeGraph, type TracedFunction, traceFunction } from "./execute.js";
export {
  type Graph,
  type GraphNode,
  inferOutput,
  type NodeOf,
  rowMajorStrides,
  ShapeError,
  sameShape,
  shapeToString,
  sizeOf,
  type ValueType,
  valueTypeOf,
} from "./graph.js";
export * from "./ops.js";
export {
  BINARY_ELEMENTWISE,
  type BinaryElementwise,
  DTYPES,
  type DType,
  PRIMITIVE_ARITY,
  PRIMITIVE_NAMES,
  type PrimitiveName,
  type PrimitiveParams,
  type Shape,
  UNARY_ELEMENTWISE,
  type UnaryElementwise,
} from "./primitives.js";
export { type JvpRule, jvpRules, type Tangent, type VjpRule, vjpRules } from "./rules.js";
export { type NestedArray, Tensor } from "./tensor.js";
