import type { Backend, DataId, HostArray, Kernel, TensorInfo } from "./backend.js";
import { type GraphNode, inferOutput, type NodeOf, shapeToString, sizeOf, type ValueType } from "./graph.js";
import type { DType, PrimitiveName, PrimitiveParams, Shape } from "./primitives.js";

/** Where a tensor's value lives: in a backend buffer, or symbolically in a trace. */
type TensorSource =
  | { readonly kind: "data"; readonly backend: Backend; readonly dataId: DataId }
  | { readonly kind: "trace"; readonly trace: Trace; readonly id: number };

export type NestedArray = number | NestedArray[];

/**
 * An n-dimensional array of float64 or float32 numbers. A concrete tensor is
 * owned by a backend (free it with `dispose`); a symbolic tensor stands for a
 * value inside a function that is being traced (by `jit`, `jvp`, `vjp`, ...).
 */
export class Tensor implements ValueType {
  readonly shape: Shape;
  readonly dtype: DType;
  /** @internal */
  readonly source: TensorSource;
  #disposed = false;

  /** @internal Use `tensor()` or the ops to create tensors. */
  constructor(type: ValueType, source: TensorSource) {
    this.shape = type.shape;
    this.dtype = type.dtype;
    this.source = source;
  }

  get rank(): number {
    return this.shape.length;
  }

  get size(): number {
    return sizeOf(this.shape);
  }

  /** True while this tensor stands for a value of a function being traced. */
  get isSymbolic(): boolean {
    return this.source.kind === "trace";
  }

  get isDisposed(): boolean {
    return this.#disposed;
  }

  /** The backend that owns this tensor's buffer. */
  get backend(): Backend {
    return this.concrete("backend").backend;
  }

  /** @internal The kernel-facing view of this tensor. */
  info(): TensorInfo {
    return { dataId: this.concrete("use").dataId, shape: this.shape, dtype: this.dtype };
  }

  /** Copies the values to the host (row-major). */
  async read(): Promise<HostArray> {
    const { backend } = this.concrete("read");
    return backend.read(this.info());
  }

  /** Synchronous copy to the host; only backends whose memory is host memory offer it. */
  readSync(): HostArray {
    const { backend } = this.concrete("readSync");
    if (!backend.readSync) {
      throw new Error(`readSync: the ${backend.name} backend reads asynchronously; use await tensor.read()`);
    }
    return backend.readSync(this.info());
  }

  /** The values as nested arrays (a number for a rank-0 tensor). */
  async toArray(): Promise<NestedArray> {
    return nest(await this.read(), this.shape);
  }

