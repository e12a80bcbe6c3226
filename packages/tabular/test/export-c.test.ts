/**
 * `toC()`: the generated C99 file is compiled with the system C compiler
 * (gcc; `.ci/run` installs it) with every warning an error, run on sampled
 * rows, and compared with `evaluate` and with `gradient`'s dx: 1e-12
 * relative, on fixture models with links that skip levels, random networks
 * and a built model.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { seededRandom } from "@neureco/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildModel } from "../src/builder/index.js";
import { Classifier } from "../src/classifier/classifier.js";
import { Compressor } from "../src/compressor/compressor.js";
import type { CExport } from "../src/export/c-source.js";
import type { ModelDescription } from "../src/model/description.js";
import { Regressor } from "../src/regressor/regressor.js";
import { sampleFunction } from "./builder-helpers.js";
import {
  randomStructure,
  STRUCTURE,
  sampleClassifier,
  sampleCompressor,
  sampleInputs,
  sampleModel,
  uniform,
} from "./model-fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "neureco-c-"));

const driver = (name: string) => `#include <stdio.h>
#include <stdlib.h>
#include "${name}.h"
int main(void) {
  size_t rows;
  if (scanf("%zu", &rows) != 1) return 1;
  size_t m = ${name.toUpperCase()}_INPUTS, k = ${name.toUpperCase()}_OUTPUTS;
  double *x = malloc(rows * m * sizeof *x), *dy = malloc(rows * k * sizeof *dy);
  double *y = malloc(rows * k * sizeof *y), *dx = malloc(rows * m * sizeof *dx);
  for (size_t i = 0; i < rows * m; i++) if (scanf("%lf", &x[i]) != 1) return 1;
  for (size_t i = 0; i < rows * k; i++) if (scanf("%lf", &dy[i]) != 1) return 1;
  ${name}_evaluate(x, y, rows);
  ${name}_input_gradient(x, dy, dx, rows);
  for (size_t i = 0; i < rows * k; i++) printf("%.17g\\n", y[i]);
  for (size_t i = 0; i < rows * m; i++) printf("%.17g\\n", dx[i]);
  return 0;
}
`;

/** Compiles `model` as C under `name`, runs it on x and dy, returns y and dx as the C file computes them. */
function runC(
  model: ModelDescription,
  name: string,
  x: number[][],
  dy: number[][],
): { y: number[]; dx: number[] } {
  const regressor = new Regressor();
  try {
    regressor.setModel(model);
    return runExport(regressor.toC({ name }), x, dy, model.structure.outputs);
  } finally {
    regressor.delete();
  }
}

/** Compiles an exported C file and header, runs them on x and dy (k columns), returns y and dx as they compute them. */
function runExport(
  exported: CExport,
  x: number[][],
  dy: number[][],
  k: number,
): { y: number[]; dx: number[] } {
  const { name, source, header } = exported;
  writeFileSync(join(dir, `${name}.c`), source);
  writeFileSync(join(dir, `${name}.h`), header);
  writeFileSync(join(dir, `${name}-driver.c`), driver(name));
  const binary = join(dir, name);
  execFileSync(
    "gcc",
    [
      "-std=c99",
      "-O2",
      "-Wall",
      "-Wextra",
      "-Wpedantic",
      "-Werror",
      `${name}.c`,
      `${name}-driver.c`,
      "-lm",
      "-o",
      binary,
    ],
    { cwd: dir },
  );
  const input = [String(x.length), ...x.flat().map(String), ...dy.flat().map(String)].join("\n");
  const out = execFileSync(binary, { input, encoding: "utf8" }).trim().split("\n").map(Number);
  return { y: out.slice(0, x.length * k), dx: out.slice(x.length * k) };
}

function expectClose(actual: readonly number[], expected: readonly number[], what: string): void {
  expect(actual, what).toHaveLength(expected.length);
  let scale = 0;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  actual.forEach((a, i) => {
    if (!(Math.abs(a - expected[i]) <= 1e-12 * Math.max(scale, 1e-300)))
      throw new Error(`${what}[${i}]: C ${a}, library ${expected[i]} (scale ${scale})`);
  });
}

