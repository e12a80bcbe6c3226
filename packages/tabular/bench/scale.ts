/**
 * Scale benchmark: builds on synthetic data of m inputs uniform in [-1, 1],
 * y = tanh(Σ_j sin(j)·x_j / 3) + 0.3·x_0·x_1 + noise of σ = 0.05 (the
 * generator of bench:synthetic), at growing row counts, and prints per
 * case the build seconds, the peak RSS of the process, the weights and the
 * test RMSE on 10,000 fresh rows beside the noise floor σ.
 *
 * Every case runs in a fresh child process, so that its peak RSS is its
 * own (`process.resourceUsage().maxRSS`). With --peers, scikit-learn's
 * MLPRegressor (one fit, no grid: 32 tanh neurons, L-BFGS on up to 10^5
 * rows, Adam beyond, standardised inputs and outputs) and xgboost (its
 * defaults) run on the same rows in the same run (scale-peers.py; Debian:
 * apt-get install python3-sklearn python3-xgboost), their seconds and
 * peak RSS measured the same way.
 *
 * Targets (issue "a million rows in bounded memory"): 10^6 rows × 10
 * inputs built in ≤ 3 minutes with ≤ 1.2 GB peak RSS; time no faster than
 * linear in rows from 10^5 up.
 *
 * Usage: pnpm --filter @neureco/tabular bench:scale [-- --rows 10000,100000,1000000]
 *   [--inputs 10,40] [--peers | --peers-only]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildModel } from "../src/builder/index.js";
import { builderRandom, normalDraw } from "../src/builder/random.js";
import { Matrix } from "../src/matrix.js";
import { predict } from "../test/builder-helpers.js";

/** Noise of the generator: the lowest test RMSE a model can reach. */
const NOISE = 0.05;
const TEST_ROWS = 10_000;

/** n rows of m inputs and their outputs, from the seeded generator. */
function synthetic(m: number, n: number, seed: number): { x: Matrix; y: Matrix } {
  const random = builderRandom(seed);
  const x = Float64Array.from({ length: n * m }, () => 2 * random() - 1);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < m; j++) s += Math.sin(j) * x[i * m + j];
    y[i] = Math.tanh(s / 3) + 0.3 * x[i * m] * x[i * m + 1] + NOISE * normalDraw(random);
  }
  return { x: new Matrix(x, n, m), y: new Matrix(y, n, 1) };
}

function rmse(a: Matrix, b: Matrix): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += (a.data[i] - b.data[i]) ** 2;
  return Math.sqrt(s / a.data.length);
}

interface CaseResult {
  readonly seconds: number;
  readonly peakMb: number;
  readonly weights: number | null;
  readonly testRmse: number;
}

/** One case in this process: build, score, print the result as JSON. */
async function child(m: number, n: number): Promise<void> {
  const train = synthetic(m, n, 5);
  const test = synthetic(m, TEST_ROWS, 6);
  const started = performance.now();
  const { model } = await buildModel(train, { seed: 0 });
  const seconds = (performance.now() - started) / 1000;
  const result: CaseResult = {
    seconds,
    peakMb: process.resourceUsage().maxRSS / 1024,
    weights: model.weights.length,
    testRmse: rmse(predict(model, test.x), test.y),
  };
  console.log(JSON.stringify(result));
}

/** The peers on the same rows: the rows written as raw float64 for scale-peers.py. */
function peers(m: number, n: number, here: string): Record<string, CaseResult> | null {
  const dir = mkdtempSync(join(tmpdir(), "neureco-scale-"));
  try {
    const train = synthetic(m, n, 5);
    const test = synthetic(m, TEST_ROWS, 6);
    for (const [name, matrix] of [
      ["x_train", train.x],
      ["y_train", train.y],
      ["x_test", test.x],
      ["y_test", test.y],
    ] as const) {
      writeFileSync(join(dir, `${name}.f64`), matrix.data);
    }
    const run = spawnSync("/usr/bin/python3", [join(here, "scale-peers.py"), dir, String(m)], {
      encoding: "utf8",
      maxBuffer: 1 << 24,
    });
    if (run.status !== 0) {
      console.log(`  peers failed: ${run.stderr.trim().split("\n").at(-1)}`);
      return null;
    }
    return JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "{}") as Record<string, CaseResult>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function line(label: string, r: CaseResult): string {
  const weights = r.weights === null ? "—" : String(r.weights);
  return `  ${label.padEnd(9)} ${r.seconds.toFixed(1).padStart(7)} s  ${r.peakMb.toFixed(0).padStart(6)} MB  ${weights.padStart(6)} weights  test RMSE ${r.testRmse.toFixed(4)} (noise ${NOISE})`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => a !== "--");
  if (args[0] === "--child") return child(Number(args[1]), Number(args[2]));
  const option = (name: string, fallback: string) =>
    args.includes(name) ? args[args.indexOf(name) + 1] : fallback;
  const rowCounts = option("--rows", "10000,100000,1000000").split(",").map(Number);
  const inputCounts = option("--inputs", "10,40").split(",").map(Number);
  const peersOnly = args.includes("--peers-only");
  const withPeers = peersOnly || args.includes("--peers");
  const here = dirname(fileURLToPath(import.meta.url));
  for (const m of inputCounts) {
    for (const n of rowCounts) {
      console.log(`${m} inputs, ${n} rows`);
      if (!peersOnly) buildInChild(m, n);
      if (withPeers) {
        const results = peers(m, n, here);
        for (const [name, r] of Object.entries(results ?? {})) console.log(line(name, r));
      }
    }
  }
}

/** One build in a fresh process (see `child`), its result printed. */
function buildInChild(m: number, n: number): void {
  const run = spawnSync(
    process.execPath,
    [
      "--conditions=@neureco/source",
      "--import",
      "tsx",
      fileURLToPath(import.meta.url),
      "--child",
      String(m),
      String(n),
    ],
    { encoding: "utf8", maxBuffer: 1 << 24 },
  );
  if (run.status !== 0) {
    console.log(`  neureco failed: ${run.stderr.trim().split("\n").slice(-3).join(" | ")}`);
  } else {
    console.log(line("neureco", JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "{}") as CaseResult));
  }
}

await main();
