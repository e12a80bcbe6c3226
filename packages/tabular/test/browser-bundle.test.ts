import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type BuildResult, build, type Metafile } from "esbuild";
import { describe, expect, it } from "vitest";
import { Regressor as NodeRegressor } from "../src/index.js";
import { sampleInputs, sampleModel } from "./model-fixtures.js";

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const nodeBuiltins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

interface Bundle {
  readonly result: BuildResult<{ metafile: true; write: false }> | null;
  readonly errors: string[];
}

/** Bundles `entry` (a file, or source text resolved from the package folder) for the browser, as a bundler would. */
async function bundleForBrowser(entry: { file: string } | { contents: string }): Promise<Bundle> {
  try {
    const result = await build({
      ...("file" in entry
        ? { entryPoints: [entry.file] }
        : { stdin: { contents: entry.contents, resolveDir: packageDir, loader: "ts" } }),
      bundle: true,
      platform: "browser",
      format: "esm",
      // In-repo sources, as the docs site bundles them; published builds resolve the same "browser" condition.
      conditions: ["@neureco/source"],
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    return { result, errors: [] };
  } catch (error) {
    const errors = (error as { errors?: { text: string }[] }).errors?.map((e) => e.text) ?? [String(error)];
    return { result: null, errors };
  }
}

/** Every import of a Node built-in recorded in the bundle's metafile. */
function builtinImports(metafile: Metafile): string[] {
  return Object.values(metafile.inputs).flatMap((input) =>
    input.imports.filter((i) => nodeBuiltins.has(i.path) || i.path.startsWith("node:")).map((i) => i.path),
  );
}

describe("browser bundle", () => {
  it("the browser entry bundles for the browser without any Node built-in", async () => {
    const { result, errors } = await bundleForBrowser({ file: join(packageDir, "src/browser.ts") });
    expect(errors).toEqual([]);
    expect(builtinImports(result!.metafile)).toEqual([]);
    const inputs = Object.keys(result!.metafile.inputs);
    expect(inputs.some((p) => p.includes("backend-cpu"))).toBe(true);
    expect(inputs.some((p) => p.includes("node-regressor") || p.includes("src/node/"))).toBe(false);
  });

  it("importing @neureco/tabular under the browser condition picks the browser entry", async () => {
    const { result, errors } = await bundleForBrowser({
      contents: 'export { Tabular, Regressor } from "@neureco/tabular";',
    });
    expect(errors).toEqual([]);
    const inputs = Object.keys(result!.metafile.inputs);
    expect(inputs.some((p) => p.endsWith("src/browser.ts"))).toBe(true);
    expect(builtinImports(result!.metafile)).toEqual([]);
  });

  it("the Node entry, by contrast, cannot be bundled for the browser (the check can fail)", async () => {
    const { errors } = await bundleForBrowser({ file: join(packageDir, "src/index.ts") });
    expect(errors.join("\n")).toMatch(/node:fs\/promises|node:crypto|node:path/);
  });

  it("the bundled browser code runs: it reads a model from bytes and evaluates it", async () => {
    const { result } = await bundleForBrowser({ file: join(packageDir, "src/browser.ts") });
    const dir = await mkdtemp(join(tmpdir(), "neureco-bundle-"));
    try {
      const file = join(dir, "browser-bundle.mjs");
      await writeFile(file, result!.outputFiles[0].contents);
      const bundled = await import(/* @vite-ignore */ pathToFileURL(file).href);
      const description = sampleModel(3);
      const reference = NodeRegressor.fromDescription(description);
      const model = bundled.Tabular.Regressor.fromBytes(reference.toBytes());
      expect(typeof model.save).toBe("undefined");
      const x = sampleInputs(description, 4);
      expect((await model.evaluate(x)).toArray()).toEqual((await reference.evaluate(x)).toArray());
      model.delete();
      reference.delete();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
