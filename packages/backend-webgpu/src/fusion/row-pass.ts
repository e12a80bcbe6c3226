/**
 * Lowers a fusion plan (core's `planFusion`) to WGSL: one shader that runs
 * the row program of a row-separable graph once per row, writes its row
 * outputs, and reduces its sums over the rows (JᵀJ, Jᵀr, weight gradients,
 * sums of squares) in the same pass.
 *
 * Threads work in tiles of 64 rows, one row each; a fixed number of
 * workgroups strides over the tiles. The terms each row adds to a reduction
 * go to workgroup memory (a "record" per row: the factors of an outer
 * product, or the per-row value of a sum), and each thread then adds, over
 * the rows of the block, the result elements it owns into its workgroup's
 * partial sums in device memory. A second, small shader combines the
 * workgroups' partials in workgroup order (`combine.ts`). Every sum is thus
 * taken in an order fixed by the row count alone: results never depend on
 * scheduling.
 *
 * An outer-product reduction (matmul(transpose(rowA), rowB)) keeps only its
 * factors per row, not the k·m products the plan's scalar program spells
 * out for the CPU, so the shader's size is that of the network, not of the
 * Gauss–Newton matrix.
 */
import {
  type AccumulateOp,
  type FusionPlan,
  type Instruction,
  loopInvariants,
  operandsOf,
  packedIndex,
  type ScalarProgram,
} from "@neureco/core/fusion";
import { BINARY_WGSL, UNARY_WGSL } from "../kernels/elementwise.js";
import { uniformWords } from "../program.js";

/** Rows per tile: the workgroup size of the row pass. */
export const TILE_ROWS = 64;
/**
 * Tiles each workgroup takes at least, so that what a workgroup costs
 * besides its rows (starting, its final reduction, its partial sums) is
 * spread over 1,024 rows: 10⁶ rows still make 977 workgroups. Measured on
 * SwiftShader at 10⁵ rows, the 8-16-1 gradient: 1,350 ms with a workgroup
 * per tile, 85 ms with 64 workgroups.
 */
const TILES_PER_GROUP = 16;
/** Most workgroups of a pass with reductions (each keeps its own partial sums). */
const MAX_REDUCING_GROUPS = 2048;
/** Most partial sums over all workgroups (floats), which bounds the workgroups for big reductions. */
const PARTIALS_BUDGET = 1 << 22;
/** Most reduced elements a thread sums in registers (the rest go through workgroup memory). */
const PRIVATE_ELEMENTS = 256;

/** What the shader needs of the device. */
export interface RowPassLimits {
  readonly maxStorageBuffersPerShaderStage: number;
  readonly maxComputeWorkgroupsPerDimension: number;
  /**
   * Floats of workgroup memory the pass may use: the device's limit, or less
   * where a large workgroup array costs more than it saves (see
   * `GpuRuntime.workgroupFloats`).
   */
  readonly workgroupFloats: number;
}

/** One reduction over the rows, as the partial sums lay it out. */
export interface ReductionLayout {
  readonly op: AccumulateOp;
  /** Elements reduced (for a symmetric one, its packed upper triangle). */
  readonly size: number;
  /** Offset of its elements among one workgroup's partial sums. */
  readonly offset: number;
  /** Side of a symmetric result, unpacked by the combining shader. */
  readonly symmetric?: number;
}

export interface RowPass {
  /** The shader: it depends on the graph's structure, not on its row count. */
  readonly wgsl: string;
  /** Workgroups dispatched (x only). */
  readonly groups: number;
  /** Binding 0: the row count, the tiles of rows, the workgroups. */
  readonly uniforms: Uint32Array<ArrayBuffer>;
  /**
   * The row inputs the shader reads, by slot, and whether it reads the
   * batch-free values: only what it reads is bound (an automatic bind group
   * layout leaves out what a shader does not use).
   */
  readonly rowInputsRead: readonly number[];
  readonly readsFree: boolean;
  /** Offset of each batch-free input in the one packed buffer of them, and its total size. */
  readonly freeOffsets: readonly number[];
  readonly freeSize: number;
  readonly reductions: readonly ReductionLayout[];
  /** Partial sums per workgroup (all reductions). */
  readonly partialsPerGroup: number;
  /** Factor index pairs of the outer-product reductions, or undefined when there are none. */
  readonly pairs: Uint32Array | undefined;
  /** A key that names those pairs (they follow from the reductions' shapes). */
  readonly pairsKey: string;
}

type Accumulator = FusionPlan["accumulators"][number];

const IDENTITY: { readonly [Op in AccumulateOp]: number } = { sum: 0, max: Number.NEGATIVE_INFINITY };

