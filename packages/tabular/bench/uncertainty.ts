/**
 * Calibration of the error bars (`evaluate(x, { uncertainty: true })`) on
 * the build benchmark's tasks: the bundled ones and ../shared/data/suite
 * (or the folders given), seed 0.
 *
 * Per task, a model is built on the train rows and its bars are judged on
 * the test rows (every output pooled):
 * - coverage: the share of test values within ±1 sd (the central 68 %
 *   interval) and within ±1.96 sd (95 %) of the prediction;
 * - width: the mean width of the 95 % interval, 2·1.96·sd, in standard
 *   deviations of the output on the train rows;
 * - edge / inside: on the edge split (the 10 % of rows farthest from the
 *   centroid held out, bench/edge-baselines.jsonl), the mean sd on the
 *   held-out rows over the mean sd on the rows the model was built on.
 * With --peers, the peer is an ensemble of 5 builds (seeds 0–4): its mean
 * prediction, with sd² = the variance of the 5 predictions plus the mean of
 * their noise variances (each build's own noise level, so that the peer
 * also counts the noise); its coverage and width are printed beside.
 *
 * Targets (issue "error bars, sensitivities, optimisation"): coverage within
 * 5 points of nominal on the mean over tasks, no task below 80 % for the
 * 95 % interval, and wider bars on edge rows than inside (ratio > 1).
 *
 * Usage: pnpm --filter @neureco/tabular bench:uncertainty [-- --task a,b] [--peers] [--no-edge]
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildModel } from "../src/builder/index.js";
import { Matrix } from "../src/matrix.js";
import type { ModelDescription } from "../src/model/description.js";
import { Regressor } from "../src/regressor/regressor.js";
import { columnSds, edgeTask, readEdgeBaselines, readTasks, type Task } from "./tasks.js";

const args = process.argv.slice(2).filter((a) => a !== "--");
const option = (name: string): string | null => (args.includes(name) ? args[args.indexOf(name) + 1] : null);
const only = option("--task")?.split(",") ?? null;
const peers = args.includes("--peers");
const withEdge = !args.includes("--no-edge");
const repoRoot = join(import.meta.dirname, "../../..");
const given = args.filter((a, i) => !a.startsWith("--") && args[i - 1] !== "--task");
const dataDirs = (
  given.length > 0 ? given : [join(repoRoot, "datasets"), join(repoRoot, "../shared/data/suite")]
)
  .map((d) => resolve(d))
  .filter((d) => existsSync(d));

const Z95 = 1.959964;

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

async function build(task: Task, seed: number): Promise<ModelDescription> {
  const { model } = await buildModel(
    { x: task.train.x, y: task.train.y, inputNames: [...task.inputs], outputNames: [...task.outputs] },
    { seed },
  );
  return model;
}

async function predictWithSd(model: ModelDescription, x: Matrix): Promise<{ y: Matrix; sd: Matrix }> {
  const regressor = Regressor.fromDescription(model);
  try {
    return await regressor.evaluate(x, { uncertainty: true });
  } finally {
    regressor.delete();
  }
}

interface Calibration {
  readonly within68: number;
  readonly within95: number;
  /** Mean 95 % interval width in train-output SDs. */
  readonly width: number;
}

function calibration(y: Matrix, sd: Matrix, actual: Matrix, trainY: Matrix): Calibration {
  const scales = columnSds(trainY);
  let in68 = 0;
  let in95 = 0;
  let width = 0;
  const count = y.rows * y.cols;
  for (let i = 0; i < y.rows; i++) {
    for (let j = 0; j < y.cols; j++) {
      const error = Math.abs(actual.get(i, j) - y.get(i, j));
      const s = sd.get(i, j);
      if (error <= s) in68++;
      if (error <= Z95 * s) in95++;
      width += (2 * Z95 * s) / scales[j];
    }
  }
  return { within68: in68 / count, within95: in95 / count, width: width / count };
}

