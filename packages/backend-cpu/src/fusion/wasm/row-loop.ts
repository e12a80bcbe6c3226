/**
 * Lowers a scalar program to a WebAssembly SIMD row loop: each v128 holds
 * the same scalar for 2 (float64) or 4 (float32) consecutive rows, so the
 * per-row program runs unchanged on vectors. Row data stays row-major: lanes
 * are loaded and stored with lane instructions at static offsets.
 *
 * Exported function `run(start, end, accumulators)`: rows [start, end), a
 * multiple of the lane count; per-lane partial reductions are added into the
 * accumulator region at byte offset `accumulators` (one v128 per element).
 */
import type { DType } from "@neureco/core";
import {
  type AccumulateOp,
  type Accumulation,
  type Instruction,
  loopInvariants,
  type RowStore,
  type ScalarProgram,
} from "@neureco/core/fusion";
import {
  Code,
  encodeModule,
  F64,
  I32,
  type ImportedFunction,
  Op,
  Simd,
  V128,
  type ValType,
} from "./encoder.js";

export interface WasmLoopSpec {
  readonly program: ScalarProgram;
  readonly dtype: DType;
  readonly rows: number;
  readonly inputRowSizes: readonly number[];
  readonly outputRowSizes: readonly number[];
  readonly freeSizes: readonly number[];
  readonly accumulatorSizes: readonly number[];
  readonly accumulatorOps: readonly AccumulateOp[];
  /** How many accumulator regions (one per chunk of rows). */
  readonly regions: number;
  readonly sharedMemory: boolean;
}

/** Byte offsets of everything in the module's memory. */
export interface WasmLayout {
  readonly rowInputs: readonly number[];
  readonly freeInputs: readonly number[];
  readonly rowOutputs: readonly number[];
  /** Offset of each accumulator inside a region. */
  readonly accumulators: readonly number[];
  /** Offset of each region: one after the other, a whole number of cache lines each. */
  readonly regions: readonly number[];
  /** Bytes from one region to the next. */
  readonly regionStride: number;
  readonly pages: number;
}

export interface WasmLoop {
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly layout: WasmLayout;
  /** Rows per vector. */
  readonly lanes: number;
  /** Rows per loop iteration: `run` ranges are multiples of it. */
  readonly rowsPerIteration: number;
}

/** Scalar functions the module imports (called lane by lane). */
export const WASM_IMPORTS: Readonly<Record<string, (x: number) => number>> = { exp: Math.exp, log: Math.log };

const PAGE = 65536;

/**
 * Vectors of rows per loop iteration. Two copies of the program would share
 * weight loads and accumulator updates, but measured twice as slow in V8:
 * the register pressure doubles and TurboFan spills heavily.
 */
const UNROLL = 1;
/** Largest memory the generator lays out; bigger problems use the JavaScript loop. */
export const MAX_WASM_BYTES = 1 << 30;

/** Rows per loop iteration of a `dtype` loop: `run` ranges are multiples of it. */
export function rowsPerIterationOf(dtype: DType): number {
  return UNROLL * (dtype === "float64" ? F64_LANES : F32_LANES).count;
}

const CACHE_LINE = 64;

function align16(n: number): number {
  return Math.ceil(n / 16) * 16;
}

export function layoutFor(
  spec: Omit<WasmLoopSpec, "program" | "accumulatorOps" | "sharedMemory">,
): WasmLayout | undefined {
  const bytesPer = spec.dtype === "float64" ? 8 : 4;
  let offset = 16;
  const place = (bytes: number) => {
    const at = offset;
    offset = align16(offset + bytes);
    return at;
  };
  const rowInputs = spec.inputRowSizes.map((s) => place(s * spec.rows * bytesPer));
  const freeInputs = spec.freeSizes.map((s) => place(s * bytesPer));
  const rowOutputs = spec.outputRowSizes.map((s) => place(s * spec.rows * bytesPer));
  let regionBytes = 0;
  const accumulators = spec.accumulatorSizes.map((s) => {
    const at = regionBytes;
    regionBytes += 16 * s;
    return at;
  });
  // Regions start on cache lines, so that threads adding into neighbouring
  // regions never write to the same line.
  offset = Math.ceil(offset / CACHE_LINE) * CACHE_LINE;
  const regionStride = Math.ceil(regionBytes / CACHE_LINE) * CACHE_LINE;
  const regions = Array.from({ length: spec.regions }, () => place(regionStride));
  if (offset > MAX_WASM_BYTES) return undefined;
  return {
    rowInputs,
    freeInputs,
    rowOutputs,
    accumulators,
    regions,
    regionStride,
    pages: Math.max(1, Math.ceil(offset / PAGE)),
  };
}

