export { compileGraph, type FusedGraph, type FusionOptions } from "./compile.js";
export { type FusionPlan, planFusion } from "./plan.js";
export { helperThreadsReady } from "./wasm/threads.js";