/**
 * An f32 constant written by its bits: exact. NaN and ±Infinity go through a
 * function (`f32_bits`), because WGSL rejects a constant expression whose
 * value is not finite.
 */
export function f32Literal(value: number): string {
  const bits = new Uint32Array(new Float32Array([value]).buffer)[0];
  return `${Number.isFinite(Math.fround(value)) ? "bitcast<f32>" : "f32_bits"}(0x${bits.toString(16)}u)`;
}

/** How one row's value of reduction `slot` is laid out in the record. */
type RecordPart =
  | { readonly kind: "outer"; readonly left: number; readonly right: number; readonly pairsOffset: number }
  | { readonly kind: "scalar"; readonly at: number };

/**
 * The shader and its layout, or undefined when the plan cannot run as one
 * pass on this device (too many bindings, a record larger than workgroup
 * memory, an empty row buffer).
 */
export function rowPass(plan: FusionPlan, limits: RowPassLimits): RowPass | undefined {
  const { program } = plan;
  if (plan.rows === 0 || plan.dtype !== "float32") return undefined;
  if ([...plan.rowInputs, ...plan.rowOutputs].some((r) => r.rowSize === 0)) return undefined;
  if (plan.accumulators.some((a) => a.size === 0)) return undefined;
  const reducing = plan.accumulators.length > 0;
  const freeOffsets: number[] = [];
  let freeSize = 0;
  for (const size of plan.freeInputSizes) {
    freeOffsets.push(freeSize);
    freeSize += size;
  }

  // Small reductions (weight gradients, sums of squares) are summed by each
  // thread in registers over all its rows, and over the workgroup once at
  // the end; the rest (a Gram matrix) go through per-block records in
  // workgroup memory. A private element's index is its partial sum's offset:
  // the private reductions come first among the partial sums.
  const scalarTerms = scalarAccumulations(program);
  const privateSlots: number[] = [];
  const recordSlots: number[] = [];
  let privateSize = 0;
  plan.accumulators.forEach((a, slot) => {
    // Sums only: SwiftShader's compiler blew up (out of memory) on forty
    // maxima kept in registers; a max over the rows is rare in a network.
    if (a.op === "sum" && privateSize + a.size <= PRIVATE_ELEMENTS) {
      privateSlots.push(slot);
      privateSize += a.size;
    } else {
      recordSlots.push(slot);
    }
  });
  const reductions: ReductionLayout[] = [];
  let partialsPerGroup = 0;
  for (const slot of [...privateSlots, ...recordSlots]) {
    const a = plan.accumulators[slot];
    reductions[slot] = {
      op: a.op,
      size: a.size,
      offset: partialsPerGroup,
      ...(a.symmetric === undefined ? {} : { symmetric: a.symmetric }),
    };
    partialsPerGroup += a.size;
  }
  /** Row values added to element e of reduction `slot`: a product of factors, or the program's terms. */
  const termOf = (slot: number, factorPairs: readonly number[], e: number): string => {
    const a = plan.accumulators[slot];
    if (!a.outer) return combinedTerm(scalarTerms.get(`${slot},${e}`), a.op);
    return `${name(a.outer.left[factorPairs[2 * e]])} * ${name(a.outer.right[factorPairs[2 * e + 1]])}`;
  };
  const privateLines: string[] = [];
  for (const slot of privateSlots) {
    const a = plan.accumulators[slot];
    const factorPairs = a.outer ? outerPairs(a) : [];
    const { offset } = reductions[slot];
    for (let e = 0; e < a.size; e++) {
      const term = `select(${f32Literal(IDENTITY[a.op])}, ${termOf(slot, factorPairs, e)}, valid)`;
      const at = `acc[${offset + e}]`;
      privateLines.push(`${at} = ${at} + ${term};`);
    }
  }

  // The record: what each row adds to the other reductions.
  const recordValues: string[] = []; // WGSL expressions, one per field
  const parts: RecordPart[] = [];
  const pairs: number[] = [];
  for (const slot of recordSlots) {
    const a = plan.accumulators[slot];
    if (a.outer) {
      const left = recordValues.length;
      recordValues.push(...a.outer.left.map(name));
      const same =
        a.outer.left.length === a.outer.right.length &&
        a.outer.left.every((id, p) => id === a.outer?.right[p]);
      const right = same ? left : recordValues.length;
      if (!same) recordValues.push(...a.outer.right.map(name));
      parts[slot] = { kind: "outer", left, right, pairsOffset: pairs.length / 2 };
      pairs.push(...outerPairs(a));
    } else {
      const at = recordValues.length;
      for (let e = 0; e < a.size; e++) recordValues.push(termOf(slot, [], e));
      parts[slot] = { kind: "scalar", at };
    }
  }
  const recordSize = recordValues.length;
  const sharedFloats = limits.workgroupFloats;
  const blockRows =
    recordSlots.length > 0 ? Math.min(TILE_ROWS, Math.floor(sharedFloats / Math.max(1, recordSize))) : 0;
  if (recordSlots.length > 0 && blockRows < 1) return undefined;
  // The private sums pass through workgroup memory in blocks of 64 threads ×
  // at most 64 elements, fewer where workgroup memory is scarce.
  const privateWidth = Math.min(TILE_ROWS, privateSize, Math.floor(sharedFloats / TILE_ROWS));
  if (privateSize > 0 && privateWidth < 1) return undefined;
  const privateBlock = TILE_ROWS * privateWidth;
  const sharedSize = Math.max(privateBlock, blockRows * recordSize);
  const hasOuter = recordSlots.some((slot) => plan.accumulators[slot].outer !== undefined);

  const tiles = Math.ceil(plan.rows / TILE_ROWS);
  const byTiles = Math.ceil(tiles / TILES_PER_GROUP);
  const groups = reducing
    ? Math.max(1, Math.min(byTiles, MAX_REDUCING_GROUPS, Math.floor(PARTIALS_BUDGET / partialsPerGroup)))
    : Math.min(byTiles, limits.maxComputeWorkgroupsPerDimension);

  // Which scalars the shader computes: those stored, reduced, or factors.
  const live = liveScalars(program, plan.accumulators);
  const rowInputsRead = [
    ...new Set(
      program.instructions.flatMap((instruction, id) =>
        live[id] && instruction.kind === "loadRow" ? [instruction.slot] : [],
      ),
    ),
  ].sort((a, b) => a - b);
  const readsFree = program.instructions.some(
    (instruction, id) => live[id] && instruction.kind === "loadFree",
  );
  const storageBuffers =
    rowInputsRead.length +
    plan.rowOutputs.length +
    (readsFree ? 1 : 0) +
    (reducing ? 1 : 0) +
    (hasOuter ? 1 : 0);
  if (storageBuffers > limits.maxStorageBuffersPerShaderStage) return undefined;
  // Scalars the same for every row are computed once, before the loop over tiles.
  const invariant = loopInvariants(program);
  const declare = (id: number, instruction: Instruction) =>
    `let ${name(id)} = ${expression(instruction, plan, freeOffsets)};`;
  const invariantLines: string[] = [];
  const rowLines: string[] = [];
  program.instructions.forEach((instruction, id) => {
    if (!live[id]) return;
    (invariant[id] ? invariantLines : rowLines).push(declare(id, instruction));
  });

  const bindings: string[] = [
    "struct RowParams { rows: u32, tiles: u32, groups: u32, pad: u32 }",
    "@group(0) @binding(0) var<uniform> params: RowParams;",
  ];
  const bind = (access: "read" | "read_write", variable: string, type: "f32" | "u32") =>
    bindings.push(
      `@group(0) @binding(${bindings.length - 1}) var<storage, ${access}> ${variable}: array<${type}>;`,
    );
  for (const s of rowInputsRead) bind("read", `r${s}`, "f32");
  if (readsFree) bind("read", "fr", "f32");
  plan.rowOutputs.forEach((_, s) => bind("read_write", `o${s}`, "f32"));
  if (reducing) bind("read_write", "part", "f32");
  if (hasOuter) bind("read", "pairs", "u32");

  const stores = program.stores.map(
    ({ slot, offset, value }) =>
      `o${slot}[row * ${plan.rowOutputs[slot].rowSize}u + ${offset}u] = ${name(value)};`,
  );
  const recordReductions = recordSlots.map((slot) => ({ reduction: reductions[slot], part: parts[slot] }));
  const body: string[] = [
    ...invariantLines,
    privateSize > 0 ? `var acc: array<f32, ${privateSize}>;` : "",
    // (A private array starts at zero: the private reductions are sums.)
    ...recordReductions.map(
      ({ reduction: r }) => `for (var e = lid; e < ${r.size}u; e += ${TILE_ROWS}u) {
    part[group * ${partialsPerGroup}u + ${r.offset}u + e] = ${f32Literal(IDENTITY[r.op])};
  }`,
    ),
    `for (var tile = group; tile < params.tiles; tile += params.groups) {
    let i = tile * ${TILE_ROWS}u + lid;
    let valid = i < params.rows;
    let row = min(i, params.rows - 1u);
    ${rowLines.join("\n    ")}
    if (valid) {
      ${stores.join("\n      ")}
    }
    ${privateLines.join("\n    ")}
    ${recordSlots.length > 0 ? reduceBlocks(recordValues, recordReductions, blockRows, partialsPerGroup) : ""}
  }`,
    privateSize > 0 ? reducePrivate(privateSize, privateWidth, partialsPerGroup) : "",
  ];
  const wgsl = `${bindings.join("\n")}
${sharedSize > 0 ? `var<workgroup> wsh: array<f32, ${sharedSize}>;` : ""}
${helperFunctions(program)}
@compute @workgroup_size(${TILE_ROWS})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let group = wid.x;
  ${body.filter((line) => line !== "").join("\n  ")}
}
`;
  return {
    wgsl,
    groups,
    uniforms: uniformWords([plan.rows, tiles, groups]),
    rowInputsRead,
    readsFree,
    freeOffsets,
    freeSize,
    reductions,
    partialsPerGroup,
    pairs: hasOuter ? Uint32Array.from(pairs) : undefined,
    // The table holds the pairs of the record reductions only: their shapes name it.
    pairsKey: `fused-pairs:${recordSlots
      .map((slot) => plan.accumulators[slot])
      .filter((a) => a.outer)
      .map((a) =>
        a.symmetric === undefined ? `${a.outer?.left.length}x${a.outer?.right.length}` : `s${a.symmetric}`,
      )
      .join(";")}`,
  };
}

