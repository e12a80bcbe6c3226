export { compileGraph, type FusionOptions } from "./compile.js";
export { type FusionPlan, planFusion } from "./plan.js";
