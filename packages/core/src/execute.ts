import type { Backend, CompiledGraph, DataId, TensorInfo } from "./backend.js";
import {
  type Graph,
  type GraphNode,
  sameShape,
  shapeToString,
  type ValueType,
  valueTypeOf,
} from "./graph.js";
import {
  apply,
  commonBackend,
  fromDataId,
  innermostTrace,
  runKernel,
  Tensor,
  type Trace,
  withNewTrace,
} from "./tensor.js";

/** A finished trace: a closed graph plus the outer tensors it captured (its trailing inputs). */
export interface TracedFunction {
  readonly graph: Graph;
  readonly captured: readonly Tensor[];
}

/**
 * Traces `fn` on symbolic inputs of the given types. The graph's inputs are
 * the declared ones followed by one per captured outer tensor; nodes that do
 * not reach an output are dropped.
 */
export function traceFunction(
  inputs: readonly ValueType[],
  fn: (...args: Tensor[]) => readonly Tensor[],
): TracedFunction {
  return withNewTrace(inputs, (trace) => {
    const outs = fn(...trace.inputTensors());
    const outIds = outs.map((t) => {
      if (!(t instanceof Tensor)) throw new TypeError("a traced function must return tensors");
      return trace.idOf(t);
    });
    return { graph: finishGraph(trace, outIds), captured: [...trace.captured] };
  });
}

/** Renumbers a trace into graph order (inputs first) and drops dead nodes. */
function finishGraph(trace: Trace, outIds: readonly number[]): Graph {
  const live = new Uint8Array(trace.values.length);
  for (const id of outIds) live[id] = 1;
  for (let id = trace.values.length - 1; id >= 0; id--) {
    const v = trace.values[id];
    if (live[id] && v.kind === "node") for (const i of trace.nodes[v.index].inputs) live[i] = 1;
  }
  const newId = new Int32Array(trace.values.length).fill(-1);
  trace.values.forEach((v, id) => {
    if (v.kind === "input") newId[id] = v.index;
  });
  let next = trace.inputTypes.length;
  const nodes: GraphNode[] = [];
  trace.values.forEach((v, id) => {
    if (v.kind !== "node" || !live[id]) return;
    const node = trace.nodes[v.index];
    nodes.push({ ...node, inputs: node.inputs.map((i) => newId[i]) } as GraphNode);
    newId[id] = next++;
  });
  return { inputs: trace.inputTypes, nodes, outputs: outIds.map((id) => newId[id]) };
}

function checkInputs(graph: Graph, inputs: readonly Tensor[], where: string): void {
  if (inputs.length !== graph.inputs.length) {
    throw new Error(`${where}: expected ${graph.inputs.length} inputs, got ${inputs.length}`);
  }
  inputs.forEach((t, i) => {
    const want = graph.inputs[i];
    if (!sameShape(t.shape, want.shape) || t.dtype !== want.dtype) {
      throw new Error(
        `${where}: input ${i} has shape ${shapeToString(t.shape)} ${t.dtype}, expected ${shapeToString(want.shape)} ${want.dtype}`,
      );
    }
  });
}

/**
 * Calls a graph on tensors: inside a trace its nodes are inlined into the
 * innermost trace; on concrete tensors it runs on their backend.
 */
export function callGraph(graph: Graph, inputs: readonly Tensor[]): Tensor[] {
  checkInputs(graph, inputs, "callGraph");
  if (innermostTrace(inputs)) return inlineGraph(graph, inputs);
  const backend = commonBackend(inputs, "callGraph");
  if (!backend) {
    if (graph.nodes.length === 0 && graph.outputs.length === 0) return [];
    throw new Error("callGraph: a graph with no concrete inputs has no backend to run on");
  }
  return executeGraph(backend, graph, inputs);
}

function inlineGraph(graph: Graph, inputs: readonly Tensor[]): Tensor[] {
  const env: Tensor[] = [...inputs];
  for (const node of graph.nodes) env.push(replayNode(node, env, inputs[0]));
  return graph.outputs.map((id) => env[id]);
}

/** Applies one graph node to the values computed so far (`env`, indexed by value id). */
export function replayNode(node: GraphNode, env: readonly Tensor[], context: Tensor | undefined): Tensor {
  return apply(
    node.prim,
    node.inputs.map((i) => env[i]),
    node.params,
    context,
  );
}

const compiledGraphs = new WeakMap<Backend, WeakMap<Graph, CompiledGraph | null>>();

function compiledFor(backend: Backend, graph: Graph): CompiledGraph | null {
  if (!backend.compile) return null;
  let perBackend = compiledGraphs.get(backend);
  if (!perBackend) {
    perBackend = new WeakMap();
    compiledGraphs.set(backend, perBackend);
  }
  let compiled = perBackend.get(graph);
  if (compiled === undefined) {
    compiled = backend.compile(graph) ?? null;
    perBackend.set(graph, compiled);
  }
  return compiled;
}

/** Runs a graph on one backend: compiled when the backend can, else kernel by kernel. */
export function executeGraph(backend: Backend, graph: Graph, inputs: readonly Tensor[]): Tensor[] {
  const infos = inputs.map((t) => t.info());
  const compiled = compiledFor(backend, graph);
  const outIds = compiled ? compiled.run(infos) : interpret(backend, graph, infos);
  return outIds.map((dataId, k) => fromDataId(backend, dataId, valueTypeOf(graph, graph.outputs[k])));
}

/**
 * Interprets a graph kernel by kernel, freeing each intermediate buffer after
 * its last use. Outputs that alias an input or another output are copied so
 * that every returned handle is owned by the caller alone.
 */
function interpret(backend: Backend, graph: Graph, inputs: readonly TensorInfo[]): DataId[] {
  const n = graph.inputs.length;
  const total = n + graph.nodes.length;
  const lastUse = new Int32Array(total).fill(-1);
  graph.nodes.forEach((node, k) => {
    for (const i of node.inputs) lastUse[i] = k;
  });
  const isOutput = new Uint8Array(total);
  for (const id of graph.outputs) isOutput[id] = 1;
  const env: TensorInfo[] = [...inputs];
  graph.nodes.forEach((node, k) => {
    const ins = node.inputs.map((i) => env[i]);
    env.push({
      dataId: runKernel(backend, node.prim, ins, node.params, node.out),
      shape: node.out.shape,
      dtype: node.out.dtype,
    });
    for (const i of new Set(node.inputs)) {
      if (i >= n && lastUse[i] === k && !isOutput[i]) backend.dispose(env[i].dataId);
    }
  });
  const handedOut = new Set<number>();
  return graph.outputs.map((id) => {
    if (id < n || handedOut.has(id)) {
      const v = env[id];
      return backend.kernels.reshape([v], { shape: v.shape }, v);
    }
    handedOut.add(id);
    return env[id].dataId;
  });
}
