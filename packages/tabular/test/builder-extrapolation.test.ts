/**
 * Predictions just outside the training data (issue: blow-ups beyond the
 * data). On the bundled boston task's edge split — the 10 % of all rows
 * farthest from the centroid held out, the rule of bench/edge-baselines.py —
 * the built model's largest error on the held-out rows stays within
 * EDGE_ERROR_BOUND output SDs for every seed. The grid-searched MLP's
 * largest error there is 1.84 SDs (bench/edge-baselines.jsonl); a model
 * whose opposing output weights cancel inside the data reached 5.65.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildModel } from "../src/builder/index.js";
import { Matrix } from "../src/matrix.js";
import { readCsv } from "../src/node/index.js";
import { predict } from "./builder-helpers.js";

const TASK = join(import.meta.dirname, "../../../datasets/boston");
const EDGE_BASELINES = join(import.meta.dirname, "../bench/edge-baselines.jsonl");
/** Largest error allowed on the edge rows, in SDs of the training rows' output: about twice the MLP's. */
const EDGE_ERROR_BOUND = 3.5;

async function allRows(): Promise<{ x: Matrix; y: Matrix }> {
  const stack = async (name: string) => {
    const train = (await readCsv(join(TASK, `${name}_train.csv`))).matrix;
    const test = (await readCsv(join(TASK, `${name}_test.csv`))).matrix;
    const data = new Float64Array(train.data.length + test.data.length);
    data.set(train.data);
    data.set(test.data, train.data.length);
    return new Matrix(data, train.shape[0] + test.shape[0], train.shape[1]);
  };
  return { x: await stack("x"), y: await stack("y") };
}

/** The edge rows of bench/edge-baselines.py: the ⌈n/10⌉ rows farthest from the centroid in standardised inputs. */
function edgeRows(x: Matrix): number[] {
  const [n, m] = x.shape;
  const distance = new Float64Array(n);
  for (let j = 0; j < m; j++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += x.data[i * m + j] / n;
    let variance = 0;
    for (let i = 0; i < n; i++) variance += (x.data[i * m + j] - mean) ** 2 / n;
    const sd = Math.sqrt(variance);
    for (let i = 0; i < n; i++) distance[i] += sd > 0 ? ((x.data[i * m + j] - mean) / sd) ** 2 : 0;
  }
  const rounded = Array.from(distance, (d) => Math.round(d * 1e9) / 1e9);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => rounded[b] - rounded[a] || a - b);
  return order.slice(0, Math.ceil(n / 10)).sort((a, b) => a - b);
}

function rows(m: Matrix, picked: readonly number[]): Matrix {
  const k = m.shape[1];
  const out = new Float64Array(picked.length * k);
  picked.forEach((r, i) => out.set(m.data.subarray(r * k, (r + 1) * k), i * k));
  return new Matrix(out, picked.length, k);
}

describe("predictions outside the training data", async () => {
  const { x, y } = await allRows();
  const edge = edgeRows(x);
  const held = new Set(edge);
  const rest = Array.from({ length: x.shape[0] }, (_, i) => i).filter((i) => !held.has(i));
  const train = { x: rows(x, rest), y: rows(y, rest) };
  const ySd = Math.sqrt(
    train.y.data.reduce((s, v, _, a) => s + (v - a.reduce((t, u) => t + u, 0) / a.length) ** 2, 0) /
      train.y.data.length,
  );

  it("holds out the rows the benchmark's edge split holds out", async () => {
    const line = (await readFile(EDGE_BASELINES, "utf8"))
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as { task: string; held_out: number[] })
      .find((b) => b.task === "boston");
    expect(edge).toEqual(line?.held_out);
  });

  it.each([0, 1, 2])(`keeps every edge row within ${EDGE_ERROR_BOUND} output SDs (seed %i)`, async (seed) => {
    const { model } = await buildModel(train, { seed });
    const predicted = predict(model, rows(x, edge));
    const actual = rows(y, edge);
    let worst = 0;
    for (let i = 0; i < edge.length; i++)
      worst = Math.max(worst, Math.abs(predicted.data[i] - actual.data[i]));
    expect(worst / ySd).toBeLessThan(EDGE_ERROR_BOUND);
  });
});