  /** Frees the backend buffer. Disposing twice is a no-op. */
  dispose(): void {
    if (this.source.kind !== "data" || this.#disposed) return;
    this.#disposed = true;
    this.source.backend.dispose(this.source.dataId);
  }

  toString(): string {
    return `Tensor${shapeToString(this.shape)} ${this.dtype}${this.isSymbolic ? " (symbolic)" : ""}`;
  }

  private concrete(what: string): { backend: Backend; dataId: DataId } {
    if (this.source.kind !== "data") {
      throw new Error(
        `${what}: ${this} is symbolic (it belongs to a function being traced); its value only exists when the traced function runs`,
      );
    }
    if (this.#disposed) throw new Error(`${what}: ${this} was disposed`);
    return this.source;
  }
}

function nest(data: HostArray, shape: Shape): NestedArray {
  if (shape.length === 0) return data[0];
  const build = (offset: number, axis: number): NestedArray[] => {
    const n = shape[axis];
    const stride = sizeOf(shape.slice(axis + 1));
    const out: NestedArray[] = [];
    for (let i = 0; i < n; i++) {
      out.push(axis === shape.length - 1 ? data[offset + i] : build(offset + i * stride, axis + 1));
    }
    return out;
  };
  return build(0, 0);
}

/** A value recorded by a trace: a traced input or the output of a node. */
type TraceValue =
  | { readonly kind: "input"; readonly index: number }
  | { readonly kind: "node"; readonly index: number };

/**
 * Records the primitives applied to symbolic tensors. Traces nest: the
 * innermost active trace has the highest level, and a tensor from an outer
 * trace (or a concrete tensor) used inside is captured as an extra input.
 */
export class Trace {
  readonly level: number;
  readonly inputTypes: ValueType[] = [];
  readonly nodes: GraphNode[] = [];
  /** Outer tensors captured as inputs, in capture order (after the declared inputs). */
  readonly captured: Tensor[] = [];
  readonly values: TraceValue[] = [];
  active = true;
  private readonly declaredInputs: number;
  private readonly capturedIds = new Map<Tensor, number>();
  private readonly nodeKeys = new Map<string, number>();

  constructor(level: number, inputs: readonly ValueType[]) {
    this.level = level;
    this.declaredInputs = inputs.length;
    for (const t of inputs) this.addInput(t);
  }

  get declaredInputCount(): number {
    return this.declaredInputs;
  }

  /** Symbolic tensors for the declared inputs. */
  inputTensors(): Tensor[] {
    return this.inputTypes.slice(0, this.declaredInputs).map((_, i) => this.tensorFor(i));
  }

  tensorFor(id: number): Tensor {
    const v = this.values[id];
    const type = v.kind === "input" ? this.inputTypes[v.index] : this.nodes[v.index].out;
    return new Tensor(type, { kind: "trace", trace: this, id });
  }

  /** The id of `t` in this trace, capturing it if it comes from outside. */
  idOf(t: Tensor): number {
    const s = t.source;
    if (s.kind === "trace" && s.trace === this) return s.id;
    if (s.kind === "trace" && !s.trace.active) {
      throw new Error(`${t} escaped from a traced function that has already finished`);
    }
    if (s.kind === "data" && t.isDisposed) throw new Error(`${t} was disposed`);
    let id = this.capturedIds.get(t);
    if (id === undefined) {
      id = this.addInput(t);
      this.captured.push(t);
      this.capturedIds.set(t, id);
    }
    return id;
  }

  addNode<P extends PrimitiveName>(
    prim: P,
    params: PrimitiveParams[P],
    inputs: readonly number[],
    out: ValueType,
  ): Tensor {
    // Common-subexpression elimination: replaying a forward pass (vjp inside a
    // trace) records the same nodes again; they collapse onto the first copy.
    const key = `${prim}|${inputs.join(",")}|${JSON.stringify(params)}`;
    const existing = this.nodeKeys.get(key);
    if (existing !== undefined) return this.tensorFor(existing);
    const node: NodeOf<P> = { prim, params, inputs, out };
    this.nodes.push(node as GraphNode);
    const id = this.values.length;
    this.values.push({ kind: "node", index: this.nodes.length - 1 });
    this.nodeKeys.set(key, id);
    return this.tensorFor(id);
  }

  private addInput(type: ValueType): number {
    this.inputTypes.push({ shape: type.shape, dtype: type.dtype });
    const id = this.values.length;
    this.values.push({ kind: "input", index: this.inputTypes.length - 1 });
    return id;
  }
}

const traceStack: Trace[] = [];

/** Runs `fn` with a new innermost trace over inputs of the given types. */
export function withNewTrace<R>(inputs: readonly ValueType[], fn: (trace: Trace) => R): R {
  const trace = new Trace(traceStack.length + 1, inputs);
  traceStack.push(trace);
  try {
    return fn(trace);
  } finally {
    traceStack.pop();
    trace.active = false;
  }
}

export function currentTrace(): Trace | undefined {
  return traceStack[traceStack.length - 1];
}

/** The innermost trace any of `tensors` belongs to, if any. */
export function innermostTrace(tensors: readonly Tensor[]): Trace | undefined {
  let best: Trace | undefined;
  for (const t of tensors) {
    const s = t.source;
    if (s.kind === "trace" && (!best || s.trace.level > best.level)) best = s.trace;
  }
  return best;
}

/** The one backend shared by concrete tensors, or a clear error. */
export function commonBackend(tensors: readonly Tensor[], where: string): Backend | undefined {
  let backend: Backend | undefined;
  for (const t of tensors) {
    if (t.source.kind !== "data") continue;
    if (backend && backend !== t.source.backend) {
      throw new Error(
        `${where}: tensors live on different backends (${backend.name} and ${t.source.backend.name})`,
      );
    }
    backend = t.source.backend;
  }
  return backend;
}

/**
 * Applies one primitive. Inside a trace it records a node; on concrete
 * tensors it runs the backend's kernel at once. `context` supplies the
 * backend or trace for primitives without inputs (`fill`).
 */
export function apply<P extends PrimitiveName>(
  prim: P,
  inputs: readonly Tensor[],
  params: PrimitiveParams[P],
  context?: Tensor | Backend,
): Tensor {
  const out = inferOutput(prim, inputs, params);
  const contextTensor = context instanceof Tensor ? context : undefined;
  const trace =
    innermostTrace(contextTensor ? [...inputs, contextTensor] : inputs) ??
    (inputs.length === 0 && !context ? currentTrace() : undefined);
  if (trace) {
    return trace.addNode(
      prim,
      params,
      inputs.map((t) => trace.idOf(t)),
      out,
    );
  }
  const backend = commonBackend(inputs, prim) ?? (context instanceof Tensor ? context.backend : context);
  if (!backend) throw new Error(`${prim}: no backend given for a tensor created from nothing`);
  if (!backend.dtypes.includes(out.dtype)) {
    throw new Error(
      `${prim}: the ${backend.name} backend does not support ${out.dtype} (it supports ${backend.dtypes.join(", ")})`,
    );
  }
  const dataId = runKernel(
    backend,
    prim,
    inputs.map((t) => t.info()),
    params,
    out,
  );
  return new Tensor(out, { kind: "data", backend, dataId });
}

/** Wraps a backend buffer the caller already owns into a tensor. */
export function fromDataId(backend: Backend, dataId: DataId, type: ValueType): Tensor {
  return new Tensor(type, { kind: "data", backend, dataId });
}

/** Runs one kernel; the generic parameter ties the primitive to its params. */
export function runKernel<P extends PrimitiveName>(
  backend: Backend,
  prim: P,
  inputs: readonly TensorInfo[],
  params: PrimitiveParams[P],
  out: ValueType,
): DataId {
  const kernel: Kernel<P> = backend.kernels[prim];
  return kernel(inputs, params, out);
}
