/**
 * `@neureco/core/fusion`: what a backend needs to fuse row-separable graphs
 * into one pass over the rows. `planFusion` decides whether a graph is
 * row-separable and gives the scalar program of one row, the kernel nodes
 * before and after the pass, and the reductions over the rows; a backend
 * lowers that program to its own loop (JavaScript, WebAssembly, WGSL).
 */
export { valueTypeOf } from "../graph.js";
export { handOutOutputs, keepValue, type RunValues, runKernelNodes } from "./kernel-nodes.js";
export {
  type AccumulatorSpec,
  type FusionPlan,
  type OuterFactors,
  packedIndex,
  planFusion,
  type RowBuffer,
  unpackSymmetric,
} from "./plan.js";
export {
  type AccumulateOp,
  type Accumulation,
  evaluateBinary,
  evaluateUnary,
  type Instruction,
  loopInvariants,
  operandsOf,
  type RowStore,
  type ScalarBinaryOp,
  type ScalarProgram,
  type ScalarUnaryOp,
} from "./scalar-program.js";
export { graphStructureKey } from "./structure-key.js";
