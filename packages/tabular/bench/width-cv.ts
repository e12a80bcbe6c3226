/**
 * Width benchmark: what the training rows say about network width, beside
 * what the test rows say. For each width h, a network of h hidden tanh
 * neurons reading every input, plus every input linked to the output (the
 * shape the builder grows), is trained as the builder trains its candidates
 * (Levenberg–Marquardt, β from the evidence, the best of a few fresh starts
 * by log evidence) and scored two ways:
 *
 * - cv: 3-fold cross-validation on the training rows (row i in fold i mod 3),
 *   the RMSE over all held-out rows;
 * - test: trained on all training rows, the RMSE on the test rows.
 *
 * Beside them, the mean log evidence of the training rows. A width that
 * wins on test but not on cv or evidence is one no choice made from the
 * training rows can find. bench/mlp-width-cv.py prints the same for
 * scikit-learn's MLP on the same folds.
 *
 * Usage: pnpm --filter @neureco/tabular bench:width [-- --task auto-mpg] [--widths 1,2,3,5,8] [--starts 4]
 */
import { join, resolve } from "node:path";
import { cpu } from "@neureco/backend-cpu";
import { tensor } from "@neureco/core";
import { type FitOptions, Fitter, type TrainedNetwork } from "../src/builder/fit.js";
import { freshWeights, growthCandidates } from "../src/builder/moves.js";
import { linearNetwork, type WeightedNetwork } from "../src/builder/network-edit.js";
import { DeviceData } from "../src/builder/objective.js";
import { BETA_GROUPS, priorMetric } from "../src/builder/prior.js";
import { builderRandom } from "../src/builder/random.js";
import { matrixRows } from "../src/builder/rows.js";
import { resolveSettings } from "../src/builder/settings.js";
import { dropRows, rowsWithNaN } from "../src/csv/index.js";
import type { Matrix } from "../src/matrix.js";
import { networkFunction } from "../src/network/forward.js";
import { readCsv } from "../src/node/index.js";
import { computeNormalization, normalize } from "../src/normalization/index.js";

const args = process.argv.slice(2).filter((a) => a !== "--");
const option = (name: string): string | null => (args.includes(name) ? args[args.indexOf(name) + 1] : null);
const task = option("--task") ?? "auto-mpg";
const widths = (option("--widths") ?? "1,2,3,5,8").split(",").map(Number);
const starts = Number(option("--starts") ?? 4);
const dataDir = resolve(join(import.meta.dirname, "../../../datasets"));
const FOLDS = 3;
/** Test scores average this many trainings on all training rows (other seeds). */
const TEST_REPEATS = 3;
/** Enough iterations to converge on these sizes; β adapts as in the search. */
const FIT: FitOptions = { maxIterations: 100, tolerance: 1e-7, adaptBeta: true };

async function readTask(split: "train" | "test"): Promise<{ x: Matrix; y: Matrix }> {
  const dir = join(dataDir, task);
  const x = await readCsv(join(dir, `x_${split}.csv`), { missing: "nan" });
  const y = await readCsv(join(dir, `y_${split}.csv`), { missing: "nan" });
  const missing = [...new Set([...rowsWithNaN(x.matrix), ...rowsWithNaN(y.matrix)])];
  return { x: dropRows(x.matrix, missing), y: dropRows(y.matrix, missing) };
}

function keepRows(m: Matrix, keep: (row: number) => boolean): Matrix {
  const dropped = Array.from({ length: m.shape[0] }, (_, i) => i).filter((i) => !keep(i));
  return dropRows(m, dropped);
}

const backend = cpu();

/** Σ r² over all rows and outputs, in normalised units. */
function sse(net: WeightedNetwork, x: Matrix, y: Matrix): number {
  const p = net.weights.length;
  const out = networkFunction(net.structure)(
    tensor(backend, net.weights, [1, p]),
    tensor(backend, x.data, [...x.shape]),
  ).readSync();
  let s = 0;
  for (let i = 0; i < out.length; i++) s += (out[i] - y.data[i]) ** 2;
  return s;
}

/** The network of `hidden` neurons trained from `starts` fresh starts on (x, y); the best by log evidence. */
async function trainWidth(x: Matrix, y: Matrix, hidden: number, seed: number): Promise<TrainedNetwork> {
  const data = DeviceData.upload(backend, "float64", matrixRows(x, y));
  try {
    const fitter = new Fitter(backend, "float64", data, null, undefined, priorMetric(matrixRows(x, y)));
    const random = builderRandom(seed);
    let shape = linearNetwork(x.shape[1], y.shape[1]);
    for (let h = 0; h < hidden; h++) shape = growthCandidates(shape, 1, random)[0];
    let best: TrainedNetwork | null = null;
    for (let s = 0; s < starts; s++) {
      const trained = await fitter.fit(
        freshWeights(shape, random),
        new Array<number>(BETA_GROUPS).fill(resolveSettings({}).initialBetaReg),
        FIT,
      );
      if (!best || trained.evidence > best.evidence) best = trained;
    }
    return best as TrainedNetwork;
  } finally {
    data.dispose();
  }
}

const train = await readTask("train");
const test = await readTask("test");
const settings = resolveSettings({});
const xNorm = computeNormalization(train.x, {
  shifting: settings.inputsShifting,
  scaling: settings.inputsScaling,
  perFeature: settings.inputsNormalizePerFeature,
});
const yNorm = computeNormalization(train.y, {
  shifting: settings.outputsShifting,
  scaling: settings.outputsScaling,
  perFeature: settings.outputsNormalizePerFeature,
});
if (yNorm.scale.length !== 1)
  throw new Error(`${task}: bench:width takes one output, this task has ${yNorm.scale.length}`);
const x = normalize(train.x, xNorm);
const y = normalize(train.y, yNorm);
const xTest = normalize(test.x, xNorm);
const yTest = normalize(test.y, yNorm);
const toRaw = yNorm.scale[0];

console.log(`${task}: ${x.shape[0]} training rows, ${xTest.shape[0]} test rows, best of ${starts} starts`);
console.log("hidden  weights  cv rmse  test rmse  log evidence");
for (const hidden of widths) {
  let cvSse = 0;
  for (let fold = 0; fold < FOLDS; fold++) {
    const inFold = (i: number) => i % FOLDS === fold;
    const trained = await trainWidth(
      keepRows(x, (i) => !inFold(i)),
      keepRows(y, (i) => !inFold(i)),
      hidden,
      fold,
    );
    cvSse += sse(trained.network, keepRows(x, inFold), keepRows(y, inFold));
  }
  let testRmse = 0;
  let evidence = 0;
  let weights = 0;
  for (let r = 0; r < TEST_REPEATS; r++) {
    const trained = await trainWidth(x, y, hidden, 1000 + r);
    testRmse += Math.sqrt(sse(trained.network, xTest, yTest) / xTest.shape[0]) / TEST_REPEATS;
    evidence += trained.evidence / TEST_REPEATS;
    weights = trained.network.weights.length;
  }
  const cvRmse = Math.sqrt(cvSse / x.shape[0]);
  console.log(
    `${String(hidden).padStart(6)}  ${String(weights).padStart(7)}  ${(cvRmse * toRaw).toFixed(3).padStart(7)}  ${(testRmse * toRaw).toFixed(3).padStart(9)}  ${evidence.toFixed(1).padStart(12)}`,
  );
}
backend.destroy();
