/**
 * A small WebAssembly binary encoder: just what the row-loop generator
 * needs (one imported memory, imported scalar functions, functions over
 * i32 and v128 locals, the SIMD instructions it emits).
 */

export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F32 | typeof F64 | typeof V128;

/** Core opcodes used by the generator. */
export const Op = {
  block: 0x02,
  loop: 0x03,
  end: 0x0b,
  br_if: 0x0d,
  call: 0x10,
  local_get: 0x20,
  local_set: 0x21,
  local_tee: 0x22,
  i32_const: 0x41,
  i32_ge_u: 0x4f,
  i32_lt_u: 0x49,
  i32_add: 0x6a,
  i32_mul: 0x6c,
  f32_demote_f64: 0xb6,
  f64_promote_f32: 0xbb,
} as const;

/** SIMD opcodes (after the 0xfd prefix). */
export const Simd = {
  v128_load: 0x00,
  v128_load32_splat: 0x09,
  v128_load64_splat: 0x0a,
  v128_store: 0x0b,
  v128_const: 0x0c,
  i8x16_shuffle: 0x0d,
  f32x4_extract_lane: 0x1f,
  f32x4_replace_lane: 0x20,
  f64x2_extract_lane: 0x21,
  f64x2_replace_lane: 0x22,
  f32x4_eq: 0x41,
  f32x4_ne: 0x42,
  f32x4_gt: 0x44,
  f64x2_eq: 0x47,
  f64x2_ne: 0x48,
  f64x2_gt: 0x4a,
  v128_and: 0x4e,
  v128_andnot: 0x4f,
  v128_or: 0x50,
  v128_xor: 0x51,
  v128_bitselect: 0x52,
  v128_load32_lane: 0x56,
  v128_load64_lane: 0x57,
  v128_store32_lane: 0x5a,
  v128_store64_lane: 0x5b,
  v128_load32_zero: 0x5c,
  v128_load64_zero: 0x5d,
  f32x4_demote_f64x2_zero: 0x5e,
  f64x2_promote_low_f32x4: 0x5f,
  f32x4_nearest: 0x6a,
  f64x2_nearest: 0x94,
  i32x4_shl: 0xab,
  i32x4_add: 0xae,
  i64x2_extend_low_i32x4_s: 0xc7,
  i64x2_shl: 0xcb,
  i64x2_add: 0xce,
  f32x4_abs: 0xe0,
  f32x4_neg: 0xe1,
  f32x4_sqrt: 0xe3,
  f32x4_add: 0xe4,
  f32x4_sub: 0xe5,
  f32x4_mul: 0xe6,
  f32x4_div: 0xe7,
  f32x4_min: 0xe8,
  f32x4_max: 0xe9,
  f32x4_pmax: 0xeb,
  f64x2_abs: 0xec,
  f64x2_neg: 0xed,
  f64x2_sqrt: 0xef,
  f64x2_add: 0xf0,
  f64x2_sub: 0xf1,
  f64x2_mul: 0xf2,
  f64x2_div: 0xf3,
  f64x2_min: 0xf4,
  f64x2_max: 0xf5,
  f64x2_pmax: 0xf7,
  i32x4_trunc_sat_f32x4_s: 0xf8,
  i32x4_trunc_sat_f64x2_s_zero: 0xfc,
} as const;

/** A growable byte buffer with the encodings of the binary format. */
export class Bytes {
  private buffer: Uint8Array<ArrayBuffer> = new Uint8Array(256);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buffer.length) return;
    const bigger = new Uint8Array(Math.max(this.buffer.length * 2, this.length + n));
    bigger.set(this.buffer.subarray(0, this.length));
    this.buffer = bigger;
  }

  byte(b: number): this {
    this.reserve(1);
    this.buffer[this.length++] = b;
    return this;
  }

  bytes(bs: ArrayLike<number>): this {
    this.reserve(bs.length);
    this.buffer.set(bs, this.length);
    this.length += bs.length;
    return this;
  }

  /** Unsigned LEB128. */
  u32(value: number): this {
    let v = value >>> 0;
    do {
      let b = v & 0x7f;
      v >>>= 7;
      if (v !== 0) b |= 0x80;
      this.byte(b);
    } while (v !== 0);
    return this;
  }

  /** Signed LEB128 (32-bit range). */
  s32(value: number): this {
    let v = value | 0;
    for (;;) {
      const b = v & 0x7f;
      v >>= 7;
      const done = (v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0);
      this.byte(done ? b : b | 0x80);
      if (done) return this;
    }
  }

  name(text: string): this {
    const encoded = new TextEncoder().encode(text);
    return this.u32(encoded.length).bytes(encoded);
  }

  /** A length-prefixed nested encoding (sections, function bodies). */
  sized(inner: Bytes): this {
    return this.u32(inner.length).bytes(inner.toArray());
  }

  toArray(): Uint8Array<ArrayBuffer> {
    return this.buffer.slice(0, this.length);
  }
}

