/**
 * Build benchmark: on every task of the repo's datasets/ folder, build with the
 * defaults on the training rows, score on the test rows (raw units; rows with
 * a missing cell dropped), and print the result beside the grid-searched MLP
 * of baselines.jsonl with the targets: test RMSE no worse, at most a third of
 * its weights, a build no slower than its grid search.
 *
 * With several seeds, each task gets one row per seed and a "mean" row (the
 * mean RMSE ± its standard error, weights and seconds over the seeds),
 * judged on the means. A single test split makes one build's RMSE noisy:
 * judge changes of the method on 20 seeds.
 *
 * With --holdout-offsets, every seed is built once per offset, each holding
 * out another representative third of the training rows
 * (`representativeRows` at that offset of each stride; the builder's own
 * choice is 0.5): a result that holds for one held-out set only is luck of
 * that set. --no-final-learning keeps each build's model as trained on the
 * rows not held out (the build option finalLearning: false).
 *
 * Usage: pnpm --filter @neureco/tabular bench:build [dataDir] [--task name]
 *   [--seeds 0,1,2 | --seed-count 20] [--holdout-offsets 0.5,0.1,0.9] [--no-final-learning]
 */
import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { cpu } from "@neureco/backend-cpu";
import { tensor } from "@neureco/core";
import { buildModel } from "../src/builder/index.js";
import { resolveSettings } from "../src/builder/settings.js";
import { representativeRows } from "../src/builder/validation-split.js";
import { dropRows, rowsWithNaN } from "../src/csv/index.js";
import { Matrix } from "../src/matrix.js";
import type { ModelDescription } from "../src/model/description.js";
import { networkFunction } from "../src/network/forward.js";
import { readCsv } from "../src/node/index.js";
import { computeNormalization, denormalize, normalize } from "../src/normalization/index.js";

interface Baseline {
  task: string;
  method: string;
  rmse: number[];
  weights: number | null;
  seconds: number;
}

const args = process.argv.slice(2);
const option = (name: string): string | null => (args.includes(name) ? args[args.indexOf(name) + 1] : null);
const taskFilter = option("--task");
const seedCount = option("--seed-count");
const seeds = seedCount
  ? Array.from({ length: Number(seedCount) }, (_, i) => i)
  : (option("--seeds") ?? "0").split(",").map(Number);
const holdoutOffsets = option("--holdout-offsets")?.split(",").map(Number) ?? null;
const finalLearning = !args.includes("--no-final-learning");
const valueOptions = ["--task", "--seeds", "--seed-count", "--holdout-offsets"];
const dataDir = resolve(
  args.find((a, i) => !a.startsWith("--") && !valueOptions.includes(args[i - 1])) ??
    join(import.meta.dirname, "../../../datasets"),
);

/** The rows the builder holds out with its default settings, taken at `offset` of each stride instead of 0.5. */
function heldOutRows(x: Matrix, offset: number): number[] {
  const settings = resolveSettings({});
  const normalization = computeNormalization(x, {
    shifting: settings.inputsShifting,
    scaling: settings.inputsScaling,
    perFeature: settings.inputsNormalizePerFeature,
  });
  return representativeRows(normalize(x, normalization), settings.validPercentage, offset);
}

async function readTask(
  dir: string,
  split: "train" | "test",
): Promise<{ x: Matrix; y: Matrix; inputs: string[]; outputs: string[] }> {
  const x = await readCsv(join(dir, `x_${split}.csv`), { missing: "nan" });
  const y = await readCsv(join(dir, `y_${split}.csv`), { missing: "nan" });
  const missing = [...new Set([...rowsWithNaN(x.matrix), ...rowsWithNaN(y.matrix)])];
  return {
    x: dropRows(x.matrix, missing),
    y: dropRows(y.matrix, missing),
    inputs: x.columns,
    outputs: y.columns,
  };
}

function predict(model: ModelDescription, x: Matrix): Matrix {
  const backend = cpu();
  const xn = normalize(x, model.inputNormalization);
  const p = model.weights.length;
  const y = networkFunction(model.structure)(
    tensor(backend, model.weights, [1, p]),
    tensor(backend, xn.data, [...xn.shape]),
  );
  const out = new Matrix(Float64Array.from(y.readSync()), x.shape[0], model.structure.outputs);
  backend.destroy();
  return denormalize(out, model.outputNormalization);
}

function rmsePerOutput(a: Matrix, b: Matrix): number[] {
  const [n, k] = a.shape;
  return Array.from({ length: k }, (_, j) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += (a.data[i * k + j] - b.data[i * k + j]) ** 2;
    return Math.sqrt(s / n);
  });
}

