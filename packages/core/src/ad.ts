import { callGraph, replayNode, type TracedFunction, traceFunction } from "./execute.js";
import type { Graph, NodeOf, ValueType } from "./graph.js";
import { sameShape, shapeToString, valueTypeOf } from "./graph.js";
import * as op from "./ops.js";
import type { PrimitiveName } from "./primitives.js";
import { jvpRules, type Tangent, vjpRules } from "./rules.js";
import { Tensor } from "./tensor.js";

/**
 * Automatic differentiation as graph transformations. A function is traced
 * into a graph of primitives; `jvpGraph` and `vjpGraph` map that graph to a
 * new one built from the same primitives, so transformations nest (jvp of
 * vjp gives Hessian-vector products) and every backend runs the result.
 */

/** What a differentiable function returns: one tensor or several. */
export type TensorOutput = Tensor | readonly Tensor[];
type Fn<O extends TensorOutput> = (...args: Tensor[]) => O;

function asList(out: TensorOutput): readonly Tensor[] {
  return out instanceof Tensor ? [out] : out;
}

function shapeLike<O extends TensorOutput>(template: O, list: readonly Tensor[]): O {
  // The output has the structure the user's function returned.
  return (template instanceof Tensor ? list[0] : list) as O;
}

/** Traces a user function, keeping one of its results to restore the output structure. */
function traceUserFunction<O extends TensorOutput>(
  f: Fn<O>,
  args: readonly ValueType[],
): { traced: TracedFunction; template: O } {
  let template: O | undefined;
  const traced = traceFunction(args, (...xs) => {
    template = f(...xs);
    return asList(template);
  });
  if (template === undefined) throw new Error("traced function returned nothing");
  return { traced, template };
}

function jvpNode<P extends PrimitiveName>(
  node: NodeOf<P>,
  primals: readonly Tensor[],
  tangents: readonly Tangent[],
  out: Tensor,
): Tangent {
  return jvpRules[node.prim](primals, tangents, out, node.params);
}

function vjpNode<P extends PrimitiveName>(
  node: NodeOf<P>,
  ct: Tensor,
  primals: readonly Tensor[],
  out: Tensor,
): Tangent[] {
  return vjpRules[node.prim](ct, primals, out, node.params);
}

function zeroIfNull(t: Tangent, type: ValueType, like: Tensor): Tensor {
  return t ?? op.full(like, type.shape, 0, type.dtype);
}

const jvpCache = new WeakMap<Graph, Map<string, Graph>>();
const vjpCache = new WeakMap<Graph, Map<string, Graph>>();

function cached(
  cache: WeakMap<Graph, Map<string, Graph>>,
  graph: Graph,
  mask: readonly boolean[],
  make: () => Graph,
): Graph {
  const key = mask.map((m) => (m ? 1 : 0)).join("");
  let perGraph = cache.get(graph);
  if (!perGraph) {
    perGraph = new Map();
    cache.set(graph, perGraph);
  }
  let g = perGraph.get(key);
  if (!g) {
    g = make();
    perGraph.set(key, g);
  }
  return g;
}

/**
 * Forward mode. The result takes the graph's inputs followed by one tangent
 * per input with `withTangent[i]`, and returns the graph's outputs followed by
 * their tangents.
 */
export function jvpGraph(graph: Graph, withTangent: readonly boolean[]): Graph {
  return cached(jvpCache, graph, withTangent, () => {
    const tangentTypes = graph.inputs.filter((_, i) => withTangent[i]);
    return traceFunction([...graph.inputs, ...tangentTypes], (...args) => {
      const env = args.slice(0, graph.inputs.length);
      let k = graph.inputs.length;
      const tenv: Tangent[] = graph.inputs.map((_, i) => (withTangent[i] ? args[k++] : null));
      for (const node of graph.nodes) {
        const out = replayNode(node, env, args[0]);
        const ins = node.inputs.map((i) => env[i]);
        const tins = node.inputs.map((i) => tenv[i]);
        env.push(out);
        tenv.push(tins.every((t) => t === null) ? null : jvpNode(node, ins, tins, out));
      }
      return [
        ...graph.outputs.map((id) => env[id]),
        ...graph.outputs.map((id) => zeroIfNull(tenv[id], env[id], args[0])),
      ];
    }).graph;
  });
}

/**
 * Reverse mode. The result takes the graph's inputs followed by one
 * cotangent per output, and returns the graph's outputs followed by the
 * cotangent of each input with `withCotangent[i]`.
 */
export function vjpGraph(graph: Graph, withCotangent: readonly boolean[]): Graph {
  return cached(vjpCache, graph, withCotangent, () => {
    const outTypes = graph.outputs.map((id) => valueTypeOf(graph, id));
    return traceFunction([...graph.inputs, ...outTypes], (...args) => {
      const n = graph.inputs.length;
      const env = args.slice(0, n);
      // Which values depend on an input we differentiate for.
      const needed: boolean[] = graph.inputs.map((_, i) => withCotangent[i]);
      for (const node of graph.nodes) {
        env.push(replayNode(node, env, args[0]));
        needed.push(node.inputs.some((i) => needed[i]));
      }
      const ct: Tangent[] = new Array(env.length).fill(null);
      graph.outputs.forEach((id, k) => {
        ct[id] = addCt(ct[id], args[n + k]);
      });
      for (let k = graph.nodes.length - 1; k >= 0; k--) {
        const id = n + k;
        const c = ct[id];
        if (c === null || !needed[id]) continue;
        const node = graph.nodes[k];
        const ins = node.inputs.map((i) => env[i]);
        const cts = vjpNode(node, c, ins, env[id]);
        node.inputs.forEach((i, j) => {
          if (needed[i]) ct[i] = addCt(ct[i], cts[j] ?? null);
        });
      }
      const grads = graph.inputs.flatMap((type, i) =>
        withCotangent[i] ? [zeroIfNull(ct[i], type, args[0])] : [],
      );
      return [...graph.outputs.map((id) => env[id]), ...grads];
    }).graph;
  });
}

