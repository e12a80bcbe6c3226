/**
 * The WebGPU benchmark: `evaluate`, `forwardDerivative` and `gradient` of a
 * Tabular.Regressor (8 → 16 tanh → 1, see model.ts) at 10^4, 10^5 and 10^6
 * rows, on the CPU backend (float64), the WebGPU backend (float32, each
 * call one fused shader over the rows) and the WebGPU backend with fusion
 * off (`fuse: false`: one dispatch per primitive, as before fusion). Each
 * time is the median of several calls after warm-up and includes what a user
 * waits for: upload, kernels and read-back into matrices. The two backends'
 * results are compared; a disagreement beyond float32 tolerance fails the run.
 * The "resident" lines pass the rows as DeviceMatrix (`model.upload`):
 * uploaded and converted once, outside the timing, so only the computation
 * and the read-back of the results are timed.
 *
 * Options:
 *   --rows 10000,100000   row counts (default 10000,100000,1000000)
 *   --calls 5             timed calls per measurement (default 5)
 *   --warmup 3            untimed calls first (default 3: a graph runs kernel
 *                         by kernel until its third run, which compiles it)
 *   --quick               rows 10000,100000, calls 3
 *   --only cpu|webgpu     one backend (no comparison)
 *   --no-kernels          leave out the WebGPU backend with fusion off
 *
 * On machines without a GPU, Dawn runs on SwiftShader (set VK_ICD_FILENAMES,
 * default /usr/lib/chromium/vk_swiftshader_icd.json): the WebGPU figures
 * are then those of a CPU emulation, not of a GPU.
 */
import { cpu } from "@neureco/backend-cpu";
import type { Backend } from "@neureco/core";
import { type Matrix, Tabular } from "@neureco/tabular";
import { webgpu } from "../src/index.js";
import { benchInputs, benchModel, benchUniform } from "./model.js";

const SWIFTSHADER_ICD = "/usr/lib/chromium/vk_swiftshader_icd.json";
process.env.VK_ICD_FILENAMES ??= SWIFTSHADER_ICD;

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const quick = process.argv.includes("--quick");
const rowCounts = (option("rows") ?? (quick ? "10000,100000" : "10000,100000,1000000"))
  .split(",")
  .map(Number);
for (const n of rowCounts) if (!Number.isInteger(n) || n < 1) throw new Error(`--rows: bad row count ${n}`);
const calls = Number(option("calls") ?? (quick ? 3 : 5));
const warmup = Number(option("warmup") ?? 3);
const only = option("only");
if (only !== undefined && only !== "cpu" && only !== "webgpu") throw new Error("--only: cpu or webgpu");

const OPERATIONS = [
  "evaluate",
  "forwardDerivative",
  "gradient",
  "evaluate, resident",
  "forwardDerivative, resident",
  "gradient, resident",
] as const;
type Operation = (typeof OPERATIONS)[number];

/** Largest |a − b| over max(|b|): both backends' results must agree to float32 accuracy. */
const TOLERANCE = 1e-4;

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function relativeDifference(a: Matrix, b: Matrix): number {
  let diff = 0;
  let scale = 0;
  for (let k = 0; k < b.data.length; k++) {
    diff = Math.max(diff, Math.abs(a.data[k] - b.data[k]));
    scale = Math.max(scale, Math.abs(b.data[k]));
  }
  return diff / Math.max(scale, Number.MIN_VALUE);
}

interface Measured {
  readonly median: number;
  readonly min: number;
  readonly results: readonly Matrix[];
}

async function measure(run: () => Promise<readonly Matrix[]>): Promise<Measured> {
  for (let i = 0; i < warmup; i++) await run();
  const times: number[] = [];
  let results: readonly Matrix[] = [];
  for (let i = 0; i < calls; i++) {
    const start = performance.now();
    results = await run();
    times.push(performance.now() - start);
  }
  return { median: median(times), min: Math.min(...times), results };
}