/**
 * Each block of `blockRows` rows writes its records to workgroup memory;
 * then every thread adds, row by row, the elements it owns (e ≡ lid mod 64)
 * of every record reduction into its workgroup's partial sums.
 */
function reduceBlocks(
  recordValues: readonly string[],
  reductions: readonly { readonly reduction: ReductionLayout; readonly part: RecordPart }[],
  blockRows: number,
  partialsPerGroup: number,
): string {
  const F = recordValues.length;
  const blocks = Math.ceil(TILE_ROWS / blockRows);
  // Rows past the end add nothing: zero factors, or the reduction's identity.
  const identityFields = reductions.flatMap(({ reduction: r, part }) =>
    part.kind === "outer" ? [] : [{ from: part.at, to: part.at + r.size, value: IDENTITY[r.op] }],
  );
  const guarded = (field: number, value: string) => {
    const identity = identityFields.find((f) => field >= f.from && field < f.to);
    return `select(${f32Literal(identity?.value ?? 0)}, ${value}, valid)`;
  };
  const writes = recordValues.map((value, f) => `wsh[at + ${f}u] = ${guarded(f, value)};`);
  const adds = reductions.map(({ reduction: r, part }) => {
    const term = part.kind === "outer" ? "wsh[base + pl] * wsh[base + pr]" : `wsh[base + ${part.at}u + e]`;
    const factors =
      part.kind === "outer"
        ? `let pl = pairs[2u * (${part.pairsOffset}u + e)] + ${part.left}u;
        let pr = pairs[2u * (${part.pairsOffset}u + e) + 1u] + ${part.right}u;`
        : "";
    const combine = r.op === "sum" ? "s = s + x;" : "s = b_max(s, x);";
    return `for (var e = lid; e < ${r.size}u; e += ${TILE_ROWS}u) {
        let at = group * ${partialsPerGroup}u + ${r.offset}u + e;
        ${factors}
        var s = part[at];
        for (var r = 0u; r < rows; r++) {
          let base = r * ${F}u;
          let x = ${term};
          ${combine}
        }
        part[at] = s;
      }`;
  });
  return `for (var b = 0u; b < ${blocks}u; b++) {
      if (lid / ${blockRows}u == b) {
        let at = (lid % ${blockRows}u) * ${F}u;
        ${writes.join("\n        ")}
      }
      workgroupBarrier();
      let rows = min(${blockRows}u, ${TILE_ROWS}u - b * ${blockRows}u);
      ${adds.join("\n      ")}
      workgroupBarrier();
    }`;
}

