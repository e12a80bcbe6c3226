/**
 * The compression benchmark: builds a Compressor on the inputs of every
 * regression task (datasets/ and ../shared/data/suite, rows with a missing
 * cell dropped, tasks of one input left out) and on synthetic rows on
 * curved manifolds of known dimension, and prints per task the code size
 * chosen (and the known one), the test reconstruction RMSE in standard
 * deviations of each column on the training rows, that of principal
 * component analysis with the same code size on the same training rows
 * (scikit-learn's, in the same run: python3-sklearn from Debian) and their
 * ratio,
 * the networks' weights and the seconds of each. Targets (issue
 * "Tabular.Classifier and Tabular.Compressor"): never worse than PCA,
 * clearly better on curved data, the known size found.
 *
 * Usage: pnpm --filter @neureco/tabular bench:compress [-- dataDir …] [--task a,b] [--seeds 0,1,2] [--synthetic-only]
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { builderRandom, normalDraw } from "../src/builder/random.js";
import { Compressor } from "../src/compressor/compressor.js";
import { Matrix } from "../src/matrix.js";
import { readTasks } from "./tasks.js";

const args = process.argv.slice(2).filter((a) => a !== "--");
const option = (name: string): string | null => (args.includes(name) ? args[args.indexOf(name) + 1] : null);
const only = option("--task")?.split(",") ?? null;
const seeds = (option("--seeds") ?? "0").split(",").map(Number);
const syntheticOnly = args.includes("--synthetic-only");
const repoRoot = join(import.meta.dirname, "../../..");
const given = args.filter((a, i) => !a.startsWith("--") && !["--task", "--seeds"].includes(args[i - 1]));
const dataDirs = (
  given.length > 0 ? given : [join(repoRoot, "datasets"), join(repoRoot, "../shared/data/suite")]
)
  .map((d) => resolve(d))
  .filter((d) => existsSync(d));

interface CompressionTask {
  readonly name: string;
  readonly train: Matrix;
  readonly test: Matrix;
  /** The manifold's dimension, for synthetic rows. */
  readonly known: number | null;
}

/**
 * Rows on a d-dimensional curved manifold in m columns: latent t uniform on
 * [−1, 1]^d, column j = f_j(t), plus Gaussian noise of `noise` times the
 * column's spread (estimated on 20,000 draws).
 */
function manifold(
  name: string,
  d: number,
  columns: (t: number[]) => number[],
  noise: number,
  rows: [number, number],
): CompressionTask {
  const draw = (n: number, seed: number, sd: number[] | null) => {
    const r = builderRandom(seed);
    const gauss = () => normalDraw(r);
    const out: number[][] = [];
    for (let i = 0; i < n; i++) {
      const t = Array.from({ length: d }, () => 2 * r() - 1);
      out.push(columns(t).map((v, j) => v + (sd ? noise * sd[j] * gauss() : 0)));
    }
    return out;
  };
  const clean = draw(20000, 99, null);
  const m = clean[0].length;
  const sd = Array.from({ length: m }, (_, j) => {
    const mean = clean.reduce((a, row) => a + row[j], 0) / clean.length;
    return Math.sqrt(clean.reduce((a, row) => a + (row[j] - mean) ** 2, 0) / clean.length);
  });
  const matrix = (values: number[][]) => new Matrix(Float64Array.from(values.flat()), values.length, m);
  return { name, train: matrix(draw(rows[0], 1, sd)), test: matrix(draw(rows[1], 2, sd)), known: d };
}

/** Column j of a random smooth map: tanh of a random affine function of t. */
function tanhColumns(d: number, m: number, seed: number): (t: number[]) => number[] {
  const r = builderRandom(seed);
  const gauss = () => normalDraw(r);
  const a = Array.from({ length: m }, () => Array.from({ length: d }, () => 1.5 * gauss()));
  const b = Array.from({ length: m }, () => 0.5 * gauss());
  return (t) => a.map((row, j) => Math.tanh(row.reduce((s, v, i) => s + v * t[i], b[j])));
}

const SYNTHETIC: CompressionTask[] = [
  manifold("curve-4", 1, ([t]) => [t, t * t, Math.sin(2.5 * t), t * t * t - 0.5 * t], 0.02, [1000, 500]),
  manifold(
    "surface-8",
    2,
    ([a, b]) => [a, b, a * a, a * b, Math.sin(2 * b), Math.cos(2 * a), b * b * b, Math.exp(a)],
    0.02,
    [1500, 500],
  ),
  manifold("tanh-3-in-12", 3, tanhColumns(3, 12, 7), 0.02, [2000, 500]),
];

/** Column means and standard deviations (population) of the training rows; a constant column gets sd 1. */
function standardisation(x: Matrix): { mean: number[]; sd: number[] } {
  const [n, m] = x.shape;
  const mean = Array.from({ length: m }, (_, j) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += x.data[i * m + j];
    return s / n;
  });
  const sd = mean.map((mu, j) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += (x.data[i * m + j] - mu) ** 2;
    return Math.sqrt(s / n) || 1;
  });
  return { mean, sd };
}

