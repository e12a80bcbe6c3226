/**
 * `neureco export --format c`: the C file and header it writes compile with
 * the system C compiler (gcc; `.ci/run` installs it), every warning an
 * error, and compute the model's predictions to 1e-12 relative.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Regressor, readCsv } from "@neureco/tabular";
import { beforeAll, describe, expect, it } from "vitest";
import { writeFixtureModel } from "./fixture-model.js";
import { assertBuilt, hasStackTrace, neureco, workspace } from "./helpers.js";

let dir: string;

beforeAll(async () => {
  assertBuilt();
  dir = workspace();
  await writeFixtureModel(dir);
});

describe("export", () => {
  it("--format c writes a C99 file and header named after --out that compute evaluate's predictions", async () => {
    const r = await neureco(["export", "--model", "fixture", "--format", "c", "--out", "energy-model"], dir);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      "wrote energy-model.c and energy-model.h: energy_model_evaluate and energy_model_input_gradient (C99, needs only math.h)\n",
    );
    expect(readFileSync(join(dir, "energy-model.c"), "utf8")).toContain('#include "energy-model.h"');
    const x = (await readCsv(join(dir, "x_test.csv"))).matrix;
    const [n, m] = x.shape;
    writeFileSync(
      join(dir, "main.c"),
      `#include <stdio.h>
#include "energy-model.h"
int main(void) {
  static double x[${n * m}], y[${n}];
  for (int i = 0; i < ${n * m}; i++) if (scanf("%lf", &x[i]) != 1) return 1;
  energy_model_evaluate(x, y, ${n});
  for (int i = 0; i < ${n}; i++) printf("%.17g\\n", y[i]);
  return 0;
}
`,
    );
    expect(existsSync(join(dir, "energy-model.h"))).toBe(true);
    execFileSync(
      "gcc",
      [
        "-std=c99",
        "-Wall",
        "-Wextra",
        "-Wpedantic",
        "-Werror",
        "energy-model.c",
        "main.c",
        "-lm",
        "-o",
        "main",
      ],
      { cwd: dir },
    );
    const out = execFileSync(join(dir, "main"), { input: Array.from(x.data).join("\n"), encoding: "utf8" });
    const regressor = new Regressor();
    try {
      await regressor.load(join(dir, "fixture.ednn"));
      const expected = Array.from((await regressor.evaluate(x)).data);
      const got = out.trim().split("\n").map(Number);
      const scale = Math.max(...expected.map(Math.abs));
      got.forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThanOrEqual(1e-12 * scale));
    } finally {
      regressor.delete();
    }
  });

  it("--format onnx writes a graph that ONNX Runtime runs to evaluate's predictions; --dtype float64 to 1e-12", async () => {
    const ort = await import("onnxruntime-node");
    const x = (await readCsv(join(dir, "x_test.csv"))).matrix;
    const regressor = new Regressor();
    try {
      await regressor.load(join(dir, "fixture.ednn"));
      const expected = Array.from((await regressor.evaluate(x)).data);
      const scale = Math.max(...expected.map(Math.abs));
      for (const [dtype, tolerance] of [
        ["float64", 1e-12],
        ["float32", 1e-5],
      ] as const) {
        const r = await neureco(
          ["export", "--model", "fixture", "--format", "onnx", "--dtype", dtype, "--out", `m-${dtype}`],
          dir,
        );
        expect(r.code).toBe(0);
        expect(r.stdout).toBe(
          `wrote m-${dtype}.onnx: input x, output y (${dtype}, a dynamic batch dimension)\n`,
        );
        const session = await ort.InferenceSession.create(readFileSync(join(dir, `m-${dtype}.onnx`)));
        const data = dtype === "float64" ? Float64Array.from(x.data) : Float32Array.from(x.data);
        const { y } = await session.run({ x: new ort.Tensor(dtype, data, [...x.shape]) });
        Array.from(y.data as Float64Array | Float32Array).forEach((v, i) =>
          expect(Math.abs(v - expected[i])).toBeLessThanOrEqual(tolerance * scale),
        );
        await session.release();
      }
    } finally {
      regressor.delete();
    }
  });

  it("refuses a format it does not write, and --dtype with C, in one line", async () => {
    const r = await neureco(["export", "--model", "fixture", "--format", "pmml", "--out", "m"], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^error: option '--format <format>' argument 'pmml' is invalid\. Allowed choices are c, onnx\.$/m,
    );
    expect(hasStackTrace(r.stderr)).toBe(false);
    const c = await neureco(
      ["export", "--model", "fixture", "--format", "c", "--dtype", "float32", "--out", "m"],
      dir,
    );
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/^error: --dtype applies to --format onnx only/m);
  });
});
