export { type FusionPlan, planFusion } from "@neureco/core/fusion";
export { compileGraph, type FusedGraph, type FusionOptions } from "./compile.js";
export { helperThreadsReady } from "./wasm/threads.js";