/**
 * After the tiles: the threads' private sums, 64 elements at a time, go to
 * workgroup memory, and thread t adds element t over the 64 threads in
 * thread order into the workgroup's partial sum.
 */
function reducePrivate(size: number, width: number, partialsPerGroup: number): string {
  const blocks: string[] = [];
  for (let start = 0; start < size; start += width) {
    const count = Math.min(width, size - start);
    const writes = Array.from(
      { length: count },
      (_, j) => `wsh[lid * ${width}u + ${j}u] = acc[${start + j}];`,
    );
    blocks.push(`workgroupBarrier();
  ${writes.join("\n  ")}
  workgroupBarrier();
  if (lid < ${count}u) {
    let j = ${start}u + lid;
    var s = wsh[lid];
    for (var t = 1u; t < ${TILE_ROWS}u; t++) {
      let x = wsh[t * ${width}u + lid];
      s = s + x;
    }
    part[group * ${partialsPerGroup}u + j] = s;
  }`);
  }
  return blocks.join("\n  ");
}

/** The (left, right) factor indices of each element of an outer-product reduction, in element order. */
function outerPairs(a: Accumulator): number[] {
  const out: number[] = [];
  const k = a.outer?.left.length ?? 0;
  const m = a.outer?.right.length ?? 0;
  if (a.symmetric !== undefined) {
    for (let p = 0; p < k; p++) for (let j = p; j < k; j++) out.push(p, j);
    if (out.length / 2 !== a.size || packedIndex(k, k - 1, k - 1) !== a.size - 1) {
      throw new Error("unreachable: packed size of a symmetric reduction");
    }
  } else {
    for (let p = 0; p < k; p++) for (let j = 0; j < m; j++) out.push(p, j);
  }
  return out;
}

