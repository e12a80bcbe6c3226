import { execFile } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { ARTIFACTS_DIR, bundle, PACKAGE_DIR } from "./bundles.js";

const run = promisify(execFile);

describe("a machine without a usable Vulkan driver", () => {
  const bundled = join(ARTIFACTS_DIR, "node", "index.js");
  beforeAll(async () => {
    await bundle("src/index.ts", bundled, "node");
  });

  it("gets a WebGpuUnavailableError that says why and how to use the CPU backend", async () => {
    // A fresh process, so Dawn's Vulkan loader sees only the ICD given here.
    const script = `
      const { webgpu } = await import(${JSON.stringify(pathToFileURL(bundled).href)});
      try { await webgpu(); console.log("no error"); }
      catch (error) { console.log(JSON.stringify({ name: error.name, message: error.message })); }`;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], {
      cwd: PACKAGE_DIR,
      env: { ...process.env, VK_ICD_FILENAMES: "/nonexistent/no_icd.json" },
    });
    const { name, message } = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}");
    expect(name).toBe("WebGpuUnavailableError");
    expect(message).toMatch(/^WebGPU is unavailable/);
    expect(message).toMatch(/Vulkan driver/);
    expect(message).toMatch(/VK_ICD_FILENAMES/);
    expect(message).toContain('import { cpu } from "@neureco/backend-cpu"');
    expect(message).toContain("new Tabular.Regressor({ backend: cpu() })");
  });
});
