/**
 * Decides whether a graph is row-separable and, if it is, plans one loop
 * over its rows.
 *
 * A graph is row-separable for a row count n when every value is either
 * - a row value: shape [n, ...], row i depending only on row i of the row
 *   inputs (elementwise ops, layout ops off axis 0, matmul by a batch-free
 *   matrix, reductions off axis 0, broadcasts of batch-free values over rows);
 * - a batch-free value (weights and what is computed from them alone),
 *   computed by the ordinary kernels before the loop;
 * - an accumulator: a reduction over the rows (sum or max over axis 0, or
 *   matmul(transpose(rowA), rowB), which is how weight gradients look),
 *   accumulated by the loop; what depends on it runs after the loop.
 * The loop body is a scalar program (see scalar-program.ts) for one row.
 *
 * Which inputs carry the rows is inferred: the row count is tried among the
 * inputs' leading dimensions, and an input whose leading dimension matches
 * only by coincidence (a weight matrix with n rows) is demoted to batch-free
 * when an operation needs it so.
 */
import { type Graph, type GraphNode, sizeOf, type ValueType } from "../graph.js";
import type { DType, Shape } from "../primitives.js";
import {
  broadcastElements,
  concatElements,
  gatherElements,
  reductionGroups,
  scatterGroups,
  sliceElements,
  transposeElements,
} from "./row-layout.js";
import {
  type AccumulateOp,
  type ScalarBinaryOp,
  type ScalarProgram,
  ScalarProgramBuilder,
} from "./scalar-program.js";

export interface RowBuffer {
  /** Graph value id. */
  readonly valueId: number;
  /** Elements per row. */
  readonly rowSize: number;
}

export interface AccumulatorSpec {
  readonly valueId: number;
  /** Elements accumulated (for a symmetric one, the packed upper triangle). */
  readonly size: number;
  readonly op: AccumulateOp;
  /**
   * Side k of a symmetric k × k result (a Gram matrix XᵀX): only its upper
   * triangle is accumulated, row by row (see `unpackSymmetric`).
   */
  readonly symmetric?: number;
  /**
   * Set when the accumulator is a sum over the rows of outer products
   * (matmul(transpose(rowA), rowB)): element (p, j) is Σ left[p]·right[j].
   * The program's accumulations spell every product out; a backend may
   * instead reduce the factors itself (a matrix product over the rows).
   */
  readonly outer?: OuterFactors;
}

/** The per-row factors of an outer-product accumulator, as scalar ids of the program. */
export interface OuterFactors {
  readonly left: readonly number[];
  readonly right: readonly number[];
}

/** Index of (p, j), p ≤ j, in the row-by-row packed upper triangle of a k × k matrix. */
export function packedIndex(k: number, p: number, j: number): number {
  return p * k - (p * (p - 1)) / 2 + (j - p);
}

/** The full k × k matrix from its packed upper triangle, mirrored. */
export function unpackSymmetric(packed: Float64Array, k: number): Float64Array {
  const full = new Float64Array(k * k);
  let at = 0;
  for (let p = 0; p < k; p++) {
    for (let j = p; j < k; j++) {
      full[p * k + j] = packed[at];
      full[j * k + p] = packed[at];
      at++;
    }
  }
  return full;
}

export interface FusionPlan {
  readonly rows: number;
  readonly dtype: DType;
  readonly program: ScalarProgram;
  /** Row inputs (graph inputs), by slot. */
  readonly rowInputs: readonly RowBuffer[];
  /** Batch-free values the loop reads, by slot (graph inputs or nodes computed before the loop). */
  readonly freeInputs: readonly number[];
  /** Element count of each batch-free input. */
  readonly freeInputSizes: readonly number[];
  /** Row values the graph outputs, by slot. */
  readonly rowOutputs: readonly RowBuffer[];
  readonly accumulators: readonly AccumulatorSpec[];
  /** Nodes (indices into graph.nodes) computed by kernels before and after the loop, in graph order. */
  readonly before: readonly number[];
  readonly after: readonly number[];
}

