export { type Domain, dimArb, randomValue, seedArb, seededRandom, shapeArb } from "./arbitraries.js";
export {
  assertClose,
  type BackendConformanceOptions,
  hostArray,
  runBackendConformance,
  type Tolerance,
} from "./conformance.js";
export {
  DERIVATIVE_CASES,
  type DerivativeCase,
  type DerivativeCaseTable,
  type DerivativeKind,
} from "./derivative-cases.js";
export {
  DEFAULT_DERIVATIVE_TOLERANCE,
  type DerivativeTolerance,
  describeDerivativeConformance,
  relativeError,
} from "./derivatives.js";
export {
  PRIMITIVE_CASES,
  type PrimitiveCase,
  type PrimitiveCaseTable,
  type PrimitiveInstance,
} from "./primitive-cases.js";
export * from "./reference.js";
export { referenceBackend } from "./reference-backend.js";
