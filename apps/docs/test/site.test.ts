/**
 * The built site in headless Chromium: every page loads without a console
 * error, and the tutorial's Run button builds a model in the page whose
 * numbers match the same example run here in Node (same module, same data,
 * same seed). On WebGPU (float32) the model's outputs and derivatives are
 * compared with a float32 tolerance; the build itself runs on the CPU in both
 * places and must match closely.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cpu } from "@neureco/backend-cpu";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ExampleName, RunRecord } from "../.vitepress/theme/runner.js";
import { run as classifyPenguins } from "../examples/classify-penguins.js";
import { run as compressBiomass } from "../examples/compress-biomass.js";
import { run as computeGradients } from "../examples/compute-gradients.js";
import { run as gettingStarted } from "../examples/getting-started.js";
import { run as optimizeInputs } from "../examples/optimize-inputs.js";
import { type ExampleResult, parityOf } from "../examples/shared.js";
import { type StaticServer, serveStatic } from "./static-server.js";

const docsRoot = fileURLToPath(new URL("..", import.meta.url));
const artifacts = join(docsRoot, "test-artifacts");
const CHROMIUM_FLAGS = [
  "--enable-unsafe-webgpu",
  "--no-sandbox",
  "--disable-dev-shm-usage",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

let outDir = "";
let server: StaticServer;
let browser: Browser;
let reference: ExampleResult;

/** Builds the site exactly as `pnpm docs:build` does, into a fresh folder. */
function buildSite(): string {
  const dir = mkdtempSync(join(tmpdir(), "neureco-docs-"));
  // The same two steps as the package's docs:build script.
  execFileSync(process.execPath, ["scripts/generate.mjs"], { cwd: docsRoot, stdio: "pipe" });
  execFileSync(join(docsRoot, "node_modules", ".bin", "vitepress"), ["build", "--outDir", dir], {
    cwd: docsRoot,
    stdio: "pipe",
  });
  return dir;
}

beforeAll(async () => {
  rmSync(artifacts, { recursive: true, force: true });
  mkdirSync(artifacts, { recursive: true });
  outDir = buildSite();
  server = await serveStatic(outDir);
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_FLAGS,
  });
  reference = await computeGradients({ backend: cpu(), log: () => {} });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