type Phase = "before" | "after";

type Classified =
  /** Row value: one scalar id per element of a row. */
  | { readonly kind: "row"; readonly elements: readonly number[] }
  /** transpose of a rank-2 row value [n, k] → [k, n]: the row's k scalars. */
  | { readonly kind: "rowT"; readonly elements: readonly number[] }
  /** Batch-free value; `constant` when every element is known at compile time. */
  | {
      readonly kind: "free";
      readonly phase: Phase;
      readonly constant?: number;
      readonly accumulator?: boolean;
    };

/** The plan cannot work; `demoteFree` names values that would have to be batch-free instead. */
class NotSeparable extends Error {
  constructor(
    reason: string,
    readonly demoteFree: readonly number[] = [],
  ) {
    super(reason);
  }
}

/** A plan for `graph`, or undefined when it is not row-separable (core then interprets it). */
export function planFusion(graph: Graph): FusionPlan | undefined {
  for (const rows of candidateRowCounts(graph)) {
    const demoted = new Set<number>();
    for (;;) {
      const attempt = new Planner(graph, rows, demoted);
      try {
        const plan = attempt.plan();
        if (plan) return plan;
        break;
      } catch (error) {
        if (!(error instanceof NotSeparable)) throw error;
        const culprits = attempt.rowInputsBehind(error.demoteFree).filter((i) => !demoted.has(i));
        if (culprits.length === 0) break;
        for (const i of culprits) demoted.add(i);
      }
    }
  }
  return undefined;
}

/** Leading dimensions of the inputs, the one carrying the most data first. */
function candidateRowCounts(graph: Graph): number[] {
  const weight = new Map<number, number>();
  for (const input of graph.inputs) {
    if (input.shape.length === 0) continue;
    const n = input.shape[0];
    weight.set(n, (weight.get(n) ?? 0) + sizeOf(input.shape) + 1);
  }
  return [...weight.entries()].sort((a, b) => b[1] - a[1] || b[0] - a[0]).map(([n]) => n);
}

class Planner {
  private readonly values: Classified[] = [];
  private readonly builder = new ScalarProgramBuilder();
  private readonly freeSlots = new Map<number, number>();
  private readonly rowInputs: RowBuffer[] = [];
  private readonly accumulators: AccumulatorSpec[] = [];
  /** Row values stored by the loop for nodes that run after it. */
  private readonly materialized = new Set<number>();
  private dtype: DType | undefined;

  constructor(
    private readonly graph: Graph,
    private readonly rows: number,
    private readonly demoted: ReadonlySet<number>,
  ) {}

  private typeOf(id: number): ValueType {
    const n = this.graph.inputs.length;
    return id < n ? this.graph.inputs[id] : this.graph.nodes[id - n].out;
  }

  private isRowShape(shape: Shape): boolean {
    return shape.length >= 1 && shape[0] === this.rows;
  }

