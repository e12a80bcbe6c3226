// The repository's test command (`npm test`, `pnpm test`): install if needed,
// build, run vitest over every project with the default and JSON reporters,
// then print one closing line `N passed, N failed` from the JSON report.
// Extra arguments go to vitest (`npm test -- --project core`).
//
// A failed build does not stop the tests (they import TypeScript sources, not
// dist), so its failures are still listed; it makes the run fail all the same.
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { buildAll, ensureInstalled, repoRoot, run } from "./bootstrap.mjs";

const reportPath = join(repoRoot, ".vitest-report.json");

/** Prints the closing line (always the last line) and exits. */
function finish(passed, failed, skipped, problems) {
  for (const problem of problems) console.error(`Test run failed: ${problem}.`);
  console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`);
  process.exit(failed > 0 || problems.length > 0 ? 1 : 0);
}

if (ensureInstalled() !== 0) finish(0, 0, 0, ["the workspace could not be installed"]);
const buildCode = buildAll();
const problems = buildCode === 0 ? [] : ["the build failed"];

rmSync(reportPath, { force: true });
const vitestCode = run("vitest", [
  "run",
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${reportPath}`,
  ...process.argv.slice(2),
]);

if (!existsSync(reportPath)) {
  finish(0, 0, 0, [...problems, `vitest exited with code ${vitestCode} and wrote no report`]);
}

const report = JSON.parse(readFileSync(reportPath, "utf8"));
const passed = report.numPassedTests ?? 0;
// A test file that fails before any test runs (an import or syntax error)
// counts as one failure, so that it cannot hide behind "0 failed".
const brokenFiles = (report.testResults ?? []).filter(
  (file) => file.status === "failed" && !(file.assertionResults ?? []).some((t) => t.status === "failed"),
).length;
const failed = (report.numFailedTests ?? 0) + brokenFiles;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);

if (passed + failed === 0) problems.push("no tests ran");
if (failed === 0 && vitestCode !== 0) problems.push(`vitest exited with code ${vitestCode}`);
finish(passed, failed, skipped, problems);
