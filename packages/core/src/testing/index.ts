/**
 * `@neureco/core/testing`: what the author of a backend needs to test it.
 * - the conformance suite, `runBackendConformance` (kernels, buffers and
 *   derivatives of every primitive, against the reference), and its options;
 * - for a backend with a graph compiler, `runFusionConformance` (networks,
 *   their derivatives and reductions over the rows compile, and match the
 *   reference);
 * - for the backend's own unit tests: `referenceBackend` (a float64 backend
 *   that computes with the reference), `REFERENCE` (the reference value of
 *   every primitive on host values, keyed like a kernel table),
 *   `assertClose` (the suite's comparison) and seeded random values.
 * The suite's case tables and its building blocks stay internal.
 */
export { type Domain, randomValue, seedArb, seededRandom } from "./arbitraries.js";
export {
  assertClose,
  type BackendConformanceOptions,
  runBackendConformance,
  type Tolerance,
} from "./conformance.js";
export { DEFAULT_DERIVATIVE_TOLERANCE, type DerivativeTolerance } from "./derivatives.js";
export { type FusionConformanceOptions, runFusionConformance } from "./fusion-conformance.js";
export { REFERENCE, type RefValue } from "./reference.js";
export { referenceBackend } from "./reference-backend.js";