  plan(): FusionPlan | undefined {
    const { graph } = this;
    graph.inputs.forEach((type, id) => {
      if (this.isRowShape(type.shape) && !this.demoted.has(id)) {
        this.useDType(type.dtype);
        const rowSize = sizeOf(type.shape.slice(1));
        const slot = this.rowInputs.length;
        this.rowInputs.push({ valueId: id, rowSize });
        this.values.push({
          kind: "row",
          elements: Array.from({ length: rowSize }, (_, j) => this.builder.loadRow(slot, j)),
        });
      } else {
        this.values.push({ kind: "free", phase: "before" });
      }
    });
    graph.nodes.forEach((node) => this.values.push(this.classifyOrMaterialize(node)));

    const rowOutputs: RowBuffer[] = [];
    for (const id of new Set([...graph.outputs, ...this.materialized])) {
      // Graph inputs given back as outputs are copied by the runner, not stored by the loop.
      if (id < graph.inputs.length) continue;
      const v = this.values[id];
      if (v.kind === "rowT" && !this.materialized.has(id))
        throw new NotSeparable("a transposed row value is a graph output");
      if (v.kind !== "free") {
        const slot = rowOutputs.length;
        rowOutputs.push({ valueId: id, rowSize: v.elements.length });
        v.elements.forEach((element, offset) => this.builder.store(slot, offset, element));
      }
    }
    const rowNodes = graph.nodes.filter(
      (_, k) => this.values[graph.inputs.length + k].kind !== "free",
    ).length;
    if (this.dtype === undefined || rowNodes + this.accumulators.length === 0) return undefined;
    const { before, after } = this.kernelNodes();
    const factors = this.accumulators.flatMap((a) => (a.outer ? [...a.outer.left, ...a.outer.right] : []));
    const { program, renumber } = this.builder.finish(factors);
    const accumulators = this.accumulators.map((a) =>
      a.outer ? { ...a, outer: { left: a.outer.left.map(renumber), right: a.outer.right.map(renumber) } } : a,
    );
    return {
      rows: this.rows,
      dtype: this.dtype,
      program,
      rowInputs: this.rowInputs,
      freeInputs: [...this.freeSlots.keys()],
      freeInputSizes: [...this.freeSlots.keys()].map((id) => sizeOf(this.typeOf(id).shape)),
      rowOutputs,
      accumulators,
      before,
      after,
    };
  }

  /** Batch-free nodes the kernels must compute: those the outputs or the loop need. */
  private kernelNodes(): { before: number[]; after: number[] } {
    const n = this.graph.inputs.length;
    const needed = new Uint8Array(this.values.length);
    for (const id of this.graph.outputs) needed[id] = 1;
    for (const id of this.freeSlots.keys()) needed[id] = 1;
    const before: number[] = [];
    const after: number[] = [];
    for (let id = this.values.length - 1; id >= n; id--) {
      const v = this.values[id];
      if (!needed[id] || v.kind !== "free" || v.accumulator) continue;
      const node = this.graph.nodes[id - n];
      for (const i of node.inputs) needed[i] = 1;
      (v.phase === "before" ? before : after).unshift(id - n);
    }
    return { before, after };
  }

  /** Row inputs from which the given values were computed (through row values). */
  rowInputsBehind(ids: readonly number[]): number[] {
    const n = this.graph.inputs.length;
    const found = new Set<number>();
    const seen = new Set<number>();
    const stack = [...ids];
    while (stack.length) {
      const id = stack.pop() as number;
      if (seen.has(id)) continue;
      seen.add(id);
      const v = this.values[id];
      if (v === undefined || v.kind === "free") continue;
      if (id < n) found.add(id);
      else for (const input of this.graph.nodes[id - n].inputs) stack.push(input);
    }
    return [...found];
  }

  private useDType(dtype: DType): void {
    if (this.dtype === undefined) this.dtype = dtype;
    else if (this.dtype !== dtype) throw new NotSeparable("row values of mixed dtypes");
  }

  /** Rounds a computed scalar to the node's dtype, as a kernel storing it would. */
  private rounded(id: number): number {
    return this.dtype === "float32" ? this.builder.unary("fround", id) : id;
  }

  private freeSlot(id: number): number {
    let slot = this.freeSlots.get(id);
    if (slot === undefined) {
      slot = this.freeSlots.size;
      this.freeSlots.set(id, slot);
    }
    return slot;
  }