/** Splat constants as v128 bytes. */
function splatF64(value: number): Uint8Array {
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  view.setFloat64(0, value, true);
  view.setFloat64(8, value, true);
  return bytes;
}

function splatF32(value: number): Uint8Array {
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < 4; i++) view.setFloat32(4 * i, value, true);
  return bytes;
}

/** The vector instruction set of one dtype. */
interface Lanes {
  readonly count: number;
  readonly bytes: number;
  readonly alignLog2: number;
  readonly splat: (value: number) => Uint8Array;
  readonly op: {
    add: number;
    sub: number;
    mul: number;
    div: number;
    neg: number;
    abs: number;
    sqrt: number;
    max: number;
    /** a < b ? b : a: one instruction, where max's NaN and ±0 rules cost several */
    pmax: number;
    eq: number;
    ne: number;
    gt: number;
    nearest: number;
    extract: number;
    replace: number;
    loadSplat: number;
    loadZero: number;
    loadLane: number;
    storeLane: number;
  };
}

const F64_LANES: Lanes = {
  count: 2,
  bytes: 8,
  alignLog2: 3,
  splat: splatF64,
  op: {
    add: Simd.f64x2_add,
    sub: Simd.f64x2_sub,
    mul: Simd.f64x2_mul,
    div: Simd.f64x2_div,
    neg: Simd.f64x2_neg,
    abs: Simd.f64x2_abs,
    sqrt: Simd.f64x2_sqrt,
    max: Simd.f64x2_max,
    pmax: Simd.f64x2_pmax,
    eq: Simd.f64x2_eq,
    ne: Simd.f64x2_ne,
    gt: Simd.f64x2_gt,
    nearest: Simd.f64x2_nearest,
    extract: Simd.f64x2_extract_lane,
    replace: Simd.f64x2_replace_lane,
    loadSplat: Simd.v128_load64_splat,
    loadZero: Simd.v128_load64_zero,
    loadLane: Simd.v128_load64_lane,
    storeLane: Simd.v128_store64_lane,
  },
};

const F32_LANES: Lanes = {
  count: 4,
  bytes: 4,
  alignLog2: 2,
  splat: splatF32,
  op: {
    add: Simd.f32x4_add,
    sub: Simd.f32x4_sub,
    mul: Simd.f32x4_mul,
    div: Simd.f32x4_div,
    neg: Simd.f32x4_neg,
    abs: Simd.f32x4_abs,
    sqrt: Simd.f32x4_sqrt,
    max: Simd.f32x4_max,
    pmax: Simd.f32x4_pmax,
    eq: Simd.f32x4_eq,
    ne: Simd.f32x4_ne,
    gt: Simd.f32x4_gt,
    nearest: Simd.f32x4_nearest,
    extract: Simd.f32x4_extract_lane,
    replace: Simd.f32x4_replace_lane,
    loadSplat: Simd.v128_load32_splat,
    loadZero: Simd.v128_load32_zero,
    loadLane: Simd.v128_load32_lane,
    storeLane: Simd.v128_store32_lane,
  },
};

/**
 * Constants of the exponential kernel: expm1(t) = 2^k·(1 + p(r)) − 1 with
 * t = k·ln2 + r, |r| ≤ ln2/2, ln2 split in two so that k·ln2hi is exact, and
 * p the Taylor polynomial of expm1 to the dtype's precision.
 */
const EXP_CONSTANTS = {
  float64: {
    ln2hi: 0.6931471803691238,
    ln2lo: 1.9082149292705877e-10,
    degree: 13,
    exponentBias: 1023,
    mantissaBits: 52,
    /** tanh(x) = ±1 to double precision beyond |x| = 20 */
    tanhClamp: -40,
    /** exp(t) stays normal above this */
    expClamp: -708,
  },
  float32: {
    ln2hi: 0.693145751953125,
    ln2lo: 1.428606765330187e-6,
    degree: 7,
    exponentBias: 127,
    mantissaBits: 23,
    tanhClamp: -20,
    expClamp: -87,
  },
} as const;

