/**
 * An exported ONNX model in the browser: a page loads `onnxruntime-web` (its
 * WebAssembly build, one thread) and the file `toOnnx` wrote, runs it in
 * headless Chromium on rows of the bundled data, and its outputs are
 * compared with `evaluate` in Node (float64: 1e-12 relative; float32: 1e-5).
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Regressor, readCsv } from "@neureco/tabular";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StaticServer, serveStatic } from "./static-server.js";

const here = dirname(fileURLToPath(import.meta.url));
const data = join(here, "../../../datasets/biomass");
// The package exports no path to its files; the app's own node_modules holds it (a devDependency).
const ortDist = join(here, "../node_modules/onnxruntime-web");

let dir: string;
let server: StaticServer;
let browser: Browser;
let regressor: Regressor;
let rows: number[][];

const PAGE = `<!doctype html>
<script type="module">
  import * as ort from "./ort.wasm.min.mjs";
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = "./";
  const { rows, dtype } = await (await fetch("./rows.json")).json();
  try {
    const bytes = new Uint8Array(await (await fetch("./model-" + dtype + ".onnx")).arrayBuffer());
    const session = await ort.InferenceSession.create(bytes);
    const Data = dtype === "float64" ? Float64Array : Float32Array;
    const x = new ort.Tensor(dtype, Data.from(rows.flat()), [rows.length, rows[0].length]);
    const { y } = await session.run({ x });
    window.__result = { y: Array.from(y.data), dims: y.dims };
  } catch (error) {
    window.__result = { error: String(error) };
  }
</script>`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "neureco-onnx-web-"));
  for (const file of ["ort.wasm.min.mjs", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm"])
    copyFileSync(join(ortDist, "dist", file), join(dir, file));
  const x = await readCsv(join(data, "x_train.csv"));
  const y = await readCsv(join(data, "y_train.csv"));
  regressor = new Regressor();
  await regressor.build({
    inputData: x.matrix,
    outputData: y.matrix,
    inputNames: x.columns,
    outputNames: y.columns,
    seed: 1,
  });
  rows = (await readCsv(join(data, "x_test.csv"))).matrix.toArray();
  server = await serveStatic(dir);
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox"],
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  regressor?.delete();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("an exported ONNX model in the browser (onnxruntime-web)", () => {
  it.each([
    ["float64", 1e-12],
    ["float32", 1e-5],
  ] as const)("runs the %s export to evaluate's predictions", async (dtype, tolerance) => {
    writeFileSync(join(dir, `model-${dtype}.onnx`), regressor.toOnnx({ dtype }));
    writeFileSync(join(dir, "rows.json"), JSON.stringify({ rows, dtype }));
    writeFileSync(join(dir, "index.html"), PAGE);
    const page = await browser.newPage();
    try {
      await page.goto(`${server.url}/index.html`);
      await page.waitForFunction(() => (window as { __result?: unknown }).__result !== undefined, undefined, {
        timeout: 60_000,
      });
      const result = (await page.evaluate(() => (window as { __result?: unknown }).__result)) as {
        y?: number[];
        dims?: number[];
        error?: string;
      };
      expect(result.error).toBeUndefined();
      expect(result.dims).toEqual([rows.length, 1]);
      const expected = Array.from((await regressor.evaluate(rows)).data);
      const scale = Math.max(...expected.map(Math.abs));
      result.y?.forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThanOrEqual(tolerance * scale));
      expect(result.y).toHaveLength(expected.length);
    } finally {
      await page.close();
    }
  });
});
