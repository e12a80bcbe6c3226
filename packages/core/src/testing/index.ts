export { type Domain, dimArb, randomValue, seedArb, seededRandom, shapeArb } from "./arbitraries.js";
export {
  assertClose,
  type BackendConformanceOptions,
  hostArray,
  runBackendConformance,
  type Tolerance,
} from "./conformance.js";
export {
  PRIMITIVE_CASES,
  type PrimitiveCase,
  type PrimitiveCaseTable,
  type PrimitiveInstance,
} from "./primitive-cases.js";
export * from "./reference.js";
export { referenceBackend } from "./reference-backend.js";
