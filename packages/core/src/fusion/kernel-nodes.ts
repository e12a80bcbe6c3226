/**
 * What a compiled graph does around its fused pass, the same on every
 * backend: run the nodes the plan leaves to kernels (before and after the
 * pass), and hand out the graph's outputs.
 */
import type { DataId, Kernel, KernelTable, TensorInfo } from "../backend.js";
import { type Graph, type GraphNode, valueTypeOf } from "../graph.js";
import type { PrimitiveName } from "../primitives.js";

/** The values of a run by graph value id: the inputs, then each node's result once computed. */
export type RunValues = (TensorInfo | undefined)[];

/** Records `dataId` as the value of graph value `id`, with its shape and dtype. */
export function keepValue(graph: Graph, values: RunValues, id: number, dataId: DataId): void {
  const { shape, dtype } = valueTypeOf(graph, id);
  values[id] = { dataId, shape, dtype };
}

function runKernel<P extends PrimitiveName>(
  kernels: KernelTable,
  prim: P,
  inputs: readonly TensorInfo[],
  node: GraphNode,
): DataId {
  const kernel: Kernel<P> = kernels[prim];
  return kernel(inputs, node.params as Parameters<Kernel<P>>[1], node.out);
}

/** Runs the given nodes (indices into graph.nodes, in order) by their kernels, keeping each result in `values`. */
export function runKernelNodes(
  graph: Graph,
  kernels: KernelTable,
  values: RunValues,
  nodeIndices: Iterable<number>,
): void {
  const n = graph.inputs.length;
  for (const k of nodeIndices) {
    const node = graph.nodes[k];
    const dataId = runKernel(
      kernels,
      node.prim,
      node.inputs.map((i) => values[i] as TensorInfo),
      node,
    );
    keepValue(graph, values, n + k, dataId);
  }
}

/**
 * The graph's outputs, each handed out once: inputs and repeated outputs
 * are copied (a reshape) so that the caller owns every handle; every other
 * value the run made is freed with `dispose`.
 */
export function handOutOutputs(
  graph: Graph,
  kernels: KernelTable,
  values: RunValues,
  dispose: (dataId: DataId) => void,
): DataId[] {
  const n = graph.inputs.length;
  const handedOut = new Set<number>();
  const results = graph.outputs.map((id) => {
    const v = values[id] as TensorInfo;
    if (id < n || handedOut.has(id)) return kernels.reshape([v], { shape: v.shape }, v);
    handedOut.add(id);
    return v.dataId;
  });
  for (let id = n; id < values.length; id++) {
    const v = values[id];
    if (v !== undefined && !handedOut.has(id)) dispose(v.dataId);
  }
  return results;
}
