/**
 * The classification benchmark: builds a Classifier on every task of
 * ../shared/data/classify (or of the folders given) and prints, per task
 * and seed, test accuracy and log-loss beside the grid-searched MLP of the
 * folder's baselines.jsonl, the weights and their share of what is allowed
 * (a third of the MLP's, or 30 where that is less), the build time and its
 * ratio to the MLP's grid search, the balanced accuracy and the expected
 * calibration error. Targets (issue "Classifier"): log-loss ≤ the MLP's,
 * accuracy ≥ the MLP's − 1 point, weights ≤ allowed, seconds ≤ the grid's.
 * Rows with a missing cell are dropped in train and test, as the peers'
 * baselines did.
 *
 * Usage: pnpm --filter @neureco/tabular bench:classify [-- dataDir …] [--task a,b] [--seeds 0,1,2]
 */
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Classifier } from "../src/classifier/classifier.js";
import { dropRows, rowsWithNaN } from "../src/csv/index.js";
import { readCsv, readLabelCsv } from "../src/node/index.js";

interface ClassifyBaseline {
  readonly task: string;
  readonly method: string;
  readonly accuracy: number;
  readonly log_loss: number;
  readonly balanced_accuracy: number;
  readonly weights: number | null;
  readonly seconds: number;
}

const args = process.argv.slice(2).filter((a) => a !== "--");
const option = (name: string): string | null => (args.includes(name) ? args[args.indexOf(name) + 1] : null);
const only = option("--task")?.split(",") ?? null;
const seeds = (option("--seeds") ?? "0").split(",").map(Number);
const repoRoot = join(import.meta.dirname, "../../..");
const given = args.filter((a, i) => !a.startsWith("--") && !["--task", "--seeds"].includes(args[i - 1]));
const dataDirs = (given.length > 0 ? given : [join(repoRoot, "../shared/data/classify")])
  .map((d) => resolve(d))
  .filter((d) => existsSync(d));

async function readSplit(dir: string, split: "train" | "test") {
  const x = await readCsv(join(dir, `x_${split}.csv`), { missing: "nan" });
  const y = await readLabelCsv(join(dir, `y_${split}.csv`), { missing: "drop-row" });
  const missing = [...new Set([...rowsWithNaN(x.matrix), ...y.missingRows])];
  const drop = new Set(missing);
  return {
    x: dropRows(x.matrix, missing),
    labels: y.labels.filter((_, i) => !drop.has(i)),
    inputs: x.columns,
  };
}

const fmt = (v: number, digits = 3) => (Number.isFinite(v) ? v.toFixed(digits) : "-");
const header = [
  "task",
  "seed",
  "acc",
  "mlp acc",
  "logloss",
  "mlp logloss",
  "ll / mlp",
  "weights",
  "mlp w",
  "w / allowed",
  "seconds",
  "s / grid",
  "bal acc",
  "ECE",
  "hidden",
];
const rows: string[][] = [];
const print = () => {
  const table = [header, ...rows];
  const widths = header.map((_, j) => Math.max(...table.map((r) => r[j].length)));
  console.log(table.map((r) => r.map((c, j) => c.padEnd(widths[j])).join("  ")).join("\n"));
};
const logRatios: number[] = [];
let met = 0;
let runs = 0;

for (const dir of dataDirs) {
  const baselines = (await readFile(join(dir, "baselines.jsonl"), "utf8"))
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as ClassifyBaseline);
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, "x_train.csv")))
    .map((d) => d.name)
    .filter((n) => only === null || only.includes(n))
    .sort();
  for (const name of names) {
    const train = await readSplit(join(dir, name), "train");
    const test = await readSplit(join(dir, name), "test");
    const mlp = baselines.find((b) => b.task === name && b.method === "mlp-grid");
    for (const seed of seeds) {
      const classifier = new Classifier();
      const started = performance.now();
      await classifier.build({
        inputData: train.x,
        outputData: train.labels,
        inputNames: train.inputs,
        seed,
      });
      const seconds = (performance.now() - started) / 1000;
      const s = await classifier.score(test.x, test.labels);
      const info = classifier.info();
      classifier.delete();
      const allowed = mlp?.weights ? Math.max(mlp.weights / 3, 30) : Number.NaN;
      const ratio = mlp ? s.logLoss / mlp.log_loss : Number.NaN;
      if (mlp) {
        logRatios.push(Math.log(ratio));
        runs++;
        if (s.logLoss <= mlp.log_loss && s.accuracy >= mlp.accuracy - 0.01 && info.weights <= allowed) met++;
      }
      rows.push([
        name,
        String(seed),
        fmt(s.accuracy),
        fmt(mlp?.accuracy ?? Number.NaN),
        fmt(s.logLoss),
        fmt(mlp?.log_loss ?? Number.NaN),
        fmt(ratio),
        String(info.weights),
        String(mlp?.weights ?? "-"),
        fmt(info.weights / allowed, 2),
        fmt(seconds, 1),
        fmt(mlp ? seconds / mlp.seconds : Number.NaN, 2),
        fmt(s.balancedAccuracy),
        fmt(s.calibrationError),
        String(info.hiddenNeurons),
      ]);
      console.error(rows[rows.length - 1].join(" "));
    }
  }
}
print();
const geomean = Math.exp(logRatios.reduce((a, b) => a + b, 0) / Math.max(logRatios.length, 1));
console.log(
  `log-loss / MLP geometric mean ${fmt(geomean)}; accuracy, log-loss and weight targets met on ${met} of ${runs} builds`,
);