  /** Every element of a batch-free value, as scalars the loop can read. */
  private freeElements(id: number): number[] {
    const v = this.values[id];
    if (v.kind !== "free") throw new NotSeparable("a row value is used as a batch-free operand", [id]);
    const size = sizeOf(this.typeOf(id).shape);
    if (v.constant !== undefined) return new Array<number>(size).fill(this.builder.constant(v.constant));
    if (v.phase === "after")
      throw new NotSeparable("the loop would need a reduction over the rows it computes");
    const slot = this.freeSlot(id);
    return Array.from({ length: size }, (_, j) => this.builder.loadFree(slot, j));
  }

  /**
   * The per-row elements of an operand that must be a row value. A batch-free
   * operand of shape [n, ...] qualifies when it is a constant, or when n = 1.
   */
  private rowElements(id: number, node: GraphNode): readonly number[] {
    const v = this.values[id];
    if (v.kind === "row") return v.elements;
    if (v.kind === "rowT") throw new NotSeparable(`${node.prim} of a transposed row value`);
    const { shape } = this.typeOf(id);
    if (this.isRowShape(shape) && v.constant !== undefined) {
      return new Array<number>(sizeOf(shape.slice(1))).fill(this.builder.constant(v.constant));
    }
    // With one row, a batch-free value of shape [1, ...] is that row.
    if (this.isRowShape(shape) && this.rows === 1) return this.freeElements(id);
    const rowOperands = node.inputs.filter((i) => this.values[i].kind !== "free");
    throw new NotSeparable(
      `${node.prim} mixes row values with a batch-free value of shape [${shape}]`,
      rowOperands,
    );
  }

  /**
   * With a single row, a row value is the whole tensor: a node that cannot
   * work row by row runs after the loop on its operands as the loop stored them.
   */
  private classifyOrMaterialize(node: GraphNode): Classified {
    try {
      return this.classify(node);
    } catch (error) {
      if (!(error instanceof NotSeparable) || this.rows !== 1) throw error;
      for (const i of node.inputs) {
        if (this.values[i].kind !== "free" && i >= this.graph.inputs.length) this.materialized.add(i);
      }
      return { kind: "free", phase: "after" };
    }
  }

