/** Runs the built `neureco` binary as a child process on files in a temporary folder. */
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseCsv } from "@neureco/tabular";

const here = dirname(fileURLToPath(import.meta.url));
export const CLI = join(here, "..", "dist", "cli.js");
const DATA = join(here, "data");

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function assertBuilt(): void {
  if (!existsSync(CLI))
    throw new Error(`${CLI} is missing: build first (pnpm build, or pnpm test at the repository root)`);
}

/**
 * Runs `node dist/cli.js ...args` in `cwd`; `onStderr` sees stderr as it
 * arrives (with the child, to signal it), `onSpawn` the child as it starts.
 */
export function neureco(
  args: readonly string[],
  cwd: string,
  onStderr?: (text: string, child: ReturnType<typeof spawn>) => void,
  env: NodeJS.ProcessEnv = process.env,
  onSpawn?: (child: ReturnType<typeof spawn>) => void,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    onSpawn?.(child);
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => {
      stdout += s;
    });
    child.stderr.setEncoding("utf8").on("data", (s: string) => {
      stderr += s;
      onStderr?.(stderr, child);
    });
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** A fresh temporary folder holding copies of the biomass CSV files. */
export function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), "neureco-cli-"));
  for (const name of ["x_train.csv", "y_train.csv", "x_test.csv", "y_test.csv"])
    copyFileSync(join(DATA, name), join(dir, name));
  return dir;
}

/** The first `rows` data rows of a CSV file (with its header) written to `to`. */
export function headOf(from: string, to: string, rows: number): void {
  const lines = readFileSync(from, "utf8").trimEnd().split("\n");
  writeFileSync(to, `${lines.slice(0, rows + 1).join("\n")}\n`);
}

/** A CSV file read back as numbers and column names. */
export function readTable(path: string): { columns: string[]; rows: number[][] } {
  const table = parseCsv(readFileSync(path, "utf8"), { source: path });
  return { columns: table.columns, rows: table.matrix.toArray() };
}

export function readCsvText(text: string): { columns: string[]; rows: number[][] } {
  const table = parseCsv(text, { source: "stdout" });
  return { columns: table.columns, rows: table.matrix.toArray() };
}

/** Writes rows as a `;`-separated CSV with a header. */
export function writeTable(
  path: string,
  columns: readonly string[],
  rows: readonly (readonly number[])[],
): void {
  writeFileSync(path, `${[columns.join(";"), ...rows.map((r) => r.join(";"))].join("\n")}\n`);
}

/** Whether the text holds a JavaScript stack frame: a line like "    at fn (file.js:12:5)". */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .*\.[cm]?[jt]s:\d+:\d+\)?$/m.test(text);
}

/**
 * Equal up to rounding: the binary runs the built library, the test its
 * sources, and the two may round a sum in a different order.
 */
export function expectClose(
  actual: readonly (readonly number[])[],
  expected: readonly (readonly number[])[],
): void {
  if (actual.length !== expected.length)
    throw new Error(`expected ${expected.length} rows, got ${actual.length}`);
  actual.forEach((row, i) => {
    if (row.length !== expected[i].length)
      throw new Error(`row ${i}: expected ${expected[i].length} values, got ${row.length}`);
    row.forEach((v, j) => {
      const want = expected[i][j];
      if (!(Math.abs(v - want) <= 1e-12 * Math.max(1, Math.abs(want)))) {
        throw new Error(`row ${i}, column ${j}: expected ${want}, got ${v}`);
      }
    });
  });
}