/** Instruction stream of one function body. */
export class Code extends Bytes {
  op(code: number): this {
    return this.byte(code);
  }

  simd(code: number): this {
    return this.byte(0xfd).u32(code);
  }

  /** A SIMD memory access: alignment (log2) and static offset. */
  simdMem(code: number, alignLog2: number, offset: number): this {
    return this.simd(code).u32(alignLog2).u32(offset);
  }

  /** A SIMD lane memory access: memarg, then the lane. */
  simdLaneMem(code: number, alignLog2: number, offset: number, lane: number): this {
    return this.simdMem(code, alignLog2, offset).byte(lane);
  }

  simdLane(code: number, lane: number): this {
    return this.simd(code).byte(lane);
  }

  localGet(index: number): this {
    return this.op(Op.local_get).u32(index);
  }

  localSet(index: number): this {
    return this.op(Op.local_set).u32(index);
  }

  localTee(index: number): this {
    return this.op(Op.local_tee).u32(index);
  }

  i32Const(value: number): this {
    return this.op(Op.i32_const).s32(value);
  }

  /**
   * Where set, v128 constants are read from the local it returns (set once,
   * before use): V8 rebuilds an inline v128.const with several instructions.
   */
  constantLocal: ((lanes: Uint8Array) => number) | undefined;

  v128Const(lanes: Uint8Array): this {
    if (this.constantLocal) return this.localGet(this.constantLocal(lanes));
    return this.simd(Simd.v128_const).bytes(lanes);
  }
}

export interface FunctionType {
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
}

export interface ImportedFunction {
  readonly module: string;
  readonly name: string;
  readonly type: FunctionType;
}

export interface DefinedFunction {
  readonly exportName: string;
  readonly type: FunctionType;
  /** Types of the locals after the parameters. */
  readonly locals: readonly ValType[];
  readonly body: Code;
}

export interface ModuleSpec {
  readonly memory: {
    readonly module: string;
    readonly name: string;
    readonly pages: number;
    readonly shared: boolean;
  };
  readonly imports: readonly ImportedFunction[];
  readonly functions: readonly DefinedFunction[];
}

function section(out: Bytes, id: number, content: Bytes): void {
  out.byte(id).sized(content);
}

/** Encodes a module: imported memory and functions, exported defined functions. */
export function encodeModule(spec: ModuleSpec): Uint8Array<ArrayBuffer> {
  const types: FunctionType[] = [];
  const typeIndex = (t: FunctionType): number => {
    const key = JSON.stringify(t);
    const found = types.findIndex((u) => JSON.stringify(u) === key);
    if (found >= 0) return found;
    types.push(t);
    return types.length - 1;
  };
  const importTypes = spec.imports.map((f) => typeIndex(f.type));
  const functionTypes = spec.functions.map((f) => typeIndex(f.type));

  const out = new Bytes().bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

  const typeSection = new Bytes().u32(types.length);
  for (const t of types)
    typeSection.byte(0x60).u32(t.params.length).bytes(t.params).u32(t.results.length).bytes(t.results);
  section(out, 1, typeSection);

  const importSection = new Bytes().u32(spec.imports.length + 1);
  const { memory } = spec;
  importSection.name(memory.module).name(memory.name).byte(0x02);
  // limits: 0x03 = shared with a maximum, 0x01 = a maximum
  importSection
    .byte(memory.shared ? 0x03 : 0x01)
    .u32(memory.pages)
    .u32(memory.pages);
  spec.imports.forEach((f, i) => {
    importSection.name(f.module).name(f.name).byte(0x00).u32(importTypes[i]);
  });
  section(out, 2, importSection);

  const functionSection = new Bytes().u32(spec.functions.length);
  for (const t of functionTypes) functionSection.u32(t);
  section(out, 3, functionSection);

  const exportSection = new Bytes().u32(spec.functions.length);
  spec.functions.forEach((f, i) => {
    exportSection
      .name(f.exportName)
      .byte(0x00)
      .u32(spec.imports.length + i);
  });
  section(out, 7, exportSection);

  const codeSection = new Bytes().u32(spec.functions.length);
  for (const f of spec.functions) {
    const body = new Bytes();
    // Locals, run-length encoded by type.
    const runs: { type: ValType; count: number }[] = [];
    for (const type of f.locals) {
      const last = runs[runs.length - 1];
      if (last && last.type === type) last.count++;
      else runs.push({ type, count: 1 });
    }
    body.u32(runs.length);
    for (const run of runs) body.u32(run.count).byte(run.type);
    body.bytes(f.body.toArray()).byte(Op.end);
    codeSection.sized(body);
  }
  section(out, 10, codeSection);
  return out.toArray();
}
