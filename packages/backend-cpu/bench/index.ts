/**
 * The CPU benchmark: loss gradient w.r.t. weights and inputs of an
 * 8 → 16 (tanh) → 1 network, this library against TensorFlow.js.
 *
 * Every implementation runs in a fresh child process (tfjs slows down in a
 * process that did other work), after a fixed warm-up, and reports the
 * median of its timed calls. The implementations take turns over several
 * rounds, each round a fresh process per implementation, and each is
 * credited with its best round (on a shared machine, load only ever slows a
 * round down). Results are checked against a float64 reference; a
 * disagreement fails the run.
 *
 * Options: --rows 10000,100000  --calls 25  --rounds 3  --only name,name
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { IMPLEMENTATION_NAMES, type ImplementationName } from "./implementations.js";
import {
  makeProblem,
  median,
  RESULT_PARTS,
  referenceGradient,
  relativeDifference,
  unpackResult,
} from "./problem.js";

interface Case {
  readonly impl: ImplementationName;
  readonly dtype: "float64" | "float32";
}

const CASES: readonly Case[] = [
  { impl: "neureco", dtype: "float64" },
  { impl: "neureco", dtype: "float32" },
  { impl: "neureco-unfused", dtype: "float64" },
  { impl: "plain-js", dtype: "float64" },
  { impl: "tfjs-cpu", dtype: "float32" },
  { impl: "tfjs-wasm", dtype: "float32" },
];

/** Largest normwise relative difference to the float64 reference allowed per dtype. */
const TOLERANCE = { float64: 1e-12, float32: 1e-4 };

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

const rowCounts = option("rows", "10000,100000").split(",").map(Number);
const calls = Math.max(20, Number(option("calls", "25")));
const rounds = Math.max(1, Number(option("rounds", "3")));
const only = option("only", "").split(",").filter(Boolean);
const cases = CASES.filter((c) => only.length === 0 || only.includes(c.impl));
for (const name of only) {
  if (!(IMPLEMENTATION_NAMES as readonly string[]).includes(name))
    throw new Error(`--only: unknown implementation ${name}`);
}

const here = dirname(fileURLToPath(import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "neureco-bench-"));
const label = (c: Case) => `${c.impl} ${c.dtype}`;

interface Measured {
  /** Median of the timed calls, per round. */
  readonly medians: number[];
  readonly min: number;
  readonly worstDifference: number;
  readonly describe: string;
}

const best = (m: Measured) => Math.min(...m.medians);

function runCase(c: Case, rows: number): Measured {
  const resultFile = join(scratch, `${c.impl}-${c.dtype}-${rows}.bin`);
  const child = spawnSync(
    process.execPath,
    [
      "--conditions=@neureco/source",
      "--import",
      "tsx",
      join(here, "child.ts"),
      c.impl,
      c.dtype,
      String(rows),
      String(calls),
      resultFile,
    ],
    { encoding: "utf8", cwd: join(here, ".."), maxBuffer: 1 << 26 },
  );
  if (child.status !== 0) throw new Error(`${label(c)} failed (exit ${child.status}):\n${child.stderr}`);
  const lastLine = child.stdout.trim().split("\n").pop() ?? "";
  const { times, describe } = JSON.parse(lastLine) as { times: number[]; describe: string };
  const result = unpackResult(new Float64Array(readFileSync(resultFile).buffer.slice(0)), rows);
  const reference = referenceGradient(makeProblem(rows));
  let worst = relativeDifference([result.loss], [reference.loss]);
  for (const part of RESULT_PARTS) worst = Math.max(worst, relativeDifference(result[part], reference[part]));
  return { medians: [median(times)], min: Math.min(...times), worstDifference: worst, describe };
}

/** Runs every case `rounds` times, taking turns, and merges the rounds per case. */
function measureAll(rows: number): Map<string, Measured> {
  const measured = new Map<string, Measured>();
  for (let round = 0; round < rounds; round++) {
    for (const c of cases) {
      const m = runCase(c, rows);
      const before = measured.get(label(c));
      measured.set(
        label(c),
        before
          ? {
              medians: [...before.medians, ...m.medians],
              min: Math.min(before.min, m.min),
              worstDifference: Math.max(before.worstDifference, m.worstDifference),
              describe: m.describe,
            }
          : m,
      );
    }
  }
  return measured;
}

const failures: string[] = [];
console.log(
  `neureco CPU benchmark: gradient of sum((tanh(X W1 + b1) W2 + b2 - y)^2) w.r.t. W1, b1, W2, b2 and X`,
);
console.log(
  `8 -> 16 (tanh) -> 1; each implementation in a fresh process per round; warm-up >= 10 calls and 0.5 s; ` +
    `median of ${calls} calls; ${rounds} round(s), best round reported\n`,
);
for (const rows of rowCounts) {
  console.log(`${rows} rows`);
  const measured = measureAll(rows);
  for (const c of cases) {
    const m = measured.get(label(c)) as Measured;
    const ok = m.worstDifference <= TOLERANCE[c.dtype];
    if (!ok)
      failures.push(
        `${label(c)} at ${rows} rows differs from the float64 reference by ${m.worstDifference.toExponential(2)}`,
      );
    console.log(
      `  ${label(c).padEnd(24)} ${best(m).toFixed(3).padStart(9)} ms  (rounds: ${m.medians.map((t) => t.toFixed(2)).join(", ")}; fastest call ${m.min.toFixed(2)})  ` +
        `max rel. diff ${m.worstDifference.toExponential(1)} ${ok ? "ok" : "MISMATCH"}  [${m.describe}]`,
    );
  }
  const peers = cases.filter((c) => c.impl.startsWith("tfjs"));
  for (const o of cases.filter((c) => c.impl === "neureco")) {
    const mine = best(measured.get(label(o)) as Measured);
    const ratios = peers.map(
      (p) => `${(best(measured.get(label(p)) as Measured) / mine).toFixed(1)}x faster than ${p.impl}`,
    );
    if (ratios.length) console.log(`  => ${label(o)}: ${ratios.join(", ")}`);
  }
  console.log("");
}
rmSync(scratch, { recursive: true, force: true });
if (failures.length) {
  console.error(`AGREEMENT CHECK FAILED:\n  ${failures.join("\n  ")}`);
  process.exit(1);
}
console.log("All implementations agree with the float64 reference.");
