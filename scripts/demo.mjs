// `npm run demo`: bootstrap, build, then run the "compute gradients" example
// on its bundled data. It runs in the example's folder so that the relative
// paths of the tutorial (x_train.csv, ./EnergyConsumptionModel/...) hold.
import { join } from "node:path";
import { buildAll, ensureInstalled, repoRoot, run } from "./bootstrap.mjs";

const exampleDir = join(repoRoot, "examples", "compute-gradients");

const setupCode = ensureInstalled() || buildAll();
if (setupCode !== 0) process.exit(setupCode);
process.exit(run(process.execPath, ["run.mjs", ...process.argv.slice(2)], { cwd: exampleDir }));
