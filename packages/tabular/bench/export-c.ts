/**
 * Evaluate on 10⁶ rows: the neureco CPU backend against the C file that
 * `toC` writes (gcc -O2) and the ONNX graph of `toOnnx` in ONNX Runtime
 * (onnxruntime-node, CPU, float64), on the same model and rows, in one run;
 * prints the seconds and the ratios. The model is built on the bundled
 * biomass task (seed 1).
 *
 * Usage: pnpm --filter @neureco/tabular bench:export [-- rows]
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { buildModel } from "../src/builder/index.js";
import { Matrix } from "../src/matrix.js";
import { readCsv } from "../src/node/index.js";
import { Regressor } from "../src/regressor/regressor.js";

const rows = Number(process.argv.slice(2).filter((a) => a !== "--")[0] ?? 1e6);
const data = join(import.meta.dirname, "../../../datasets/biomass");
const x = (await readCsv(join(data, "x_train.csv"))).matrix;
const y = (await readCsv(join(data, "y_train.csv"))).matrix;
const { model } = await buildModel({ x, y }, { seed: 1 });
const m = x.shape[1];
const big = new Float64Array(rows * m);
for (let i = 0; i < rows; i++)
  big.set(x.data.subarray((i % x.shape[0]) * m, ((i % x.shape[0]) + 1) * m), i * m);

const regressor = new Regressor();
regressor.setModel(model);
const dir = mkdtempSync(join(tmpdir(), "neureco-bench-c-"));
const { source, header } = regressor.toC({ name: "model" });
writeFileSync(join(dir, "model.c"), source);
writeFileSync(join(dir, "model.h"), header);
writeFileSync(join(dir, "x.bin"), big);
writeFileSync(
  join(dir, "main.c"),
  `#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "model.h"
int main(int argc, char **argv) {
  size_t rows = (size_t)atol(argv[1]);
  double *x = malloc(rows * MODEL_INPUTS * sizeof *x), *y = malloc(rows * MODEL_OUTPUTS * sizeof *y);
  FILE *f = fopen(argv[2], "rb");
  if (!f || fread(x, sizeof *x, rows * MODEL_INPUTS, f) != rows * MODEL_INPUTS) return 1;
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  model_evaluate(x, y, rows);
  clock_gettime(CLOCK_MONOTONIC, &b);
  double s = 0;
  for (size_t i = 0; i < rows * MODEL_OUTPUTS; i++) s += y[i];
  printf("%.9f %.17g\\n", (double)(b.tv_sec - a.tv_sec) + 1e-9 * (double)(b.tv_nsec - a.tv_nsec), s);
  return 0;
}
`,
);
execFileSync("gcc", ["-std=c99", "-O2", "model.c", "main.c", "-lm", "-o", "main"], { cwd: dir });
const [cSeconds, cSum] = execFileSync(join(dir, "main"), [String(rows), join(dir, "x.bin")], {
  encoding: "utf8",
})
  .trim()
  .split(" ")
  .map(Number);

const matrix = new Matrix(big, rows, m);
// The graph is compiled for each shape on its first call: time the second, as the other two are timed without their load.
await regressor.evaluate(matrix);
const started = performance.now();
const predicted = await regressor.evaluate(matrix);
const jsSeconds = (performance.now() - started) / 1000;
const jsSum = predicted.data.reduce((a, b) => a + b, 0);
const session = await ort.InferenceSession.create(regressor.toOnnx({ dtype: "float64" }));
await session.run({ x: new ort.Tensor("float64", big, [rows, m]) });
const ortStarted = performance.now();
const { y: ortY } = await session.run({ x: new ort.Tensor("float64", big, [rows, m]) });
const ortSeconds = (performance.now() - ortStarted) / 1000;
const ortSum = (ortY.data as Float64Array).reduce((a, b) => a + b, 0);
await session.release();
regressor.delete();
console.log(
  `model: ${model.weights.length} weights, ${model.structure.hidden} hidden neurons; ${rows} rows of ${m} inputs`,
);
console.log(`neureco CPU evaluate: ${jsSeconds.toFixed(3)} s`);
console.log(`ONNX Runtime (CPU):   ${ortSeconds.toFixed(3)} s`);
console.log(`C (gcc -O2):          ${cSeconds.toFixed(3)} s`);
console.log(
  `ratio neureco / ONNX Runtime: ${(jsSeconds / ortSeconds).toFixed(2)}; neureco / C: ${(jsSeconds / cSeconds).toFixed(2)}`,
);
const agree = (a: number) => (Math.abs(a - jsSum) / Math.abs(jsSum)).toExponential(1);
console.log(
  `sums of the predictions agree with neureco's to ${agree(ortSum)} (ONNX Runtime) and ${agree(cSum)} (C) relative`,
);