function factorial(n: number): number {
  let f = 1;
  for (let i = 2; i <= n; i++) f *= i;
  return f;
}

export function generateWasmLoop(spec: WasmLoopSpec): WasmLoop | undefined {
  const layout = layoutFor(spec);
  if (!layout) return undefined;
  const L = spec.dtype === "float64" ? F64_LANES : F32_LANES;
  const { program } = spec;
  const invariant = loopInvariants(program);

  // Locals: params start(0), end(1), acc(2); then i32 row pointers; then v128 values and scratch.
  const locals: ValType[] = [];
  const addLocal = (type: ValType) => {
    locals.push(type);
    return 2 + locals.length;
  };
  const rowIndex = addLocal(I32);
  const inPointers = spec.inputRowSizes.map(() => addLocal(I32));
  const outPointers = spec.outputRowSizes.map(() => addLocal(I32));
  const isLeaf = (ins: Instruction) => ins.kind === "const" || ins.kind === "loadFree";
  // One local per value and unrolled copy (one for loop invariants, none for leaves).
  const valueLocals = program.instructions.map((ins, id) =>
    isLeaf(ins) ? [] : Array.from({ length: invariant[id] ? 1 : UNROLL }, () => addLocal(V128)),
  );
  const localOf = (id: number, u: number) => valueLocals[id][invariant[id] ? 0 : u];
  // Leaf operands (constants, weights) of the instruction being emitted, loaded once for all copies.
  const leafLocals = [addLocal(V128), addLocal(V128), addLocal(V128)];

  const imports: ImportedFunction[] = [];
  const importIndex = new Map<string, number>();
  const importOf = (name: string) => {
    let index = importIndex.get(name);
    if (index === undefined) {
      index = imports.length;
      imports.push({ module: "env", name, type: { params: [F64], results: [F64] } });
      importIndex.set(name, index);
    }
    return index;
  };

  const code = new Code();
  // Every distinct constant lives in a local, set at the start of the function.
  const constants = new Map<string, { local: number; lanes: Uint8Array }>();
  code.constantLocal = (lanes) => {
    const key = Array.from(lanes).join(",");
    let entry = constants.get(key);
    if (!entry) {
      entry = { local: addLocal(V128), lanes };
      constants.set(key, entry);
    }
    return entry.local;
  };
  const constant = (value: number) => code.v128Const(L.splat(value));
  /** Loads the leaf operands of an instruction into leafLocals (before its first copy). */
  const loadLeaves = (operands: readonly number[]) => {
    operands.forEach((id, k) => {
      const ins = program.instructions[id];
      if (ins.kind === "const") constant(ins.value).localSet(leafLocals[k]);
      else if (ins.kind === "loadFree") {
        code
          .i32Const(0)
          .simdMem(L.op.loadSplat, L.alignLog2, layout.freeInputs[ins.slot] + ins.index * L.bytes);
        code.localSet(leafLocals[k]);
      }
    });
  };
  /** Pushes operand k (value id) of the instruction being emitted, copy u. */
  const pushOperand = (id: number, k: number, u: number) => {
    if (valueLocals[id].length === 0) code.localGet(leafLocals[k]);
    else code.localGet(localOf(id, u));
  };

  const C = EXP_CONSTANTS[spec.dtype];
  /** The locals of one activation being evaluated. */
  interface ActivationLocals {
    readonly t: number;
    readonly k: number;
    readonly r: number;
    readonly q: number;
    readonly scale: number;
    readonly e: number;
  }
  // Evaluating several activations interleaved, stage by stage, measured no faster.
  const activationLocals: ActivationLocals[] = Array.from({ length: UNROLL }, () => ({
    t: addLocal(V128),
    k: addLocal(V128),
    r: addLocal(V128),
    q: addLocal(V128),
    scale: addLocal(V128),
    e: addLocal(V128),
  }));
  type Stage = (x: number, out: number, v: ActivationLocals) => void;

  /** From t (≤ 0, clamped): scale = 2^k and q = expm1(r), t = k·ln2 + r. */
  const expStages: Stage[] = [
    (_x, _o, v) => {
      code
        .localGet(v.t)
        .v128Const(L.splat(1 / Math.LN2))
        .simd(L.op.mul)
        .simd(L.op.nearest)
        .localSet(v.k);
    },
    (_x, _o, v) => {
      // r = (t − k·ln2hi) − k·ln2lo
      code.localGet(v.t).localGet(v.k).v128Const(L.splat(C.ln2hi)).simd(L.op.mul).simd(L.op.sub);
      code.localGet(v.k).v128Const(L.splat(C.ln2lo)).simd(L.op.mul).simd(L.op.sub).localSet(v.r);
    },
    (_x, _o, v) => {
      constant(1 / factorial(C.degree))
        .localGet(v.r)
        .simd(L.op.mul);
      constant(1 / factorial(C.degree - 1))
        .simd(L.op.add)
        .localSet(v.q);
    },
    // Horner: q = r·(1 + r·(1/2! + r·(1/3! + …)))
    ...Array.from({ length: C.degree - 2 }, (_, i): Stage => {
      const n = C.degree - 2 - i;
      return (_x, _o, v) => {
        code.localGet(v.q).localGet(v.r).simd(L.op.mul);
        constant(1 / factorial(n))
          .simd(L.op.add)
          .localSet(v.q);
      };
    }),
    (_x, _o, v) => {
      code.localGet(v.q).localGet(v.r).simd(L.op.mul).localSet(v.q);
    },
    (_x, _o, v) => {
      // 2^k from its exponent bits: adding 1.5·2^mantissaBits puts the integer
      // k + bias in the low bits, and the shift moves it into the exponent.
      const magic = 1.5 * 2 ** C.mantissaBits + C.exponentBias;
      code.localGet(v.k).v128Const(L.splat(magic)).simd(L.op.add).i32Const(C.mantissaBits);
      code.simd(spec.dtype === "float64" ? Simd.i64x2_shl : Simd.i32x4_shl).localSet(v.scale);
    },
  ];

  // tanh|x| = −expm1(t) / (2 + expm1(t)) with t = max(−2|x|, clamp), the sign of x put back.
  const tanhStages: Stage[] = [
    (x, _o, v) => {
      code
        .localGet(x)
        .simd(L.op.abs)
        .v128Const(L.splat(-2))
        .simd(L.op.mul)
        .v128Const(L.splat(C.tanhClamp))
        .simd(L.op.pmax)
        .localSet(v.t);
    },
    ...expStages,
    (_x, _o, v) => {
      // expm1(t) = 2^k·q + (2^k − 1)
      code
        .localGet(v.scale)
        .localGet(v.q)
        .simd(L.op.mul)
        .localGet(v.scale)
        .v128Const(L.splat(1))
        .simd(L.op.sub)
        .simd(L.op.add)
        .localSet(v.e);
    },
    (x, out, v) => {
      // abs: tanh(+0) is +0, not −0
      code
        .localGet(v.e)
        .simd(L.op.neg)
        .localGet(v.e)
        .v128Const(L.splat(2))
        .simd(L.op.add)
        .simd(L.op.div)
        .simd(L.op.abs);
      code.localGet(x).v128Const(L.splat(-0)).simd(Simd.v128_and).simd(Simd.v128_or).localSet(out);
    },
  ];

  // sigmoid = (x < 0 ? e : 1) / (1 + e) with e = exp(−|x|) = 2^k·(1 + q)
  const sigmoidStages: Stage[] = [
    (x, _o, v) => {
      code
        .localGet(x)
        .simd(L.op.abs)
        .simd(L.op.neg)
        .v128Const(L.splat(C.expClamp))
        .simd(L.op.pmax)
        .localSet(v.t);
    },
    ...expStages,
    (_x, _o, v) => {
      code.localGet(v.q).v128Const(L.splat(1)).simd(L.op.add).localGet(v.scale).simd(L.op.mul).localSet(v.e);
    },
    (x, out, v) => {
      code
        .localGet(v.e)
        .v128Const(L.splat(1))
        .v128Const(L.splat(0))
        .localGet(x)
        .simd(L.op.gt)
        .simd(Simd.v128_bitselect);
      code.localGet(v.e).v128Const(L.splat(1)).simd(L.op.add).simd(L.op.div).localSet(out);
    },
  ];

  /** Evaluates independent activations (one per unrolled copy at most), stage by stage. */
  const emitActivations = (op: "tanh" | "sigmoid", batch: readonly { x: number; out: number }[]) => {
    const stages = op === "tanh" ? tanhStages : sigmoidStages;
    for (const stage of stages) batch.forEach(({ x, out }, i) => stage(x, out, activationLocals[i]));
  };

  /** Applies a scalar import lane by lane to the vector in local x. */
  const emitLaneCall = (x: number, name: string) => {
    const fn = importOf(name);
    code.localGet(x);
    for (let lane = 0; lane < L.count; lane++) {
      code.localGet(x).simdLane(L.op.extract, lane);
      if (spec.dtype === "float32") code.op(Op.f64_promote_f32);
      code.op(Op.call).u32(fn);
      if (spec.dtype === "float32") code.op(Op.f32_demote_f64);
      code.simdLane(L.op.replace, lane);
    }
  };

  /** Emits copy u of instruction id (its leaf operands already in leafLocals). */
  const emitInstruction = (id: number, u: number) => {
    const ins = program.instructions[id];
    const out = localOf(id, u);
    switch (ins.kind) {
      case "const":
      case "loadFree":
        return;
      case "loadRow": {
        const pointer = inPointers[ins.slot];
        const rowBytes = spec.inputRowSizes[ins.slot] * L.bytes;
        const at = (lane: number) => (u * L.count + lane) * rowBytes + ins.offset * L.bytes;
        for (let lane = 0; lane < L.count; lane++) code.localGet(pointer);
        code.simdMem(L.op.loadZero, L.alignLog2, at(0));
        for (let lane = 1; lane < L.count; lane++)
          code.simdLaneMem(L.op.loadLane, L.alignLog2, at(lane), lane);
        break;
      }
      case "unary": {
        const a = valueLocals[ins.a].length ? localOf(ins.a, u) : leafLocals[0];
        switch (ins.op) {
          case "neg":
            code.localGet(a).simd(L.op.neg);
            break;
          case "sqrt":
            code.localGet(a).simd(L.op.sqrt);
            break;
          case "relu":
            code.localGet(a).localGet(a).v128Const(L.splat(0)).simd(L.op.gt).simd(Simd.v128_and);
            break;
          case "tanh":
          case "sigmoid":
            emitActivations(ins.op, [{ x: a, out }]);
            return;
          case "exp":
          case "log":
            emitLaneCall(a, ins.op);
            break;
          case "fround":
            code.localGet(a);
            // float32 lanes are already rounded; float64 lanes go through float32 and back
            if (spec.dtype === "float64")
              code.simd(Simd.f32x4_demote_f64x2_zero).simd(Simd.f64x2_promote_low_f32x4);
            break;
        }
        break;
      }
      case "binary":
        pushOperand(ins.a, 0, u);
        pushOperand(ins.b, 1, u);
        switch (ins.op) {
          case "add":
            code.simd(L.op.add);
            break;
          case "sub":
            code.simd(L.op.sub);
            break;
          case "mul":
            code.simd(L.op.mul);
            break;
          case "div":
            code.simd(L.op.div);
            break;
          case "max":
            code.simd(L.op.max);
            break;
          case "greater":
            code.simd(L.op.gt).v128Const(L.splat(1)).simd(Simd.v128_and);
            break;
          case "equal":
            code.simd(L.op.eq).v128Const(L.splat(1)).simd(Simd.v128_and);
            break;
        }
        break;
      case "select":
        pushOperand(ins.a, 0, u);
        pushOperand(ins.b, 1, u);
        pushOperand(ins.c, 2, u);
        code.v128Const(L.splat(0)).simd(L.op.ne).simd(Simd.v128_bitselect);
        break;
    }
    code.localSet(out);
  };
  const operandsOf = (ins: Instruction): number[] =>
    ins.kind === "unary"
      ? [ins.a]
      : ins.kind === "binary"
        ? [ins.a, ins.b]
        : ins.kind === "select"
          ? [ins.a, ins.b, ins.c]
          : [];
  /** All copies of one instruction. */
  const emitCopies = (id: number, copies: number) => {
    loadLeaves(operandsOf(program.instructions[id]));
    for (let u = 0; u < copies; u++) emitInstruction(id, u);
  };

  // Prologue: row pointers at `start`, loop-invariant values.
  const setPointer = (local: number, base: number, rowSize: number) => {
    code
      .i32Const(base)
      .localGet(0)
      .i32Const(rowSize * L.bytes)
      .op(Op.i32_mul)
      .op(Op.i32_add)
      .localSet(local);
  };
  spec.inputRowSizes.forEach((size, s) => setPointer(inPointers[s], layout.rowInputs[s], size));
  spec.outputRowSizes.forEach((size, s) => setPointer(outPointers[s], layout.rowOutputs[s], size));
  program.instructions.forEach((_, id) => {
    if (invariant[id]) emitCopies(id, 1);
  });

  code.op(Op.block).byte(0x40);
  code.localGet(0).localGet(1).op(Op.i32_ge_u).op(Op.br_if).u32(0);
  code.localGet(0).localSet(rowIndex);
  code.op(Op.loop).byte(0x40);
  // Stores and accumulations are emitted right after their value is computed,
  // which keeps live ranges (and TurboFan's spills) short.
  const emitStore = ({ slot, offset, value }: RowStore) => {
    const rowBytes = spec.outputRowSizes[slot] * L.bytes;
    loadLeaves([value]);
    for (let u = 0; u < UNROLL; u++) {
      for (let lane = 0; lane < L.count; lane++) {
        code.localGet(outPointers[slot]);
        pushOperand(value, 0, u);
        code.simdLaneMem(
          L.op.storeLane,
          L.alignLog2,
          (u * L.count + lane) * rowBytes + offset * L.bytes,
          lane,
        );
      }
    }
  };
  const emitAccumulation = ({ slot, index, value }: Accumulation) => {
    const at = layout.accumulators[slot] + 16 * index;
    const combine = spec.accumulatorOps[slot] === "sum" ? L.op.add : L.op.max;
    loadLeaves([value]);
    code.localGet(2).localGet(2).simdMem(Simd.v128_load, 4, at);
    for (let u = 0; u < UNROLL; u++) {
      pushOperand(value, 0, u);
      code.simd(combine);
    }
    code.simdMem(Simd.v128_store, 4, at);
  };
  const sinksOf = new Map<number, (() => void)[]>();
  const addSink = (value: number, emit: () => void) => {
    // Sinks of loop-invariant values go first.
    const key = invariant[value] ? -1 : value;
    sinksOf.set(key, [...(sinksOf.get(key) ?? []), emit]);
  };
  for (const store of program.stores) addSink(store.value, () => emitStore(store));
  for (const accumulation of program.accumulations)
    addSink(accumulation.value, () => emitAccumulation(accumulation));
  const emitSinks = (value: number) => {
    for (const emit of sinksOf.get(value) ?? []) emit();
  };
  emitSinks(-1);
  for (let id = 0; id < program.instructions.length; id++) {
    if (invariant[id]) continue;
    emitCopies(id, UNROLL);
    emitSinks(id);
  }
  const advance = (local: number, rowSize: number) => {
    code
      .localGet(local)
      .i32Const(UNROLL * L.count * rowSize * L.bytes)
      .op(Op.i32_add)
      .localSet(local);
  };
  spec.inputRowSizes.forEach((size, s) => advance(inPointers[s], size));
  spec.outputRowSizes.forEach((size, s) => advance(outPointers[s], size));
  code
    .localGet(rowIndex)
    .i32Const(UNROLL * L.count)
    .op(Op.i32_add)
    .localTee(rowIndex)
    .localGet(1)
    .op(Op.i32_lt_u)
    .op(Op.br_if)
    .u32(0);
  code.op(Op.end).op(Op.end);

  const body = new Code();
  for (const { local, lanes } of constants.values()) body.v128Const(lanes).localSet(local);
  body.bytes(code.toArray());
  const bytes = encodeModule({
    memory: { module: "env", name: "memory", pages: layout.pages, shared: spec.sharedMemory },
    imports,
    functions: [{ exportName: "run", type: { params: [I32, I32, I32], results: [] }, locals, body }],
  });
  return { bytes, layout, lanes: L.count, rowsPerIteration: rowsPerIterationOf(spec.dtype) };
}
