/**
 * The body of a fused row loop as straight-line scalar code: what one row
 * computes, instruction by instruction (SSA: an instruction's index is the
 * scalar it defines). Code generators (JavaScript, WebAssembly) lower it
 * without knowing about graphs or tensors.
 */

export type ScalarUnaryOp = "neg" | "exp" | "log" | "sqrt" | "tanh" | "sigmoid" | "relu" | "fround";
export type ScalarBinaryOp = "add" | "sub" | "mul" | "div" | "greater" | "equal" | "max";
export type AccumulateOp = "sum" | "max";

export type Instruction =
  | { readonly kind: "const"; readonly value: number }
  /** Element `offset` of the current row of row input `slot`. */
  | { readonly kind: "loadRow"; readonly slot: number; readonly offset: number }
  /** Element `index` of batch-free buffer `slot` (the same for every row). */
  | { readonly kind: "loadFree"; readonly slot: number; readonly index: number }
  | { readonly kind: "unary"; readonly op: ScalarUnaryOp; readonly a: number }
  | { readonly kind: "binary"; readonly op: ScalarBinaryOp; readonly a: number; readonly b: number }
  /** c != 0 ? a : b */
  | { readonly kind: "select"; readonly c: number; readonly a: number; readonly b: number };

/** Element `offset` of the current row of row output `slot` receives `value`. */
export interface RowStore {
  readonly slot: number;
  readonly offset: number;
  readonly value: number;
}

/** Element `index` of accumulator `slot` is combined (over all rows) with `value`. */
export interface Accumulation {
  readonly slot: number;
  readonly index: number;
  readonly value: number;
}

export interface ScalarProgram {
  readonly instructions: readonly Instruction[];
  readonly stores: readonly RowStore[];
  readonly accumulations: readonly Accumulation[];
}

/** The scalar semantics of each operation, shared by constant folding and tests. */
export function evaluateUnary(op: ScalarUnaryOp, a: number): number {
  switch (op) {
    case "neg":
      return -a;
    case "exp":
      return Math.exp(a);
    case "log":
      return Math.log(a);
    case "sqrt":
      return Math.sqrt(a);
    case "tanh":
      return Math.tanh(a);
    case "sigmoid":
      return 1 / (1 + Math.exp(-a));
    case "relu":
      return a > 0 ? a : 0;
    case "fround":
      return Math.fround(a);
  }
}

export function evaluateBinary(op: ScalarBinaryOp, a: number, b: number): number {
  switch (op) {
    case "add":
      return a + b;
    case "sub":
      return a - b;
    case "mul":
      return a * b;
    case "div":
      return a / b;
    case "greater":
      return a > b ? 1 : 0;
    case "equal":
      return a === b ? 1 : 0;
    case "max":
      // NaN propagates, as in the max reduction kernel.
      return b > a || Number.isNaN(b) ? b : a;
  }
}

/**
 * Builds a scalar program with common-subexpression elimination and
 * folding of constant operands, then drops what no store or accumulation
 * uses.
 */
export class ScalarProgramBuilder {
  private readonly instructions: Instruction[] = [];
  private readonly keys = new Map<string, number>();
  private readonly stores: RowStore[] = [];
  private readonly accumulations: Accumulation[] = [];

  private add(instruction: Instruction): number {
    const key = keyOf(instruction);
    const existing = this.keys.get(key);
    if (existing !== undefined) return existing;
    this.instructions.push(instruction);
    this.keys.set(key, this.instructions.length - 1);
    return this.instructions.length - 1;
  }

  constantValue(id: number): number | undefined {
    const instruction = this.instructions[id];
    return instruction.kind === "const" ? instruction.value : undefined;
  }

  constant(value: number): number {
    return this.add({ kind: "const", value });
  }

  loadRow(slot: number, offset: number): number {
    return this.add({ kind: "loadRow", slot, offset });
  }

  loadFree(slot: number, index: number): number {
    return this.add({ kind: "loadFree", slot, index });
  }

  unary(op: ScalarUnaryOp, a: number): number {
    const ca = this.constantValue(a);
    if (ca !== undefined) return this.constant(evaluateUnary(op, ca));
    if (op === "fround" && this.isFround(a)) return a;
    return this.add({ kind: "unary", op, a });
  }

