import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { REFERENCE, type RefValue } from "@neureco/core/testing";
import type { Metafile } from "esbuild";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SmokeInputs } from "./browser/smoke-api.js";
import { ARTIFACTS_DIR, bundle } from "./bundles.js";
import { maxAbsDiff, randomValues } from "./helpers.js";

// Flags from the project's notes on WebGPU without a GPU: Chromium exposes a
// SwiftShader adapter only with --enable-unsafe-webgpu.
const CHROMIUM_ARGS = [
  "--enable-unsafe-webgpu",
  "--no-sandbox",
  "--disable-dev-shm-usage",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const PAGE = `<!doctype html><meta charset="utf-8"><title>neureco webgpu smoke</title>
<link rel="icon" href="data:,">
<script type="module" src="smoke.js"></script>`;

const dir = join(ARTIFACTS_DIR, "browser");

function serve(files: ReadonlyMap<string, { body: string; type: string }>): Promise<Server> {
  const server = createServer((request, response) => {
    const file = files.get(request.url ?? "");
    if (!file) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { "content-type": file.type }).end(file.body);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

describe("headless Chromium (navigator.gpu)", () => {
  let metafile: Metafile;
  let server: Server;
  let browser: Browser;

  beforeAll(async () => {
    metafile = await bundle("test/browser/smoke-entry.ts", join(dir, "smoke.js"), "browser");
    const script = await readFile(join(dir, "smoke.js"), "utf8");
    server = await serve(
      new Map([
        ["/", { body: PAGE, type: "text/html" }],
        ["/smoke.js", { body: script, type: "text/javascript" }],
      ]),
    );
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  });

  it("bundles for the browser without Dawn or Node built-ins", () => {
    const inputs = Object.keys(metafile.inputs);
    expect(inputs.some((path) => path.includes("src/index.ts"))).toBe(true);
    expect(inputs.filter((path) => /node_modules\/webgpu\/|^node:/.test(path))).toEqual([]);
    const imports = Object.values(metafile.outputs).flatMap((output) => output.imports.map((i) => i.path));
    expect(imports).toEqual([]);
  });

  it("runs matmul, tanh and sum on the page's adapter and matches a JS reference", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
    page.on("pageerror", (error) => errors.push(error.message));
    const { port } = server.address() as AddressInfo;
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => typeof window.runSmoke === "function");

    const inputs: SmokeInputs = {
      a: Array.from(randomValues(40 * 20, 1)),
      aShape: [40, 20],
      b: Array.from(randomValues(20 * 17, 2)),
      bShape: [20, 17],
    };
    const result = await page.evaluate((args) => window.runSmoke(args), inputs);

    const value = (data: number[], shape: number[]): RefValue => ({ data: Float64Array.from(data), shape });
    const product = REFERENCE.matmul([value(inputs.a, inputs.aShape), value(inputs.b, inputs.bShape)], {});
    const squashed = REFERENCE.tanh([product], {});
    expect(result.adapter).not.toBe("");
    expect(maxAbsDiff(result.matmul, product.data)).toBeLessThan(1e-4);
    expect(maxAbsDiff(result.tanh, squashed.data)).toBeLessThan(1e-4);
    expect(maxAbsDiff(result.sum, REFERENCE.sum([squashed], { axes: [0] }).data)).toBeLessThan(1e-3);
    expect(errors).toEqual([]);
    await page.close();
  });
});