const baselines: Baseline[] = (await readFile(join(dataDir, "baselines.jsonl"), "utf8"))
  .split("\n")
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as Baseline);

const tasks = (await readdir(dataDir, { withFileTypes: true }))
  .filter((d) => d.isDirectory() && (!taskFilter || d.name === taskFilter))
  .map((d) => d.name)
  .sort();

const rows: string[][] = [
  [
    "task",
    "seed",
    "rmse",
    "mlp rmse",
    "weights",
    "mlp w/3",
    "seconds",
    "mlp s",
    "links",
    "hidden",
    "inputs",
    "met",
  ],
];

interface Run {
  rmse: number[];
  /** Standard error of each mean RMSE (mean rows only). */
  rmseSe?: number[];
  weights: number;
  seconds: number;
  structure: string[];
}

function verdict(mlp: Baseline | undefined, run: Run): string {
  if (!mlp) return "no baseline";
  const failed = [
    run.rmse.every((r, j) => r <= mlp.rmse[j]) ? "" : "rmse",
    mlp.weights === null || run.weights * 3 <= mlp.weights ? "" : "weights",
    run.seconds <= mlp.seconds ? "" : "time",
  ].filter(Boolean);
  return failed.length === 0 ? "yes" : `no (${failed.join(", ")})`;
}

function row(task: string, seed: string, mlp: Baseline | undefined, run: Run): string[] {
  return [
    task,
    seed,
    run.rmse
      .map((r, j) => (run.rmseSe ? `${r.toPrecision(4)}±${run.rmseSe[j].toPrecision(2)}` : r.toPrecision(4)))
      .join(" "),
    mlp ? mlp.rmse.map((r) => r.toPrecision(4)).join(" ") : "-",
    Number.isInteger(run.weights) ? String(run.weights) : run.weights.toFixed(1),
    mlp?.weights ? (mlp.weights / 3).toFixed(1) : "-",
    run.seconds.toFixed(2),
    mlp ? mlp.seconds.toFixed(1) : "-",
    ...run.structure,
    verdict(mlp, run),
  ];
}

let allMet = true;
for (const task of tasks) {
  const dir = join(dataDir, task);
  const train = await readTask(dir, "train");
  const test = await readTask(dir, "test");
  const mlp = baselines.find((b) => b.task === task && b.method === "mlp-grid");
  const runs: Run[] = [];
  // Held-out rows per offset, once per task: the same for every seed.
  const splits = (holdoutOffsets ?? [null]).map((offset) => ({
    offset,
    validationIndices: offset === null ? undefined : heldOutRows(train.x, offset),
  }));
  const builds = seeds.flatMap((seed) => splits.map((split) => ({ seed, ...split })));
  for (const { seed, offset, validationIndices } of builds) {
    const label = offset === null ? String(seed) : `${seed}@${offset}`;
    const started = performance.now();
    const { model } = await buildModel(
      { x: train.x, y: train.y, inputNames: train.inputs, outputNames: train.outputs },
      { seed, validationIndices, finalLearning },
    );
    const seconds = (performance.now() - started) / 1000;
    const s = model.structure;
    const connected = new Set(s.links.filter(([f]) => f < s.inputs).map(([f]) => f)).size;
    const run: Run = {
      rmse: rmsePerOutput(predict(model, test.x), test.y),
      weights: model.weights.length,
      seconds,
      structure: [String(s.links.length), String(s.hidden), `${connected}/${s.inputs}`],
    };
    runs.push(run);
    rows.push(row(task, label, mlp, run));
    console.error(`${task} seed ${label}: done in ${seconds.toFixed(2)} s`);
  }
  const mean = (f: (r: Run) => number) => runs.reduce((a, r) => a + f(r), 0) / runs.length;
  const judged: Run =
    runs.length === 1
      ? runs[0]
      : {
          rmse: runs[0].rmse.map((_, j) => mean((r) => r.rmse[j])),
          rmseSe: runs[0].rmse.map((_, j) => {
            const m = mean((r) => r.rmse[j]);
            const variance = runs.reduce((a, r) => a + (r.rmse[j] - m) ** 2, 0) / (runs.length - 1);
            return Math.sqrt(variance / runs.length);
          }),
          weights: mean((r) => r.weights),
          seconds: mean((r) => r.seconds),
          structure: ["", "", ""],
        };
  if (runs.length > 1) rows.push(row(task, "mean", mlp, judged));
  allMet &&= verdict(mlp, judged) === "yes" || !mlp;
}

const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c])).join("  "));
console.log(allMet ? "\nall targets met" : "\nsome targets not met");
