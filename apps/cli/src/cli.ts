/**
 * The `neureco` executable: wires the process (argv, streams, Ctrl-C) to
 * runCli. The first Ctrl-C asks the running command to stop cleanly; a second
 * one exits at once.
 */
import { ExitCode } from "./io.js";
import { runCli } from "./program.js";

// Run through the root script (`pnpm neureco`, `npm run neureco`), the package
// manager starts us in the repository root: resolve the user's relative paths
// from the folder the command was typed in instead.
if (process.env.npm_lifecycle_event === "neureco" && process.env.INIT_CWD)
  process.chdir(process.env.INIT_CWD);

const controller = new AbortController();
process.on("SIGINT", () => {
  if (controller.signal.aborted) process.exit(ExitCode.interrupted);
  controller.abort();
});

const exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  // A terminal that reports no rows (some emulated ones) cannot show a redrawn table.
  ...(process.stderr.isTTY && process.stderr.rows !== 0 ? { terminal: process.stderr } : {}),
  signal: controller.signal,
});
process.exitCode = exitCode;