  private classify(node: GraphNode): Classified {
    const inputs = node.inputs.map((i) => this.values[i]);
    if (inputs.every((v) => v.kind === "free"))
      return this.classifyFree(node, inputs as Extract<Classified, { kind: "free" }>[]);
    this.useDType(node.out.dtype);
    const b = this.builder;
    const rowShape = (id: number) => this.typeOf(id).shape.slice(1);
    const [first] = node.inputs;
    const notSeparable = (what: string) => new NotSeparable(`${node.prim} ${what}`, [first]);
    const row = (elements: readonly number[]): Classified => ({ kind: "row", elements });

    switch (node.prim) {
      case "neg":
      case "exp":
      case "log":
      case "sqrt":
      case "tanh":
      case "sigmoid":
      case "relu": {
        const op = node.prim;
        return row(this.rowElements(first, node).map((e) => this.rounded(b.unary(op, e))));
      }
      case "add":
      case "sub":
      case "mul":
      case "div":
      case "greater":
      case "equal": {
        const op = node.prim;
        const x = this.rowElements(node.inputs[0], node);
        const y = this.rowElements(node.inputs[1], node);
        return row(x.map((e, j) => this.rounded(b.binary(op, e, y[j]))));
      }
      case "select": {
        const [c, x, y] = node.inputs.map((i) => this.rowElements(i, node));
        return row(c.map((e, j) => b.select(e, x[j], y[j])));
      }
      case "matmul":
        return this.classifyMatmul(node.inputs[0], node.inputs[1], node);
      case "sum":
      case "max":
        return this.classifyReduction(node.prim, first, node.params.axes, node);
      case "broadcast": {
        const { shape } = node.params;
        if (inputs[0].kind !== "row" || shape[0] !== this.rows) throw notSeparable("changes the row axis");
        return row(broadcastElements(inputs[0].elements, rowShape(first), shape.slice(1)));
      }
      case "reshape": {
        const { shape } = node.params;
        if (
          inputs[0].kind !== "row" ||
          !this.isRowShape(shape) ||
          sizeOf(shape.slice(1)) !== inputs[0].elements.length
        ) {
          throw notSeparable("mixes rows");
        }
        return inputs[0];
      }
      case "transpose": {
        const { perm } = node.params;
        const v = inputs[0];
        if (perm.length === 2 && perm[0] === 1 && perm[1] === 0 && v.kind !== "free") {
          return { kind: v.kind === "row" ? "rowT" : "row", elements: v.elements };
        }
        if (v.kind !== "row" || perm[0] !== 0) throw notSeparable("moves the row axis");
        return row(
          transposeElements(
            v.elements,
            rowShape(first),
            perm.slice(1).map((p) => p - 1),
          ),
        );
      }
      case "slice": {
        const { begin, size } = node.params;
        const v = inputs[0];
        if (v.kind !== "row" || begin[0] !== 0 || size[0] !== this.rows)
          throw notSeparable("cuts the row axis");
        return row(sliceElements(v.elements, rowShape(first), begin.slice(1), size.slice(1)));
      }
      case "concat": {
        const { axis } = node.params;
        if (axis === 0) throw new NotSeparable("concat along the row axis", node.inputs);
        const parts = node.inputs.map((i) => ({ elements: this.rowElements(i, node), shape: rowShape(i) }));
        return row(concatElements(parts, axis - 1));
      }
      case "gather": {
        const { axis, indices } = node.params;
        const v = inputs[0];
        if (v.kind !== "row" || axis === 0) throw notSeparable("along the row axis");
        return row(gatherElements(v.elements, rowShape(first), axis - 1, indices));
      }
      case "scatterAdd": {
        const { axis, indices, size } = node.params;
        const v = inputs[0];
        if (v.kind !== "row" || axis === 0) throw notSeparable("along the row axis");
        const groups = scatterGroups(v.elements, rowShape(first), axis - 1, indices, size);
        return row(groups.map((group) => this.rounded(this.chain("add", group, 0))));
      }
      case "cast":
        throw new NotSeparable("cast of a row value (mixed dtypes)");
      case "fill":
        throw new Error("unreachable: fill has no inputs");
    }
  }

  /** Combines scalars left to right; `empty` when there are none. */
  private chain(op: ScalarBinaryOp, elements: readonly number[], empty: number): number {
    if (elements.length === 0) return this.builder.constant(empty);
    let acc = elements[0];
    for (let j = 1; j < elements.length; j++) acc = this.builder.binary(op, acc, elements[j]);
    return acc;
  }

  private classifyMatmul(a: number, bId: number, node: GraphNode): Classified {
    const va = this.values[a];
    const b = this.builder;
    const [k, m] = this.typeOf(bId).shape;
    if (va.kind === "row") {
      // Row × batch-free matrix: each output element a dot product, in the kernel's order.
      const weights = this.freeElements(bId);
      const elements = Array.from({ length: m }, (_, j) => {
        const terms = va.elements.map((e, p) => b.binary("mul", e, weights[p * m + j]));
        return this.rounded(this.chain("add", terms, 0));
      });
      return { kind: "row", elements };
    }
    if (va.kind === "rowT") {
      // transpose(rowA) · rowB: the sum over rows of outer products.
      const right = this.rowElements(bId, node);
      const kRows = va.elements.length;
      if (kRows === m && va.elements.every((e, p) => e === right[p])) {
        // XᵀX: element (j, p) sums the same products as (p, j), in the same
        // row order, so the upper triangle holds every bit of the result.
        const outer = { left: va.elements, right };
        const slot = this.addAccumulator(node, (kRows * (kRows + 1)) / 2, "sum", kRows, outer);
        for (let p = 0; p < kRows; p++) {
          for (let j = p; j < m; j++) {
            b.accumulate(slot, packedIndex(kRows, p, j), b.binary("mul", va.elements[p], right[j]));
          }
        }
        return { kind: "free", phase: "after", accumulator: true };
      }
      const slot = this.addAccumulator(node, kRows * m, "sum", undefined, { left: va.elements, right });
      for (let p = 0; p < kRows; p++) {
        for (let j = 0; j < m; j++) b.accumulate(slot, p * m + j, b.binary("mul", va.elements[p], right[j]));
      }
      return { kind: "free", phase: "after", accumulator: true };
    }
    if (k === this.rows) throw new NotSeparable("matmul of a batch-free matrix by a row value", [bId]);
    throw new NotSeparable("matmul with a row value on the right");
  }

