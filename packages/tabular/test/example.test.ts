import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { Regressor } from "../src/index.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const example = join(repoRoot, "examples/compute-gradients/run.mjs");
// tsx and the in-repo condition let the example run on the TypeScript sources, without a build.
// A full build of the biomass model: seconds on a laptop, more on a loaded CI machine.
const BUILD_TIMEOUT_MS = 300_000;
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

describe("examples/compute-gradients", () => {
  it(
    "runs the tutorial end to end and its files hold what it printed",
    async () => {
      const cwd = await mkdtemp(join(tmpdir(), "neureco-example-"));
      try {
        const { stdout } = await promisify(execFile)(
          process.execPath,
          ["--conditions=@neureco/source", "--import", tsxLoader, example],
          {
            cwd,
            timeout: BUILD_TIMEOUT_MS,
          },
        );
        const line = (step: string) => {
          const found = stdout.split("\n").find((l) => l.startsWith(step));
          if (!found) throw new Error(`no line "${step}" in the example's output:\n${stdout}`);
          return found;
        };
        expect(line("1.")).toBe(
          "1. data: x_train (456, 5), y_train (456, 1), x_test (80, 5), y_test (80, 1)",
        );
        const p = Number(/(\d+) weights/.exec(line("2."))?.[1]);
        expect(p).toBeGreaterThan(0);
        expect(line("4.")).toBe(`4. weights: shape (${p}, 1)`);
        expect(line("5.")).toMatch(/^5\. forwardDerivative: dy shape \(80, 1\)/);
        expect(line("6.")).toBe(`6. gradient: dw shape (${p}, 1), dx shape (80, 5)`);
        const relative = Number(/relative difference (\S+)/.exec(line("   dot-product check"))?.[1]);
        expect(relative).toBeLessThan(1e-10);
        expect(line("7.")).toMatch(/reloaded weights equal the new weights: true$/);
        // HHV spans about 10–30 MJ/kg; a useful model is off by far less than its spread.
        const rmse = Number(/test RMSE (\S+)/.exec(line("3."))?.[1]);
        expect(rmse).toBeGreaterThan(0);
        expect(rmse).toBeLessThan(3);

        const dir = join(cwd, "EnergyConsumptionModel");
        expect((await readdir(dir)).sort()).toEqual([
          "EnergyConsumption.checkpoint",
          "EnergyConsumption.ednn",
          "EnergyConsumption_NewWeights.ednn",
        ]);
        const original = new Regressor();
        await original.load(join(dir, "EnergyConsumption"));
        const moved = new Regressor();
        await moved.load(join(dir, "EnergyConsumption_NewWeights"));
        expect(original.info()).toEqual(moved.info());
        expect(original.info().inputNames).toEqual(["carbon", "hydrogen", "oxygen", "nitrogen", "sulfur"]);
        expect(original.getWeights().shape).toEqual([p, 1]);
        expect(moved.getWeights().toArray()).not.toEqual(original.getWeights().toArray());
        original.delete();
        moved.delete();
      } finally {
        await rm(cwd, { recursive: true, force: true });
      }
    },
    BUILD_TIMEOUT_MS + 30_000,
  );
});