async function benchBackend(backend: Backend, rows: number): Promise<Map<Operation, Measured>> {
  const description = benchModel();
  const model = Tabular.Regressor.fromDescription(description, { backend });
  const p = description.weights.length;
  const x = benchInputs(description, rows, 2);
  const dx = benchUniform(rows, description.structure.inputs, 3);
  const py = benchUniform(rows, 1, 4);
  const w = model.getWeights();
  const dw = benchUniform(p, 1, 5);
  // The same rows kept on the backend: uploaded (and converted) once, outside the timing.
  const xd = model.upload(x);
  const dxd = model.upload(dx);
  const pyd = model.upload(py, "outputs");
  const out = new Map<Operation, Measured>();
  try {
    out.set("evaluate", await measure(async () => [await model.evaluate(x)]));
    out.set(
      "forwardDerivative",
      await measure(async () => [await model.forwardDerivative({ w, dw, x, dx })]),
    );
    out.set(
      "gradient",
      await measure(async () => {
        const g = await model.gradient({ w, x, py });
        return [g.dw, g.dx];
      }),
    );
    out.set("evaluate, resident", await measure(async () => [await model.evaluate(xd)]));
    out.set(
      "forwardDerivative, resident",
      await measure(async () => [await model.forwardDerivative({ w, dw, x: xd, dx: dxd })]),
    );
    out.set(
      "gradient, resident",
      await measure(async () => {
        const g = await model.gradient({ w, x: xd, py: pyd });
        return [g.dw, g.dx];
      }),
    );
  } finally {
    for (const d of [xd, dxd, pyd]) d.delete();
    model.delete();
  }
  return out;
}

const ms = (v: number) => `${v.toFixed(1).padStart(9)} ms`;

const gpu = only === "cpu" ? undefined : await webgpu();
const gpuKernels =
  only === "cpu" || process.argv.includes("--no-kernels") ? undefined : await webgpu({ fuse: false });
const cpuBackend = only === "webgpu" ? undefined : cpu();
if (gpu) {
  const info = gpu.adapter.info;
  console.log(
    `WebGPU adapter: ${info.vendor || "?"} / ${info.architecture || "?"} ${info.description ? `(${info.description})` : ""}` +
      `${info.isFallbackAdapter ? " [fallback adapter]" : ""}`,
  );
}
console.log(
  `Regressor 8 -> 16 (tanh) -> 1, ${benchModel().weights.length} weights; median of ${calls} calls after ${warmup} warm-up; ` +
    "times include upload and read-back\n",
);

const failures: string[] = [];
try {
  for (const rows of rowCounts) {
    console.log(`${rows} rows`);
    const onCpu = cpuBackend ? await benchBackend(cpuBackend, rows) : undefined;
    const onGpu = gpu ? await benchBackend(gpu, rows) : undefined;
    const onGpuKernels = gpuKernels ? await benchBackend(gpuKernels, rows) : undefined;
    for (const op of OPERATIONS) {
      const c = onCpu?.get(op);
      const g = onGpu?.get(op);
      let line = `  ${op.padEnd(28)}`;
      if (c) line += ` cpu f64 ${ms(c.median)}`;
      if (g) line += `  webgpu f32 ${ms(g.median)}`;
      const gk = onGpuKernels?.get(op);
      if (gk) line += `  unfused ${ms(gk.median)}`;
      if (g && gk) line += `  unfused/fused ${(gk.median / g.median).toFixed(2).padStart(6)}x`;
      if (c && g) {
        const diff = Math.max(...c.results.map((r, k) => relativeDifference(g.results[k], r)));
        const ok = diff <= TOLERANCE;
        if (!ok) failures.push(`${op} at ${rows} rows: webgpu differs from cpu by ${diff.toExponential(2)}`);
        line += `  cpu/webgpu ${(c.median / g.median).toFixed(2).padStart(6)}x  rel. diff ${diff.toExponential(1)} ${ok ? "ok" : "MISMATCH"}`;
      }
      console.log(line);
    }
    console.log("");
  }
} finally {
  cpuBackend?.destroy();
  gpu?.destroy();
  gpuKernels?.destroy();
}
if (failures.length) {
  console.error(`AGREEMENT CHECK FAILED:\n  ${failures.join("\n  ")}`);
  process.exit(1);
}
if (gpu?.adapter.info.isFallbackAdapter) {
  console.log(
    "The WebGPU adapter is a CPU fallback (e.g. SwiftShader): these figures say nothing about a real GPU.",
  );
}