  private classifyReduction(
    op: AccumulateOp,
    x: number,
    axes: readonly number[],
    node: GraphNode,
  ): Classified {
    const v = this.values[x];
    if (v.kind !== "row") throw new NotSeparable(`${op} of a transposed row value`);
    const rowAxes = axes.filter((a) => a !== 0).map((a) => a - 1);
    const groups = reductionGroups(v.elements, this.typeOf(x).shape.slice(1), rowAxes);
    const partials = groups.map((group) => this.chain(op === "sum" ? "add" : "max", group, 0));
    if (!axes.includes(0)) return { kind: "row", elements: partials.map((p) => this.rounded(p)) };
    const slot = this.addAccumulator(node, partials.length, op);
    partials.forEach((partial, index) => this.builder.accumulate(slot, index, partial));
    return { kind: "free", phase: "after", accumulator: true };
  }

  private addAccumulator(
    node: GraphNode,
    size: number,
    op: AccumulateOp,
    symmetric?: number,
    outer?: OuterFactors,
  ): number {
    const valueId = this.graph.inputs.length + this.graph.nodes.indexOf(node);
    this.accumulators.push({
      valueId,
      size,
      op,
      ...(symmetric === undefined ? {} : { symmetric }),
      ...(outer === undefined ? {} : { outer }),
    });
    return this.accumulators.length - 1;
  }

  /** A node over batch-free values only: computed by its kernel, unless it broadcasts over the rows. */
  private classifyFree(
    node: GraphNode,
    inputs: readonly Extract<Classified, { kind: "free" }>[],
  ): Classified {
    const phase: Phase = inputs.some((v) => v.phase === "after") ? "after" : "before";
    const constant = this.constantOf(node, inputs);
    if (constant !== undefined) return { kind: "free", phase, constant };
    if (
      node.prim === "broadcast" &&
      phase === "before" &&
      this.rows !== 1 &&
      this.isRowShape(node.out.shape)
    ) {
      const inShape = this.typeOf(node.inputs[0]).shape;
      if (inShape[0] === 1) {
        // A batch-free value repeated over the rows: the loop reads it directly.
        this.useDType(node.out.dtype);
        const elements = this.freeElements(node.inputs[0]);
        return {
          kind: "row",
          elements: broadcastElements(elements, inShape.slice(1), node.out.shape.slice(1)),
        };
      }
    }
    return { kind: "free", phase };
  }

  /** The value of a node whose every element is known at compile time, if any. */
  private constantOf(
    node: GraphNode,
    inputs: readonly Extract<Classified, { kind: "free" }>[],
  ): number | undefined {
    switch (node.prim) {
      case "fill":
        return node.params.dtype === "float32" ? Math.fround(node.params.value) : node.params.value;
      case "reshape":
      case "broadcast":
      case "transpose":
      case "slice":
      case "gather":
        return inputs[0].constant;
      case "concat": {
        const c = inputs[0].constant;
        return c !== undefined && inputs.every((v) => Object.is(v.constant, c)) ? c : undefined;
      }
      case "cast": {
        const c = inputs[0].constant;
        return c === undefined ? undefined : node.params.dtype === "float32" ? Math.fround(c) : c;
      }
      default:
        return undefined;
    }
  }
}
