import type { BinaryElementwise, DataId, OutputSpec, TensorInfo, UnaryElementwise } from "@neureco/core";
import { ELEMENT_ENTRY, elementGrid, type Program, uniformWords, wgslPrelude } from "../program.js";
import type { GpuRuntime } from "../runtime.js";
import { formatShape } from "../shape.js";
import { createOutput, tensorOf } from "../tensor.js";

/** WGSL expression of each unary primitive in terms of `x`. */
export const UNARY_WGSL: { readonly [P in UnaryElementwise]: string } = {
  neg: "-x",
  exp: "exp(x)",
  log: "log(x)",
  sqrt: "sqrt(x)",
  // Written with exp(-2|x|) <= 1 so large |x| cannot overflow to inf/inf.
  tanh: "sign(x) * (1.0 - exp(-2.0 * abs(x))) / (1.0 + exp(-2.0 * abs(x)))",
  // exp(-|x|) <= 1 on both branches, for the same reason.
  sigmoid: "select(exp(-abs(x)) / (1.0 + exp(-abs(x))), 1.0 / (1.0 + exp(-abs(x))), x >= 0.0)",
  relu: "select(0.0, x, x > 0.0)",
};

/** WGSL expression of each binary primitive in terms of `a` and `b`. */
export const BINARY_WGSL: { readonly [P in BinaryElementwise]: string } = {
  add: "a + b",
  sub: "a - b",
  mul: "a * b",
  div: "a / b",
  greater: "select(0.0, 1.0, a > b)",
  equal: "select(0.0, 1.0, a == b)",
};

function elementwiseProgram(
  name: string,
  inputs: number,
  body: string,
  size: number,
  maxPerDim: number,
): Program {
  return {
    name,
    cacheKey: `elementwise:${name}`,
    wgsl: () => `${wgslPrelude(1, Array(inputs).fill("f32"))}
${ELEMENT_ENTRY} {
  let i = linearIndex(gid, nwg);
  if (i >= p(0u)) { return; }
  ${body}
}`,
    uniforms: uniformWords([size]),
    dispatch: elementGrid(size, maxPerDim),
  };
}

function checkSameShapes(inputs: readonly TensorInfo[], what: string): void {
  const [first] = inputs;
  for (const info of inputs) {
    if (info.shape.length !== first.shape.length || info.shape.some((d, i) => d !== first.shape[i])) {
      throw new Error(
        `webgpu ${what}: operand shapes ${inputs.map((t) => formatShape(t.shape)).join(" and ")} differ`,
      );
    }
  }
}

/** Runs a one-thread-per-element program over same-shape inputs. */
function runElementwise(
  rt: GpuRuntime,
  name: string,
  inputs: readonly TensorInfo[],
  out: OutputSpec,
  body: string,
): DataId {
  checkSameShapes(inputs, name);
  const sources = inputs.map((info) => tensorOf(rt, info, name));
  const result = createOutput(rt, out, name);
  if (result.size === 0) return result;
  const program = elementwiseProgram(name, inputs.length, body, result.size, rt.maxWorkgroupsPerDimension);
  rt.dispatch(
    program,
    sources.map((t) => t.buffer),
    result.buffer,
  );
  return result;
}

export function unaryKernel(op: UnaryElementwise) {
  return (rt: GpuRuntime, inputs: readonly TensorInfo[], out: OutputSpec): DataId =>
    runElementwise(rt, op, inputs, out, `let x = in0[i];\n  out[i] = ${UNARY_WGSL[op]};`);
}

export function binaryKernel(op: BinaryElementwise) {
  return (rt: GpuRuntime, inputs: readonly TensorInfo[], out: OutputSpec): DataId =>
    runElementwise(rt, op, inputs, out, `let a = in0[i];\n  let b = in1[i];\n  out[i] = ${BINARY_WGSL[op]};`);
}

export function selectKernel(rt: GpuRuntime, inputs: readonly TensorInfo[], out: OutputSpec): DataId {
  return runElementwise(rt, "select", inputs, out, "out[i] = select(in2[i], in1[i], in0[i] != 0.0);");
}