/** Test RMSE of a reconstruction, over all columns, in training standard deviations. */
function standardisedRmse(test: Matrix, reconstructed: Matrix, scale: { sd: number[] }): number {
  const [n, m] = test.shape;
  let s = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++)
      s += ((reconstructed.data[i * m + j] - test.data[i * m + j]) / scale.sd[j]) ** 2;
  return Math.sqrt(s / (n * m));
}

/**
 * The peer: scikit-learn's PCA with `code` components of the training
 * columns standardised by StandardScaler, applied to the test rows and
 * mapped back (Debian's python3-sklearn, run as /usr/bin/python3).
 */
const PEER = `
import json, sys
import numpy as np
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler
job = json.load(sys.stdin)
train = np.array(job["train"]).reshape(-1, job["columns"])
test = np.array(job["test"]).reshape(-1, job["columns"])
scaler = StandardScaler().fit(train)
pca = PCA(n_components=job["code"], svd_solver="full").fit(scaler.transform(train))
back = scaler.inverse_transform(pca.inverse_transform(pca.transform(scaler.transform(test))))
json.dump(back.ravel().tolist(), sys.stdout)
`;

function pcaReconstruction(train: Matrix, test: Matrix, code: number): Matrix {
  const job = JSON.stringify({
    columns: train.shape[1],
    code,
    train: Array.from(train.data),
    test: Array.from(test.data),
  });
  const out = execFileSync("/usr/bin/python3", ["-c", PEER], {
    input: job,
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  return new Matrix(Float64Array.from(JSON.parse(out) as number[]), test.shape[0], test.shape[1]);
}

async function tasks(): Promise<CompressionTask[]> {
  const out = SYNTHETIC.filter((t) => !only || only.includes(t.name));
  if (syntheticOnly) return out;
  for (const dir of dataDirs) {
    for (const task of await readTasks(dir, only)) {
      if (task.train.x.shape[1] < 2) continue;
      out.push({ name: task.name, train: task.train.x, test: task.test.x, known: null });
    }
  }
  return out;
}

const fmt = (v: number, digits = 4) => (Number.isFinite(v) ? v.toFixed(digits) : "-");
const header = [
  "task",
  "seed",
  "rows",
  "cols",
  "code",
  "known",
  "hidden",
  "weights",
  "rmse",
  "pca rmse",
  "rmse / pca",
  "seconds",
  "pca s",
];
const rows: string[][] = [];
const print = () => {
  const table = [header, ...rows];
  const widths = header.map((_, j) => Math.max(...table.map((r) => r[j].length)));
  console.log(table.map((r) => r.map((c, j) => c.padEnd(widths[j])).join("  ")).join("\n"));
};

let notWorse = 0;
let runs = 0;
let knownFound = 0;
let knownRuns = 0;
const curvedRatios: number[] = [];
for (const task of await tasks()) {
  for (const seed of seeds) {
    const started = performance.now();
    const compressor = new Compressor();
    try {
      await compressor.build({ inputData: task.train, seed });
    } catch (error) {
      console.error(`${task.name} seed ${seed}: ${(error as Error).message}`);
      compressor.delete();
      continue;
    }
    const seconds = (performance.now() - started) / 1000;
    const info = compressor.info();
    const scale = standardisation(task.train);
    const ours = standardisedRmse(task.test, await compressor.evaluate(task.test), scale);
    const peerStarted = performance.now();
    const peer = standardisedRmse(task.test, pcaReconstruction(task.train, task.test, info.codeSize), scale);
    const peerSeconds = (performance.now() - peerStarted) / 1000;
    compressor.delete();
    const ratio = ours / peer;
    runs++;
    // Equal to PCA up to rounding counts as not worse.
    if (ratio <= 1 + 1e-9) notWorse++;
    if (task.known !== null) {
      knownRuns++;
      if (info.codeSize === task.known) knownFound++;
      curvedRatios.push(ratio);
    }
    rows.push([
      task.name,
      String(seed),
      String(task.train.shape[0]),
      String(task.train.shape[1]),
      String(info.codeSize),
      task.known === null ? "-" : String(task.known),
      String(info.hiddenNeurons),
      String(info.weights),
      fmt(ours),
      fmt(peer),
      fmt(ratio, 3),
      fmt(seconds, 1),
      fmt(peerSeconds, 3),
    ]);
    console.error(
      `${task.name} seed ${seed}: code ${info.codeSize}, rmse ${fmt(ours)} vs pca ${fmt(peer)} (${fmt(seconds, 1)} s)`,
    );
  }
}
print();
console.log(
  `\nnot worse than PCA: ${notWorse}/${runs}; known code size found: ${knownFound}/${knownRuns}; rmse / pca on curved data: ${curvedRatios.map((r) => fmt(r, 3)).join(", ") || "-"}`,
);
