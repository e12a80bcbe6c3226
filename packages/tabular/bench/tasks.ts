/**
 * The regression tasks the build benchmark runs: folders in the layout of
 * datasets/ (x_train.csv, y_train.csv, x_test.csv, y_test.csv, task.json)
 * beside a baselines.jsonl of peer results, and the edge split of each task
 * (edge-baselines.jsonl, written by edge-baselines.py).
 */
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { dropRows, rowsWithNaN } from "../src/csv/index.js";
import { Matrix } from "../src/matrix.js";
import { readCsv } from "../src/node/index.js";

export interface Baseline {
  readonly task: string;
  readonly method: string;
  readonly rmse: readonly number[];
  readonly weights: number | null;
  readonly seconds: number;
}

export interface EdgeBaseline extends Baseline {
  /** Rows held out (the edge), as indices into the task's train rows then test rows, rows with a missing cell dropped. */
  readonly held_out: readonly number[];
  /** The largest absolute error on the held-out rows, in standard deviations of the output on the training rows. */
  readonly max_error_sd: number;
}

export interface Split {
  readonly x: Matrix;
  readonly y: Matrix;
}

export interface Task {
  readonly name: string;
  readonly dir: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly train: Split;
  readonly test: Split;
  /** The grid-searched MLP of the folder's baselines.jsonl, when there is one. */
  readonly mlp: Baseline | undefined;
}

async function readSplit(dir: string, split: "train" | "test") {
  const x = await readCsv(join(dir, `x_${split}.csv`), { missing: "nan" });
  const y = await readCsv(join(dir, `y_${split}.csv`), { missing: "nan" });
  // Rows with a missing cell are dropped, as the peers' baselines did.
  const missing = [...new Set([...rowsWithNaN(x.matrix), ...rowsWithNaN(y.matrix)])];
  return {
    x: dropRows(x.matrix, missing),
    y: dropRows(y.matrix, missing),
    inputs: x.columns,
    outputs: y.columns,
  };
}

async function readJsonLines<T>(path: string): Promise<T[]> {
  if (!existsSync(path)) return [];
  return (await readFile(path, "utf8"))
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

/** Every task folder of `dataDir` (those named in `only`, when given), sorted by name. */
export async function readTasks(dataDir: string, only: readonly string[] | null): Promise<Task[]> {
  const baselines = await readJsonLines<Baseline>(join(dataDir, "baselines.jsonl"));
  const names = (await readdir(dataDir, { withFileTypes: true }))
    .filter((d) => d.isDirectory() && existsSync(join(dataDir, d.name, "x_train.csv")))
    .map((d) => d.name)
    .filter((name) => only === null || only.includes(name))
    .sort();
  const tasks: Task[] = [];
  for (const name of names) {
    const dir = join(dataDir, name);
    const train = await readSplit(dir, "train");
    const test = await readSplit(dir, "test");
    tasks.push({
      name,
      dir,
      inputs: train.inputs,
      outputs: train.outputs,
      train,
      test,
      mlp: baselines.find((b) => b.task === name && b.method === "mlp-grid"),
    });
  }
  return tasks;
}

export async function readEdgeBaselines(path: string): Promise<EdgeBaseline[]> {
  return readJsonLines<EdgeBaseline>(path);
}

function concatRows(a: Matrix, b: Matrix): Matrix {
  const [na, k] = a.shape;
  const data = new Float64Array((na + b.shape[0]) * k);
  data.set(a.data);
  data.set(b.data, na * k);
  return new Matrix(data, na + b.shape[0], k);
}

function pickRows(m: Matrix, rows: readonly number[]): Matrix {
  const k = m.shape[1];
  const data = new Float64Array(rows.length * k);
  rows.forEach((r, i) => data.set(m.data.subarray(r * k, (r + 1) * k), i * k));
  return new Matrix(data, rows.length, k);
}

/**
 * The task on its edge split: all rows (train then test), the held-out
 * ones as test rows, the rest as training rows.
 */
export function edgeTask(task: Task, edge: EdgeBaseline): Task {
  const x = concatRows(task.train.x, task.test.x);
  const y = concatRows(task.train.y, task.test.y);
  const heldOut = new Set(edge.held_out);
  const rest = Array.from({ length: x.shape[0] }, (_, i) => i).filter((i) => !heldOut.has(i));
  return {
    ...task,
    train: { x: pickRows(x, rest), y: pickRows(y, rest) },
    test: { x: pickRows(x, edge.held_out), y: pickRows(y, edge.held_out) },
    mlp: edge,
  };
}

/** Standard deviation of each column of `m` over its rows (two passes: mean, then squared deviations). */
export function columnSds(m: Matrix): number[] {
  const [rows, k] = m.shape;
  return Array.from({ length: k }, (_, j) => {
    let mean = 0;
    for (let i = 0; i < rows; i++) mean += m.data[i * k + j] / rows;
    let variance = 0;
    for (let i = 0; i < rows; i++) variance += (m.data[i * k + j] - mean) ** 2 / rows;
    return Math.sqrt(variance);
  });
}
