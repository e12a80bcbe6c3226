/**
 * The `neureco` executable: wires the process (argv, streams, Ctrl-C) to
 * runCli. The first Ctrl-C asks the running command to stop cleanly; a second
 * one exits at once.
 */
import { ExitCode } from "./io.js";
import { runCli } from "./program.js";

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