/** The C file against the library on `rows` sampled rows of `model`. */
async function compare(model: ModelDescription, name: string, x: number[][], seed: number): Promise<void> {
  const r = seededRandom(seed);
  const dy = x.map(() => uniform(r, model.structure.outputs, -2, 2));
  const c = runC(model, name, x, dy);
  const regressor = new Regressor();
  try {
    regressor.setModel(model);
    const y = await regressor.evaluate(x);
    const { dx } = await regressor.gradient({ w: regressor.getWeights(), x, py: dy });
    expectClose(c.y, Array.from(y.data), `${name} y`);
    expectClose(c.dx, Array.from(dx.data), `${name} dx`);
  } finally {
    regressor.delete();
  }
}

describe("toC", () => {
  it("computes evaluate and gradient's dx on a model whose links skip levels (input 1 disconnected)", async () => {
    const model = sampleModel(3, STRUCTURE);
    await compare(model, "fixture", sampleInputs(model, 40), 1);
  });

  it("matches on random networks (hidden → hidden links, 1–3 outputs, no hidden neuron)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 1e6 }),
        async (m, h, k, seed) => {
          const model = sampleModel(seed, randomStructure(m, h, k, seed));
          await compare(model, `random_${m}_${h}_${k}`, sampleInputs(model, 8, seed), seed);
        },
      ),
      { seed: 17, numRuns: 12 },
    );
  });

  it("matches a built model, and refuses a name that is not a C identifier", async () => {
    const { x, y } = sampleFunction(80, 3, (v) => [Math.tanh(v[0] - v[1]) + 0.5 * v[2] * v[0]], 4);
    const { model } = await buildModel({ x, y }, { seed: 1 });
    const rows = Array.from({ length: 20 }, (_, i) => Array.from(x.data.subarray(i * 3, i * 3 + 3)));
    await compare(model, "built", rows, 2);
    const regressor = new Regressor();
    try {
      regressor.setModel(model);
      expect(() => regressor.toC({ name: "2fast" })).toThrow(/"2fast" is not a C identifier/);
      const { source } = regressor.toC();
      expect(source).toContain("void neureco_model_evaluate(const double *x, double *y, size_t rows)");
    } finally {
      regressor.delete();
    }
  });

  it("exports a classifier: its probabilities, and dx of ⟨dy, p⟩ through the softmax", async () => {
    for (const classes of [2, 4]) {
      const base = sampleClassifier(classes + 40, classes);
      const classifier = Classifier.fromDescription(base);
      const x = sampleInputs(base, 12, classes);
      const r = seededRandom(classes);
      const dy = x.map(() => uniform(r, classes, -2, 2));
      const c = runExport(classifier.toC({ name: `classifier_${classes}` }), x, dy, classes);
      const p = await classifier.predictProba(x);
      const { dx } = await classifier.gradient({ w: classifier.getWeights(), x, py: dy });
      expectClose(c.y, Array.from(p.data), `classifier ${classes} p`);
      expectClose(c.dx, Array.from(dx.data), `classifier ${classes} dx`);
      classifier.delete();
    }
  });

  it("exports a compressor as two files: compress and decompress, each with its input gradient", async () => {
    const shape = { columns: 4, code: 2, hidden: 3 };
    const base = sampleCompressor(shape, 51);
    const r = seededRandom(52);
    const compressor = Compressor.fromDescription(base);
    const exported = compressor.toC({ name: "squeeze" });
    expect(exported.compress.name).toBe("squeeze_compress");
    const x = sampleInputs(base, 10, 53);
    const codes = x.map(() => uniform(r, 2, -2, 2));
    const w = compressor.getWeights();
    const dCodes = x.map(() => uniform(r, 2, -2, 2));
    const dRows = x.map(() => uniform(r, 4, -2, 2));
    const c = runExport(exported.compress, x, dCodes, 2);
    expectClose(c.y, Array.from((await compressor.compress(x)).data), "compress y");
    const g = await compressor.gradient({ w, x, py: dCodes, map: "compress" });
    expectClose(c.dx, Array.from(g.dx.data), "compress dx");
    const d = runExport(exported.decompress, codes, dRows, 4);
    expectClose(d.y, Array.from((await compressor.decompress(codes)).data), "decompress y");
    const h = await compressor.gradient({ w, x: codes, py: dRows, map: "decompress" });
    expectClose(d.dx, Array.from(h.dx.data), "decompress dx");
    compressor.delete();
  });
});
