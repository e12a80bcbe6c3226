/**
 * Fingerprints of builds: for every task of datasets/ and of the suite
 * beside the repo (or of the folders given), builds with one seed (default
 * 0) and prints a hash of every model the build records (structure, weights,
 * β) and of the final model, with the phases that produced them. A change
 * meant to leave the method as it is (a refactor) must leave every line
 * unchanged: compare the output before and after it.
 *
 * Usage: pnpm --filter @neureco/tabular bench:fingerprint [-- dataDir …] [--task a,b] [--seed 0]
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildModel } from "../src/builder/index.js";
import { readTasks } from "./tasks.js";

const args = process.argv.slice(2).filter((a) => a !== "--");
const option = (name: string): string | null => (args.includes(name) ? args[args.indexOf(name) + 1] : null);
const only = option("--task")?.split(",") ?? null;
const seed = Number(option("--seed") ?? 0);
const repoRoot = join(import.meta.dirname, "../../..");
const given = args.filter((a, i) => !a.startsWith("--") && !["--task", "--seed"].includes(args[i - 1]));
const dataDirs = (
  given.length > 0 ? given : [join(repoRoot, "datasets"), join(repoRoot, "../shared/data/suite")]
)
  .map((d) => resolve(d))
  .filter((d) => existsSync(d));

for (const dir of dataDirs) {
  for (const task of await readTasks(dir, only)) {
    const { model, checkpoint, history } = await buildModel({ x: task.train.x, y: task.train.y }, { seed });
    const hash = createHash("sha256");
    for (const m of [...checkpoint.models, model]) {
      hash.update(JSON.stringify(m.structure));
      hash.update(new Uint8Array(Float64Array.from(m.weights).buffer));
    }
    for (const m of checkpoint.models) hash.update(JSON.stringify(m.beta));
    const phases = history.models.map((m) => m.phase).join(",");
    console.log(
      `${task.name}: ${hash.digest("hex").slice(0, 16)} ${model.weights.length} weights, model ${history.selectedModel} of ${checkpoint.models.length} (${phases})`,
    );
  }
}