  binary(op: ScalarBinaryOp, a: number, b: number): number {
    const ca = this.constantValue(a);
    const cb = this.constantValue(b);
    if (ca !== undefined && cb !== undefined) return this.constant(evaluateBinary(op, ca, cb));
    // Exact identities only: x·1 = x and x + 0 = x up to the sign of zero.
    if (op === "mul" && cb === 1) return a;
    if (op === "mul" && ca === 1) return b;
    return this.add({ kind: "binary", op, a, b });
  }

  select(c: number, a: number, b: number): number {
    const cc = this.constantValue(c);
    if (cc !== undefined) return cc !== 0 ? a : b;
    if (a === b) return a;
    return this.add({ kind: "select", c, a, b });
  }

  store(slot: number, offset: number, value: number): void {
    this.stores.push({ slot, offset, value });
  }

  accumulate(slot: number, index: number, value: number): void {
    this.accumulations.push({ slot, index, value });
  }

  private isFround(id: number): boolean {
    const instruction = this.instructions[id];
    return instruction.kind === "unary" && instruction.op === "fround";
  }

  /**
   * The finished program, renumbered without dead instructions; `retained`
   * scalars stay live too, and `renumber` maps the builder's ids to the
   * program's.
   */
  finish(retained: readonly number[] = []): { program: ScalarProgram; renumber: (id: number) => number } {
    const live = new Uint8Array(this.instructions.length);
    for (const id of retained) live[id] = 1;
    for (const s of this.stores) live[s.value] = 1;
    for (const a of this.accumulations) live[a.value] = 1;
    for (let id = this.instructions.length - 1; id >= 0; id--) {
      if (!live[id]) continue;
      for (const operand of operandsOf(this.instructions[id])) live[operand] = 1;
    }
    const renumber = new Int32Array(this.instructions.length).fill(-1);
    const instructions: Instruction[] = [];
    this.instructions.forEach((instruction, id) => {
      if (!live[id]) return;
      renumber[id] = instructions.length;
      instructions.push(mapOperands(instruction, (o) => renumber[o]));
    });
    return {
      program: {
        instructions,
        stores: this.stores.map((s) => ({ ...s, value: renumber[s.value] })),
        accumulations: this.accumulations.map((a) => ({ ...a, value: renumber[a.value] })),
      },
      renumber: (id) => renumber[id],
    };
  }
}

/** A key that tells instructions apart (JSON would conflate NaN, ±Infinity and ±0). */
function keyOf(instruction: Instruction): string {
  switch (instruction.kind) {
    case "const":
      return `c${Object.is(instruction.value, -0) ? "-0" : String(instruction.value)}`;
    case "loadRow":
      return `r${instruction.slot},${instruction.offset}`;
    case "loadFree":
      return `f${instruction.slot},${instruction.index}`;
    case "unary":
      return `${instruction.op} ${instruction.a}`;
    case "binary":
      return `${instruction.op} ${instruction.a},${instruction.b}`;
    case "select":
      return `? ${instruction.c},${instruction.a},${instruction.b}`;
  }
}

export function operandsOf(instruction: Instruction): number[] {
  switch (instruction.kind) {
    case "unary":
      return [instruction.a];
    case "binary":
      return [instruction.a, instruction.b];
    case "select":
      return [instruction.c, instruction.a, instruction.b];
    default:
      return [];
  }
}

function mapOperands(instruction: Instruction, f: (operand: number) => number): Instruction {
  switch (instruction.kind) {
    case "unary":
      return { ...instruction, a: f(instruction.a) };
    case "binary":
      return { ...instruction, a: f(instruction.a), b: f(instruction.b) };
    case "select":
      return { ...instruction, c: f(instruction.c), a: f(instruction.a), b: f(instruction.b) };
    default:
      return instruction;
  }
}

/** Which scalars are the same for every row (a loop computes them once, before its rows). */
export function loopInvariants(program: ScalarProgram): boolean[] {
  const invariant: boolean[] = [];
  for (const instruction of program.instructions) {
    invariant.push(instruction.kind !== "loadRow" && operandsOf(instruction).every((o) => invariant[o]));
  }
  return invariant;
}