function addCt(a: Tangent, b: Tangent): Tangent {
  return a === null ? b : b === null ? a : op.add(a, b);
}

function checkTangents(
  primals: readonly Tensor[],
  tangents: readonly Tensor[],
  where: string,
  what: string,
): void {
  if (tangents.length !== primals.length) {
    throw new Error(`${where}: ${tangents.length} ${what}s for ${primals.length} values`);
  }
  tangents.forEach((t, i) => {
    if (!sameShape(t.shape, primals[i].shape) || t.dtype !== primals[i].dtype) {
      throw new Error(
        `${where}: ${what} ${i} has shape ${shapeToString(t.shape)} ${t.dtype}, expected ${shapeToString(primals[i].shape)} ${primals[i].dtype}`,
      );
    }
  });
}

/**
 * Forward-mode derivative: returns `[f(primals), J·tangents]`, both with the
 * structure that `f` returns. Tensors `f` closes over are constants.
 */
export function jvp<O extends TensorOutput>(
  f: Fn<O>,
  primals: readonly Tensor[],
  tangents: readonly Tensor[],
): [O, O] {
  checkTangents(primals, tangents, "jvp", "tangent");
  const { traced, template } = traceUserFunction(f, primals);
  const mask = traced.graph.inputs.map((_, i) => i < primals.length);
  const results = callGraph(jvpGraph(traced.graph, mask), [...primals, ...traced.captured, ...tangents]);
  const k = traced.graph.outputs.length;
  return [shapeLike(template, results.slice(0, k)), shapeLike(template, results.slice(k))];
}

/** A pullback maps output cotangents (the structure `f` returns) to one cotangent per primal. */
export type Pullback<O extends TensorOutput> = (cotangent: O) => Tensor[];

/**
 * Reverse-mode derivative: returns `[f(primals), pullback]` where
 * `pullback(u)` is Jᵀ·u for each primal.
 */
export function vjp<O extends TensorOutput>(f: Fn<O>, primals: readonly Tensor[]): [O, Pullback<O>] {
  const { traced, template } = traceUserFunction(f, primals);
  const inputs = [...primals, ...traced.captured];
  const outs = callGraph(traced.graph, inputs);
  const mask = traced.graph.inputs.map((_, i) => i < primals.length);
  const pullback: Pullback<O> = (cotangent) => {
    const cts = asList(cotangent);
    checkTangents(outs, cts, "vjp pullback", "cotangent");
    const results = callGraph(vjpGraph(traced.graph, mask), [...inputs, ...cts]);
    return results.slice(outs.length);
  };
  return [shapeLike(template, outs), pullback];
}

/** Value and gradient of a function with one scalar (size 1) output, w.r.t. every argument. */
export function valueAndGrad(f: (...args: Tensor[]) => Tensor): (...args: Tensor[]) => [Tensor, Tensor[]] {
  return (...args) => {
    const traced = traceFunction(args, (...xs) => {
      const [y, pullback] = vjp(f, xs);
      if (y.size !== 1)
        throw new Error(`grad: the function must return one value, got shape ${shapeToString(y.shape)}`);
      return [y, ...pullback(op.onesLike(y))];
    });
    const [value, ...grads] = callGraph(traced.graph, [...args, ...traced.captured]);
    return [value, grads];
  };
}

/** Gradient of a scalar-valued function w.r.t. every argument. */
export function grad(f: (...args: Tensor[]) => Tensor): (...args: Tensor[]) => Tensor[] {
  const vg = valueAndGrad(f);
  return (...args) => {
    const [value, grads] = vg(...args);
    if (!value.isSymbolic) value.dispose();
    return grads;
  };
}

/**
 * Traces `f` once per distinct input signature (shapes and dtypes) and runs
 * the recorded graph afterwards: one backend compilation, no re-tracing.
 * Tensors `f` closes over are captured by reference at the first trace.
 * What `f` computes from captured tensors alone is computed then, once, and
 * captured too: it stays on the backend for the backend's life (nothing
 * disposes it when the jitted function is dropped). Pass large data as
 * arguments rather than closing over it.
 */
export function jit<O extends TensorOutput>(f: Fn<O>): Fn<O> {
  const cache = new Map<string, { graph: Graph; captured: readonly Tensor[]; template: O }>();
  return (...args) => {
    if (args.some((a) => a.isSymbolic)) return f(...args);
    const key = args.map((a) => `${a.dtype}:${a.shape.join("x")}`).join("|");
    let entry = cache.get(key);
    if (!entry) {
      const { traced, template } = traceUserFunction(f, args);
      entry = { graph: traced.graph, captured: traced.captured, template };
      cache.set(key, entry);
    }
    return shapeLike(entry.template, callGraph(entry.graph, [...args, ...entry.captured]));
  };
}