/** The 5-build ensemble's prediction and sd (see the header). */
async function ensemble(task: Task): Promise<{ y: Matrix; sd: Matrix }> {
  const predictions: Matrix[] = [];
  const noise: number[][] = []; // [member][output], raw units
  for (let seed = 0; seed < 5; seed++) {
    const model = await build(task, seed);
    predictions.push((await predictWithSd(model, task.test.x)).y);
    const scale = model.outputNormalization.scale;
    noise.push((model.posterior?.noiseVariance ?? []).map((v, j) => v * scale[j] ** 2));
  }
  const { rows, cols } = predictions[0];
  const y = new Matrix(new Float64Array(rows * cols), rows, cols);
  const sd = new Matrix(new Float64Array(rows * cols), rows, cols);
  for (let k = 0; k < rows * cols; k++) {
    const values = predictions.map((m) => m.data[k]);
    const average = mean(values);
    const spread = values.reduce((a, b) => a + (b - average) ** 2, 0) / (values.length - 1);
    y.data[k] = average;
    sd.data[k] = Math.sqrt(spread + mean(noise.map((n) => n[k % cols])));
  }
  return { y, sd };
}

const percent = (v: number) => `${(100 * v).toFixed(1)}`;

const lines: string[][] = [];
const results: { test: Calibration; edgeRatio: number | null; peer: Calibration | null }[] = [];
const edges = await readEdgeBaselines(join(import.meta.dirname, "edge-baselines.jsonl"));
for (const dir of dataDirs) {
  for (const task of await readTasks(dir, only)) {
    const model = await build(task, 0);
    const { y, sd } = await predictWithSd(model, task.test.x);
    const test = calibration(y, sd, task.test.y, task.train.y);
    let edgeRatio: number | null = null;
    const edge = edges.find((e) => e.task === task.name);
    if (withEdge && edge) {
      const split = edgeTask(task, edge);
      const edgeModel = await build(split, 0);
      const outside = await predictWithSd(edgeModel, split.test.x);
      const inside = await predictWithSd(edgeModel, split.train.x);
      edgeRatio = mean(Array.from(outside.sd.data)) / mean(Array.from(inside.sd.data));
    }
    let peer: Calibration | null = null;
    if (peers) {
      const e = await ensemble(task);
      peer = calibration(e.y, e.sd, task.test.y, task.train.y);
    }
    results.push({ test, edgeRatio, peer });
    const line = [
      task.name,
      String(task.test.y.rows * task.test.y.cols),
      percent(test.within68),
      percent(test.within95),
      test.width.toFixed(2),
      edgeRatio === null ? "—" : edgeRatio.toFixed(2),
      ...(peer ? [percent(peer.within68), percent(peer.within95), peer.width.toFixed(2)] : []),
    ];
    lines.push(line);
    console.error(line.join("  "));
  }
}

const head = [
  "task",
  "test values",
  "within 68 % (%)",
  "within 95 % (%)",
  "95 % width (sd)",
  "edge / inside sd",
  ...(peers ? ["5 builds: 68 %", "5 builds: 95 %", "5 builds: width"] : []),
];
console.log(`| ${head.join(" | ")} |`);
console.log(`|${head.map(() => "---").join("|")}|`);
for (const line of lines) console.log(`| ${line.join(" | ")} |`);
const ratios = results.map((r) => r.edgeRatio).filter((r): r is number => r !== null);
const summary = [
  `**mean (${results.length} tasks)**`,
  "",
  percent(mean(results.map((r) => r.test.within68))),
  percent(mean(results.map((r) => r.test.within95))),
  mean(results.map((r) => r.test.width)).toFixed(2),
  ratios.length ? `${ratios.filter((r) => r > 1).length}/${ratios.length} > 1` : "—",
  ...(peers
    ? [
        percent(mean(results.map((r) => r.peer?.within68 ?? Number.NaN))),
        percent(mean(results.map((r) => r.peer?.within95 ?? Number.NaN))),
        mean(results.map((r) => r.peer?.width ?? Number.NaN)).toFixed(2),
      ]
    : []),
];
console.log(`| ${summary.join(" | ")} |`);
const below80 = lines.filter((_, i) => results[i].test.within95 < 0.8).map((l) => l[0]);
console.log(
  `\nTargets: mean coverage within 5 points of 68 and 95 (${percent(mean(results.map((r) => r.test.within68)))}, ${percent(mean(results.map((r) => r.test.within95)))}); no task below 80 % at 95 % (below: ${below80.join(", ") || "none"}); edge rows wider than inside (${ratios.filter((r) => r > 1).length} of ${ratios.length}).`,
);
