/**
 * The public entry of @neureco/backend-cpu: the `cpu()` factory, a core
 * `Backend`. The kernels' typed-array loops and the fusion compiler are
 * internal (tests import them from their modules).
 */
export { cpu } from "./cpu.js";
