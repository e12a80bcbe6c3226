/**
 * Where the WebGPU time of one Regressor call goes, per primitive.
 *
 * The backend is wrapped in a delegating Backend that counts kernel calls and
 * their output sizes. To time a primitive it also repeats every call of that
 * primitive `--repeat` extra times (the copies are freed at once): the
 * increase of the call's median time, divided by the repeats, is what that
 * primitive costs in one call.
 *
 * Options: --rows 10000  --op gradient|evaluate|forwardDerivative  --repeat 2  --calls 3
 */
import type { Backend, Kernel, KernelTable, PrimitiveName } from "@neureco/core";
import { Tabular } from "@neureco/tabular";
import { webgpu } from "../src/index.js";
import { benchInputs, benchModel, benchUniform } from "./model.js";

process.env.VK_ICD_FILENAMES ??= "/usr/lib/chromium/vk_swiftshader_icd.json";

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}
const rows = Number(option("rows", "10000"));
const op = option("op", "gradient");
const repeat = Number(option("repeat", "2"));
const calls = Number(option("calls", "3"));

const gpu = await webgpu();
const counts = new Map<string, { calls: number; elements: number }>();
let repeated: string | null = null;

function wrapKernel<P extends PrimitiveName>(name: P, kernel: Kernel<P>): Kernel<P> {
  return (inputs, params, out) => {
    const entry = counts.get(name) ?? { calls: 0, elements: 0 };
    entry.calls++;
    entry.elements += out.shape.reduce((a, b) => a * b, 1);
    counts.set(name, entry);
    if (repeated === name) {
      for (let k = 0; k < repeat; k++) gpu.dispose(kernel(inputs, params, out));
    }
    return kernel(inputs, params, out);
  };
}

function wrapKernels(inner: KernelTable): KernelTable {
  return {
    add: wrapKernel("add", inner.add),
    sub: wrapKernel("sub", inner.sub),
    mul: wrapKernel("mul", inner.mul),
    div: wrapKernel("div", inner.div),
    greater: wrapKernel("greater", inner.greater),
    equal: wrapKernel("equal", inner.equal),
    neg: wrapKernel("neg", inner.neg),
    exp: wrapKernel("exp", inner.exp),
    log: wrapKernel("log", inner.log),
    sqrt: wrapKernel("sqrt", inner.sqrt),
    tanh: wrapKernel("tanh", inner.tanh),
    sigmoid: wrapKernel("sigmoid", inner.sigmoid),
    relu: wrapKernel("relu", inner.relu),
    select: wrapKernel("select", inner.select),
    matmul: wrapKernel("matmul", inner.matmul),
    sum: wrapKernel("sum", inner.sum),
    max: wrapKernel("max", inner.max),
    broadcast: wrapKernel("broadcast", inner.broadcast),
    reshape: wrapKernel("reshape", inner.reshape),
    transpose: wrapKernel("transpose", inner.transpose),
    slice: wrapKernel("slice", inner.slice),
    concat: wrapKernel("concat", inner.concat),
    gather: wrapKernel("gather", inner.gather),
    scatterAdd: wrapKernel("scatterAdd", inner.scatterAdd),
    fill: wrapKernel("fill", inner.fill),
    cast: wrapKernel("cast", inner.cast),
  };
}

const wrapped: Backend = {
  name: "webgpu-profiled",
  dtypes: gpu.dtypes,
  upload: (data, shape, dtype) => gpu.upload(data, shape, dtype),
  read: (info) => gpu.read(info),
  dispose: (id) => gpu.dispose(id),
  kernels: wrapKernels(gpu.kernels),
  destroy: () => gpu.destroy(),
};

const description = benchModel();
const model = Tabular.Regressor.fromDescription(description, { backend: wrapped });
const x = benchInputs(description, rows, 2);
const dx = benchUniform(rows, description.structure.inputs, 3);
const py = benchUniform(rows, 1, 4);
const w = model.getWeights();
const dw = benchUniform(w.rows, 1, 5);

async function call(): Promise<void> {
  if (op === "evaluate") await model.evaluate(x);
  else if (op === "forwardDerivative") await model.forwardDerivative({ w, dw, x, dx });
  else await model.gradient({ w, x, py });
}

async function medianTime(): Promise<number> {
  await call();
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t = performance.now();
    await call();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

counts.clear();
await call();
const perCall = new Map([...counts].map(([name, c]) => [name, { ...c }]));
const base = await medianTime();
console.log(
  `${op} at ${rows} rows on ${gpu.adapter.info.architecture || gpu.adapter.info.vendor}: ${base.toFixed(1)} ms`,
);
const lines: [string, number][] = [];
for (const [name, { calls: n, elements }] of perCall) {
  repeated = name;
  const withRepeats = await medianTime();
  repeated = null;
  const cost = (withRepeats - base) / repeat;
  lines.push([
    `  ${name.padEnd(11)} ${String(n).padStart(3)} calls ${String(elements).padStart(11)} elements  ~${cost.toFixed(1).padStart(8)} ms`,
    cost,
  ]);
}
for (const [line] of lines.sort((a, b) => b[1] - a[1])) console.log(line);
model.delete();
gpu.destroy();
