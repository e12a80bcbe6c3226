/**
 * Runs one implementation in this (fresh) process: warm-up, then timed calls;
 * prints one JSON line with the times and writes the results for the
 * agreement check. Usage: child.ts <implementation> <dtype> <rows> <calls> <resultFile>
 */
import { writeFileSync } from "node:fs";
import type { DType } from "@neureco/core";
import { createImplementation, IMPLEMENTATION_NAMES, type ImplementationName } from "./implementations.js";
import { makeProblem, packResult } from "./problem.js";

const [name, dtype, rowsArg, callsArg, resultFile] = process.argv.slice(2);
if (!(IMPLEMENTATION_NAMES as readonly string[]).includes(name))
  throw new Error(`unknown implementation ${name}`);
if (dtype !== "float64" && dtype !== "float32") throw new Error(`unknown dtype ${dtype}`);
const rows = Number(rowsArg);
const calls = Number(callsArg);

const problem = makeProblem(rows);
const impl = await createImplementation(name as ImplementationName, problem, dtype as DType);

// Fixed warm-up: at least 10 calls and at least half a second.
const warmStart = performance.now();
for (let i = 0; i < 10 || performance.now() - warmStart < 500; i++) impl.run();

const times: number[] = [];
for (let i = 0; i < calls; i++) {
  const start = performance.now();
  impl.run();
  times.push(performance.now() - start);
}
writeFileSync(resultFile, packResult(await impl.result()));
console.log(JSON.stringify({ times, describe: impl.describe() }));
