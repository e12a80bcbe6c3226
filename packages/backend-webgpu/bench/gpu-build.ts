/**
 * Build benchmark, WebGPU against the CPU: the same automatic build (seed 0)
 * on synthetic data of a chosen size, once on each backend, in one run.
 * m inputs uniform in [-1, 1], y = tanh(Σ sin(j)·x_j / 3) + 0.3·x_0·x_1 +
 * noise (uniform, spread 0.05): the function of tabular's bench:synthetic.
 * Prints each accepted model with the time since the previous one, then
 * each build's time and their ratio.
 *
 * A build may be capped (--limit seconds): it is then stopped through its
 * AbortSignal, keeps the best model accepted so far, and its time reads as
 * "more than" the cap.
 *
 * With --unfused, a third build runs on WebGPU with fusion off
 * (`fuse: false`: one dispatch per primitive), for comparison.
 *
 * Usage: pnpm --filter @neureco/backend-webgpu bench:gpu-build [-- --inputs 20 --rows 20000 --limit 600 --unfused]
 *
 * On machines without a GPU, Dawn runs on SwiftShader (set VK_ICD_FILENAMES,
 * default /usr/lib/chromium/vk_swiftshader_icd.json): the WebGPU figures
 * are then those of a CPU emulation, not of a GPU.
 */
import { cpu } from "@neureco/backend-cpu";
import type { Backend } from "@neureco/core";
import { Matrix, Tabular } from "@neureco/tabular";
import { webgpu } from "../src/index.js";

process.env.VK_ICD_FILENAMES ??= "/usr/lib/chromium/vk_swiftshader_icd.json";

const unfused = process.argv.includes("--unfused");

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!(value > 0)) throw new Error(`--${name}: expected a positive number, got ${process.argv[i + 1]}`);
  return value;
}
const inputs = option("inputs", 20);
const rows = option("rows", 20_000);
const limitSeconds = option("limit", 600);

/** A small linear congruential generator: the data depend on nothing but the sizes. */
function uniform(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

const random = uniform(5);
const x = Float64Array.from({ length: rows * inputs }, () => 2 * random() - 1);
const y = new Float64Array(rows);
for (let i = 0; i < rows; i++) {
  let s = 0;
  for (let j = 0; j < inputs; j++) s += Math.sin(j) * x[i * inputs + j];
  y[i] = Math.tanh(s / 3) + 0.3 * x[i * inputs] * x[i * inputs + 1] + 0.05 * (random() - 0.5);
}
const data = { inputData: new Matrix(x, rows, inputs), outputData: new Matrix(y, rows, 1) };

interface Timing {
  readonly seconds: number;
  readonly stopped: boolean;
  readonly weights: number;
}

async function timeBuild(name: string, backend: Backend): Promise<Timing> {
  const regressor = new Tabular.Regressor({ backend });
  try {
    const started = performance.now();
    let last = started;
    const history = await regressor.build({
      ...data,
      seed: 0,
      signal: AbortSignal.timeout(limitSeconds * 1000),
      onProgress: (p) => {
        const now = performance.now();
        const model = p.modelNumber < 0 ? "final" : `model ${p.modelNumber}`;
        console.log(
          `${name} ${model} (${p.phase}): ${p.weights} weights, validation error ${p.validationError.toFixed(4)}, +${((now - last) / 1000).toFixed(2)} s`,
        );
        last = now;
      },
    });
    const seconds = (performance.now() - started) / 1000;
    return { seconds, stopped: history.aborted, weights: regressor.info().weights };
  } finally {
    regressor.delete();
  }
}

const gpu = await webgpu();
const onGpu = await timeBuild("webgpu", gpu);
gpu.destroy();
let onGpuUnfused: Timing | undefined;
if (unfused) {
  const kernelsOnly = await webgpu({ fuse: false });
  onGpuUnfused = await timeBuild("webgpu unfused", kernelsOnly);
  kernelsOnly.destroy();
}
const host = cpu();
const onCpu = await timeBuild("cpu", host);
host.destroy();

const show = (t: Timing) => `${t.stopped ? "more than " : ""}${t.seconds.toFixed(1)} s, ${t.weights} weights`;
console.log(`\n${inputs} inputs, ${rows} rows, seed 0`);
console.log(`  webgpu f32  ${show(onGpu)}`);
if (onGpuUnfused) console.log(`  webgpu f32, fuse: false  ${show(onGpuUnfused)}`);
console.log(`  cpu f64     ${show(onCpu)}`);
const ratio = onCpu.seconds / onGpu.seconds;
console.log(
  `  cpu/webgpu  ${onCpu.stopped || onGpu.stopped ? (onCpu.stopped && !onGpu.stopped ? "more than " : "about ") : ""}${ratio.toFixed(2)}x`,
);