/** A page that records every console error and uncaught exception. */
async function openPage(path: string, height = 1000): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height } });
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("requestfailed", (request) => problems.push(`request failed: ${request.url()}`));
  page.on("response", (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  const response = await page.goto(`${server.url}${path}`, { waitUntil: "networkidle" });
  expect(response?.status(), path).toBe(200);
  return { page, problems };
}

/** Presses Run on a page's example, waits for it to finish, and keeps screenshots of the result. */
async function runInPage(
  path: string,
  example: ExampleName,
  screenshot: string,
): Promise<{ record: RunRecord; page: Page; problems: string[] }> {
  // Tall enough that the result is in view under the sticky header when screenshotted.
  const { page, problems } = await openPage(path, 2400);
  const root = page.locator(`.run-example[data-example="${example}"]`);
  await root.locator("button.run").click();
  await page.waitForFunction(
    (name) => {
      const status = window.__neurecoRuns?.[name]?.status;
      return status === "done" || status === "error";
    },
    example,
    { timeout: 100_000, polling: 250 },
  );
  const record = await page.evaluate((name) => window.__neurecoRuns?.[name], example);
  await root.screenshot({ path: join(artifacts, `${screenshot}-result.png`) });
  await page.screenshot({ path: join(artifacts, `${screenshot}-page.png`), fullPage: true });
  if (!record) throw new Error("the page recorded no run");
  return { record, page, problems };
}

/** `runInPage` for an example that must finish without an error; its result with the run. */
async function runToResult(path: string, example: ExampleName) {
  const run = await runInPage(path, example, example);
  expect(run.record.error).toBeUndefined();
  expect(run.record.status).toBe("done");
  return { ...run, result: run.record.result as ExampleResult };
}

const runTutorial = (query: string, screenshot: string) =>
  runInPage(`/guide/compute-gradients.html${query}`, "compute-gradients", screenshot);

/** |a − b| ≤ rel·(|b| + spread), element by element; spread is the largest |b| of the array. */
function expectClose(
  actual: readonly number[],
  expected: readonly number[],
  rel: number,
  what: string,
): void {
  expect(actual, what).toHaveLength(expected.length);
  const spread = Math.max(0, ...expected.map(Math.abs));
  actual.forEach((a, i) => {
    const b = expected[i];
    if (!(Math.abs(a - b) <= rel * (Math.abs(b) + spread))) {
      throw new Error(`${what}[${i}]: page ${a}, Node ${b} (tolerance ${rel} relative)`);
    }
  });
}

/**
 * Agreement of two float64 builds in two JavaScript engines. Chromium's V8
 * and Node's differ in the last bit of Math.exp, Math.log and Math.pow
 * (measured over 200,000 arguments), which the build uses to draw initial
 * weights and to weigh the evidence. The same structures are chosen, but
 * the final refit of the tutorial's model (a strong output prior, chosen by
 * cross-validation) converges slowly along a flat valley and stops a little
 * apart in the two engines: training errors agreed to 2e-7 relative,
 * predictions to 1e-6 and input derivatives to 2.5e-5 where measured.
 */
const ENGINE_TOLERANCE = 1e-4;

/** The build ran on the CPU in float64 in both places: the same models, the same errors to ENGINE_TOLERANCE. */
function expectSameBuild(result: ExampleResult): void {
  expect(result.weights).toBe(reference.weights);
  expect(
    result.errorCurve.map(({ modelNumber, weights, phase }) => ({ modelNumber, weights, phase })),
  ).toEqual(reference.errorCurve.map(({ modelNumber, weights, phase }) => ({ modelNumber, weights, phase })));
  expectClose(
    result.errorCurve.map((p) => p.trainingError),
    reference.errorCurve.map((p) => p.trainingError),
    ENGINE_TOLERANCE,
    "trainingError",
  );
  expect(parityOf(result).measured).toEqual(parityOf(reference).measured);
  expect(result.inputNames).toEqual(reference.inputNames);
}

async function expectRendered(page: Page, record: RunRecord): Promise<void> {
  const root = page.locator('.run-example[data-example="compute-gradients"]');
  await expect.poll(() => root.getAttribute("data-status")).toBe("done");
  expect(await root.locator(".parity circle").count()).toBe(parityOf(reference).measured.length);
  expect(await root.locator(".error-curve polyline.train").getAttribute("points")).toMatch(/\d/);
  expect(await root.locator("table.derivatives tbody tr").count()).toBe(reference.derivatives.dx.length);
  const log = (await root.locator("pre.log").textContent()) ?? "";
  expect(log).toContain(`weights: (${reference.weights}, 1)`);
  expect(log).toContain("reloaded model has the new weights: true");
  expect(record.status).toBe("done");
}

describe("documentation site in Chromium", () => {
  it("runs the tutorial on the CPU and matches Node", async () => {
    const { record, page, problems } = await runTutorial("?backend=cpu", "compute-gradients-cpu");
    expect(record.error).toBeUndefined();
    expect(record.backend).toBe("cpu");
    const result = record.result as ExampleResult;
    await expectRendered(page, record);
    expectSameBuild(result);
    // float64 in both engines: the same numbers to ENGINE_TOLERANCE.
    expectClose(parityOf(result).predicted, parityOf(reference).predicted, ENGINE_TOLERANCE, "predicted");
    expectClose(result.derivatives.dy, reference.derivatives.dy, ENGINE_TOLERANCE, "dy");
    expectClose(result.derivatives.dw, reference.derivatives.dw, ENGINE_TOLERANCE, "dw");
    expectClose(result.derivatives.dx.flat(), reference.derivatives.dx.flat(), ENGINE_TOLERANCE, "dx");
    expect(problems).toEqual([]);
    await page.close();
  });

  it("runs the tutorial on WebGPU when the browser has an adapter, and matches Node within float32", async () => {
    const { record, page, problems } = await runTutorial("", "compute-gradients-webgpu");
    expect(record.error).toBeUndefined();
    expect(record.backend).toBe("webgpu");
    const result = record.result as ExampleResult;
    await expectRendered(page, record);
    expectSameBuild(result);
    expect(result.backend).toBe("webgpu");
    // float32 on the GPU against float64 here.
    expectClose(parityOf(result).predicted, parityOf(reference).predicted, 1e-4, "predicted");
    expectClose(result.derivatives.dy, reference.derivatives.dy, 1e-3, "dy");
    expectClose(result.derivatives.dw, reference.derivatives.dw, 1e-3, "dw");
    expectClose(result.derivatives.dx.flat(), reference.derivatives.dx.flat(), 1e-3, "dx");
    const dot = result.derivatives.dotProduct;
    expect(dot).toBeDefined();
    if (dot)
      expect(Math.abs(dot.forward - dot.reverse)).toBeLessThan(1e-4 * Math.max(1, Math.abs(dot.forward)));
    expect(problems).toEqual([]);
    await page.close();
  });

  it("runs the getting-started example in the page", async () => {
    const expected = await gettingStarted({ backend: cpu(), log: () => {} });
    const { record, page, problems, result } = await runToResult(
      "/guide/getting-started.html",
      "getting-started",
    );
    expect(result.backend).toBe(record.backend);
    expect(result.weights).toBe(expected.weights);
    expect(result.errorCurve.map((p) => p.weights)).toEqual(expected.errorCurve.map((p) => p.weights));
    const rel = result.backend === "webgpu" ? 1e-4 : 1e-9;
    expectClose(parityOf(result).predicted, parityOf(expected).predicted, rel, "predicted");
    expectClose(result.derivatives.dx.flat(), expected.derivatives.dx.flat(), rel * 10, "dx");
    expect(await page.locator(".run-example .parity circle").count()).toBe(
      parityOf(expected).measured.length,
    );
    expect(problems).toEqual([]);
    await page.close();
  });

  it("runs the classifier example in the page: the model Node builds, its confusion table shown", async () => {
    const expected = await classifyPenguins({ backend: cpu(), log: () => {} });
    const { page, problems, result } = await runToResult("/guide/classify.html", "classify-penguins");
    expect(result.weights).toBe(expected.weights);
    expect(result.classification?.confusion).toEqual(expected.classification?.confusion);
    const rel = result.backend === "webgpu" ? 1e-4 : 1e-9;
    expectClose(result.derivatives.dx.flat(), expected.derivatives.dx.flat(), rel * 10, "dx");
    const classes = expected.classification?.classes ?? [];
    expect(await page.locator(".run-example table.confusion tbody tr").count()).toBe(classes.length);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("runs the compressor example in the page: the model Node builds, its reconstruction table shown", async () => {
    const expected = await compressBiomass({ backend: cpu(), log: () => {} });
    const { page, problems, result } = await runToResult("/guide/compress.html", "compress-biomass");
    expect(result.weights).toBe(expected.weights);
    expect(result.compression?.codeSize).toBe(expected.compression?.codeSize);
    // The build runs on the CPU in both places; the engines' last bits of tanh and exp move it slightly.
    const rel = result.backend === "webgpu" ? 1e-4 : ENGINE_TOLERANCE;
    expectClose(result.compression?.rmse ?? [], expected.compression?.rmse ?? [], rel, "rmse");
    expectClose(result.derivatives.dx.flat(), expected.derivatives.dx.flat(), rel, "dx");
    expect(await page.locator(".run-example table.reconstruction td").count()).toBe(5);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("runs the optimisation example in the page, to the optimum Node finds", async () => {
    const expected = await optimizeInputs({ backend: cpu(), log: () => {} });
    const { page, problems, result } = await runToResult(
      "/guide/optimize.html?backend=cpu",
      "optimize-inputs",
    );
    expect(result.weights).toBe(expected.weights);
    // The engines round Math.exp differently in the last bit, which moves the build by ~1e-6 (see ENGINE_TOLERANCE).
    expectClose([result.optimum?.y ?? Number.NaN], [expected.optimum?.y ?? 0], ENGINE_TOLERANCE, "optimum");
    expectClose(
      [...(result.optimum?.x ?? [])],
      [...(expected.optimum?.x ?? [])],
      ENGINE_TOLERANCE,
      "optimum x",
    );
    expect(problems).toEqual([]);
    await page.close();
  });

  it("serves every page without a console error, with the generated references in place", async () => {
    const pages: [string, string][] = [
      ["/", "neureco"],
      ["/guide/getting-started.html", "Getting started"],
      ["/guide/compute-gradients.html", "Tutorial: compute gradients"],
      ["/guide/optimize.html", "Optimise through a model"],
      ["/guide/backends.html", "Choosing a backend"],
      ["/concepts/builder.html", "How the builder works"],
      ["/concepts/normalization.html", "Normalisation"],
      ["/concepts/derivatives.html", "Derivatives"],
      ["/reference/cli.html", "neureco build"],
      ["/reference/formats.html", "Layout (container version 1)"],
      ["/api/", "@neureco/tabular"],
    ];
    for (const [path, text] of pages) {
      const { page, problems } = await openPage(path);
      expect(await page.locator("main, .VPHome").first().textContent(), path).toContain(text);
      expect(problems, path).toEqual([]);
      await page.close();
    }
    // The format reference is the contributors' spec itself, included at build time.
    const spec = readFileSync(join(docsRoot, "..", "..", "docs", "ednn-format.md"), "utf8");
    const heading = /^## (.+)$/m.exec(spec)?.[1];
    expect(heading).toBeDefined();
    const { page } = await openPage("/reference/formats.html");
    expect(await page.locator("main").textContent()).toContain(heading?.replaceAll("`", ""));
    await page.close();
  });
});
