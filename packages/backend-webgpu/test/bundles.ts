import { fileURLToPath } from "node:url";
import { build, type Metafile } from "esbuild";

export const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
/** Build outputs of the tests (git-ignored). */
export const ARTIFACTS_DIR = fileURLToPath(new URL("../test-artifacts/", import.meta.url));

/**
 * Bundles `entry` (relative to the package) the way an application would,
 * resolving in-repo packages to their TypeScript sources.
 */
export async function bundle(
  entry: string,
  outfile: string,
  platform: "browser" | "node",
): Promise<Metafile> {
  const result = await build({
    entryPoints: [new URL(`../${entry}`, import.meta.url).pathname],
    outfile,
    bundle: true,
    format: "esm",
    platform,
    target: "es2022",
    conditions: ["@neureco/source"],
    metafile: true,
    logLevel: "silent",
  });
  return result.metafile;
}
