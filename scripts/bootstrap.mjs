// Shared set-up for the root entry points (`npm test`, `npm run demo`): on a
// machine with only Node and npm, install the workspace with the pinned pnpm,
// then build every package with turbo. No dependencies beyond Node.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const PNPM_VERSION = "10.34.9";
export const repoRoot = dirname(dirname(fileURLToPath(import.meta.url)));
const binDir = join(repoRoot, "node_modules", ".bin");

// Children see the workspace's own binaries first; turbo needs `pnpm` on PATH.
const childEnv = {
  ...process.env,
  PATH: `${binDir}${delimiter}${process.env.PATH ?? ""}`,
  TURBO_TELEMETRY_DISABLED: "1",
};

/** Runs a command in the repository root with inherited output; returns its exit code. */
export function run(command, args, options = {}) {
  const result = spawnSync(command, args, {
    cwd: repoRoot,
    env: childEnv,
    stdio: "inherit",
    // npx and the .bin shims are .cmd files on Windows and need a shell there.
    shell: process.platform === "win32",
    ...options,
  });
  if (result.error) {
    console.error(`Could not start ${command}: ${result.error.message}`);
    return 1;
  }
  return result.status ?? 1;
}

/** Installs the workspace when node_modules is missing (a fresh clone); returns the exit code. */
export function ensureInstalled() {
  if (existsSync(join(repoRoot, "node_modules", ".modules.yaml"))) return 0;
  console.log(`node_modules is missing: installing with pnpm ${PNPM_VERSION}...`);
  return reportFailure(
    "pnpm install",
    run("npx", ["-y", `pnpm@${PNPM_VERSION}`, "install", "--frozen-lockfile"]),
  );
}

/** Builds every package (tsup, ESM + declarations) through turbo; returns the exit code. */
export function buildAll() {
  return reportFailure("turbo run build", run("turbo", ["run", "build"]));
}

function reportFailure(what, code) {
  if (code !== 0) console.error(`\n${what} failed (exit code ${code}).`);
  return code;
}
