/**
 * Lowers a scalar program to a JavaScript row loop (`new Function`): one
 * local per scalar, loop-invariant scalars (constants, weights) hoisted out
 * of the loop, accumulators kept in locals and written back at the end.
 * Works wherever JavaScript runs; the fallback of the faster paths.
 *
 * A program with more than MAX_LOCALS scalars and accumulators (the
 * Gauss–Newton matrix of a hundred-odd weights has p² of each) keeps them in
 * a scratch array and the accumulator arrays instead: a function with that
 * many locals can overflow the stack when called. Same operations in the
 * same order, so the same results bit for bit. The compiler uses such loops
 * only for the tail rows of a WebAssembly loop (compile.ts).
 */
import type { HostArray } from "@neureco/core";
import type { AccumulateOp, Instruction, ScalarProgram } from "@neureco/core/fusion";
import { loopInvariants } from "@neureco/core/fusion";

/** Runs rows [start, end): reads row inputs and batch-free inputs, writes row outputs, accumulates. */
export type RowLoop = (
  rowInputs: readonly HostArray[],
  freeInputs: readonly HostArray[],
  rowOutputs: readonly HostArray[],
  accumulators: readonly Float64Array[],
  start: number,
  end: number,
) => void;

export interface RowLoopLayout {
  readonly program: ScalarProgram;
  readonly inputRowSizes: readonly number[];
  readonly outputRowSizes: readonly number[];
  readonly accumulatorOps: readonly AccumulateOp[];
}

function literal(value: number): string {
  if (Object.is(value, -0)) return "-0";
  return value < 0 ? `(${value})` : String(value);
}

function expression(instruction: Instruction, name: (id: number) => string): string {
  switch (instruction.kind) {
    case "const":
      return literal(instruction.value);
    case "loadRow":
      return `r${instruction.slot}[rb${instruction.slot} + ${instruction.offset}]`;
    case "loadFree":
      return `f${instruction.slot}[${instruction.index}]`;
    case "unary": {
      const a = name(instruction.a);
      switch (instruction.op) {
        case "neg":
          return `-${a}`;
        case "exp":
          return `Math.exp(${a})`;
        case "log":
          return `Math.log(${a})`;
        case "sqrt":
          return `Math.sqrt(${a})`;
        case "tanh":
          return `Math.tanh(${a})`;
        case "sigmoid":
          return `1 / (1 + Math.exp(-${a}))`;
        case "relu":
          return `(${a} > 0 ? ${a} : 0)`;
        case "fround":
          return `Math.fround(${a})`;
      }
      break;
    }
    case "binary": {
      const a = name(instruction.a);
      const b = name(instruction.b);
      switch (instruction.op) {
        case "add":
          return `${a} + ${b}`;
        case "sub":
          return `${a} - ${b}`;
        case "mul":
          return `${a} * ${b}`;
        case "div":
          return `${a} / ${b}`;
        case "greater":
          return `(${a} > ${b} ? 1 : 0)`;
        case "equal":
          return `(${a} === ${b} ? 1 : 0)`;
        case "max":
          return `(${b} > ${a} || ${b} !== ${b} ? ${b} : ${a})`;
      }
      break;
    }
    case "select":
      return `(${name(instruction.c)} !== 0 ? ${name(instruction.a)} : ${name(instruction.b)})`;
  }
  throw new Error("unreachable");
}

/** Most scalars plus accumulated elements kept in locals (V8 runs out of stack near 10⁵). */
export const MAX_LOCALS = 20_000;

/** The source of the loop function (exposed for debugging and tests). */
export function rowLoopSource(layout: RowLoopLayout): string {
  const { program } = layout;
  const accumulatedCount = new Set(program.accumulations.map(({ slot, index }) => `${slot}_${index}`)).size;
  const inArrays = program.instructions.length + accumulatedCount > MAX_LOCALS;
  const name = inArrays ? (id: number) => `t[${id}]` : (id: number) => `v${id}`;
  const define = inArrays ? (id: number) => `t[${id}]` : (id: number) => `const v${id}`;
  const invariant = loopInvariants(program);
  const lines: string[] = ["'use strict';"];
  if (inArrays) lines.push(`const t = new Float64Array(${program.instructions.length});`);
  layout.inputRowSizes.forEach((_, s) => lines.push(`const r${s} = rowInputs[${s}];`));
  const freeSlots = new Set<number>();
  program.instructions.forEach((instruction, id) => {
    if (instruction.kind === "loadFree" && !freeSlots.has(instruction.slot)) {
      freeSlots.add(instruction.slot);
      lines.push(`const f${instruction.slot} = freeInputs[${instruction.slot}];`);
    }
    if (invariant[id]) lines.push(`${define(id)} = ${expression(instruction, name)};`);
  });
  layout.outputRowSizes.forEach((_, s) => lines.push(`const o${s} = rowOutputs[${s}];`));
  // One local per accumulated element, or the accumulator arrays themselves.
  const accumulatorLocal = inArrays
    ? (slot: number, index: number) => `a${slot}[${index}]`
    : (slot: number, index: number) => `a${slot}_${index}`;
  const accumulated = new Map<string, { slot: number; index: number }>();
  for (const { slot, index } of program.accumulations)
    accumulated.set(accumulatorLocal(slot, index), { slot, index });
  if (inArrays) {
    for (const slot of new Set(program.accumulations.map((a) => a.slot)))
      lines.push(`const a${slot} = accumulators[${slot}];`);
  } else {
    for (const [local, { slot, index }] of accumulated)
      lines.push(`let ${local} = accumulators[${slot}][${index}];`);
  }

  lines.push("for (let i = start; i < end; i++) {");
  layout.inputRowSizes.forEach((size, s) => lines.push(`  const rb${s} = i * ${size};`));
  layout.outputRowSizes.forEach((size, s) => lines.push(`  const ob${s} = i * ${size};`));
  program.instructions.forEach((instruction, id) => {
    if (!invariant[id]) lines.push(`  ${define(id)} = ${expression(instruction, name)};`);
  });
  for (const { slot, offset, value } of program.stores)
    lines.push(`  o${slot}[ob${slot} + ${offset}] = ${name(value)};`);
  for (const { slot, index, value } of program.accumulations) {
    const local = accumulatorLocal(slot, index);
    const v = name(value);
    lines.push(
      layout.accumulatorOps[slot] === "sum"
        ? `  ${local} += ${v};`
        : `  ${local} = ${v} > ${local} || ${v} !== ${v} ? ${v} : ${local};`,
    );
  }
  lines.push("}");
  if (!inArrays) {
    for (const [local, { slot, index }] of accumulated)
      lines.push(`accumulators[${slot}][${index}] = ${local};`);
  }
  return lines.join("\n");
}

export function compileRowLoop(layout: RowLoopLayout): RowLoop {
  const body = rowLoopSource(layout);
  return new Function(
    "rowInputs",
    "freeInputs",
    "rowOutputs",
    "accumulators",
    "start",
    "end",
    body,
  ) as RowLoop;
}