/** The scalar accumulations of the program, by "slot,index", in program order. */
function scalarAccumulations(program: ScalarProgram): Map<string, number[]> {
  const terms = new Map<string, number[]>();
  for (const { slot, index, value } of program.accumulations) {
    const key = `${slot},${index}`;
    const list = terms.get(key);
    if (list) list.push(value);
    else terms.set(key, [value]);
  }
  return terms;
}

/** One row's value of a reduced element: its terms combined in order, or the identity. */
function combinedTerm(terms: readonly number[] | undefined, op: AccumulateOp): string {
  if (!terms || terms.length === 0) return f32Literal(IDENTITY[op]);
  return terms
    .slice(1)
    .reduce(
      (acc, id) => (op === "sum" ? `(${acc} + ${name(id)})` : `b_max(${acc}, ${name(id)})`),
      name(terms[0]),
    );
}

function liveScalars(program: ScalarProgram, accumulators: readonly Accumulator[]): Uint8Array {
  const live = new Uint8Array(program.instructions.length);
  for (const s of program.stores) live[s.value] = 1;
  for (const a of program.accumulations) if (!accumulators[a.slot].outer) live[a.value] = 1;
  for (const a of accumulators) {
    if (a.outer) for (const id of [...a.outer.left, ...a.outer.right]) live[id] = 1;
  }
  for (let id = live.length - 1; id >= 0; id--) {
    if (!live[id]) continue;
    for (const operand of operandsOf(program.instructions[id])) live[operand] = 1;
  }
  return live;
}

function name(id: number): string {
  return `v${id}`;
}

function expression(instruction: Instruction, plan: FusionPlan, freeOffsets: readonly number[]): string {
  switch (instruction.kind) {
    case "const":
      return f32Literal(instruction.value);
    case "loadRow":
      return `r${instruction.slot}[row * ${plan.rowInputs[instruction.slot].rowSize}u + ${instruction.offset}u]`;
    case "loadFree":
      return `fr[${freeOffsets[instruction.slot] + instruction.index}u]`;
    case "unary":
      // Every value is an f32 already: rounding to float32 is the identity.
      return instruction.op === "fround"
        ? name(instruction.a)
        : `u_${instruction.op}(${name(instruction.a)})`;
    case "binary":
      return `b_${instruction.op}(${name(instruction.a)}, ${name(instruction.b)})`;
    case "select":
      return `select(${name(instruction.b)}, ${name(instruction.a)}, ${name(instruction.c)} != 0.0)`;
  }
}

/** One WGSL function per operation the program uses, from the same expressions as the kernels. */
function helperFunctions(program: ScalarProgram): string {
  const unary = new Set<string>();
  const binary = new Set<string>(["max"]);
  for (const instruction of program.instructions) {
    if (instruction.kind === "unary" && instruction.op !== "fround") unary.add(instruction.op);
    if (instruction.kind === "binary") binary.add(instruction.op);
  }
  const lines: string[] = ["fn f32_bits(bits: u32) -> f32 { return bitcast<f32>(bits); }"];
  for (const op of unary) {
    lines.push(`fn u_${op}(x: f32) -> f32 { return ${UNARY_WGSL[op as keyof typeof UNARY_WGSL]}; }`);
  }
  for (const op of binary) {
    // max keeps a NaN operand, as the max reduction does.
    const body = op === "max" ? "select(a, b, b > a || b != b)" : BINARY_WGSL[op as keyof typeof BINARY_WGSL];
    lines.push(`fn b_${op}(a: f32, b: f32) -> f32 { return ${body}; }`);
  }
  return lines.join("\n");
}
