import type { Graph, ValueType } from "../graph.js";

/** JSON would write NaN and ±Infinity as null and −0 as 0. */
function exactNumbers(_key: string, value: unknown): unknown {
  return typeof value === "number" && (!Number.isFinite(value) || Object.is(value, -0))
    ? `${Object.is(value, -0) ? "-0" : value}`
    : value;
}

/**
 * A text equal for graphs of the same structure (primitives, parameters,
 * shapes, dtypes, wiring), whatever their objects: graphs traced again on
 * every call (grad or vjp without jit) compile once when a backend caches
 * its compiled graphs by this key.
 */
export function graphStructureKey(graph: Graph): string {
  // Only shapes and dtypes of value types: a node's `out` may be a whole Tensor.
  const type = (t: ValueType) => `${t.dtype}[${t.shape.join(",")}]`;
  const nodes = graph.nodes.map(
    (n) => `${n.prim}${JSON.stringify(n.params, exactNumbers)}(${n.inputs.join(",")})${type(n.out)}`,
  );
  return `${graph.inputs.map(type).join(" ")}|${nodes.join(" ")}|${graph.outputs.join(",")}`;
}
