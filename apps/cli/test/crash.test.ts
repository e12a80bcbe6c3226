/**
 * Crash test: `neureco build` killed outright (SIGKILL: no handler runs) at
 * seeded random moments, twice per build, then resumed with --resume until
 * it finishes. After every kill the checkpoint and the model file, where
 * they exist, read back (the writes are atomic); the finished model is the
 * uninterrupted build's, bit for bit. A kill in the middle of a write leaves
 * only that write's temporary file next to its target (the next write of
 * the target removes it once it is STALE_TEMP_AFTER_MS old; tested with the
 * writer in packages/tabular).
 */
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { seededRandom } from "@neureco/core/testing";
import { decodeCheckpoint, Regressor } from "@neureco/tabular";
import { beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, neureco, type RunResult, workspace } from "./helpers.js";

let dir: string;

beforeAll(() => {
  assertBuilt();
  dir = workspace();
});

/** Runs `neureco ...args` in `dir` and kills it with SIGKILL after `ms` milliseconds, unless it ended first. */
async function killedAfter(args: readonly string[], ms: number): Promise<RunResult> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await neureco(args, dir, undefined, process.env, (child) => {
      timer = setTimeout(() => child.kill("SIGKILL"), ms);
    });
  } finally {
    clearTimeout(timer);
  }
}

async function weightsOf(path: string): Promise<number[]> {
  const regressor = new Regressor();
  try {
    await regressor.load(path);
    return Array.from(regressor.toDescription().weights);
  } finally {
    regressor.delete();
  }
}

const buildArgs = (out: string, resume: boolean) => [
  "build",
  "--x",
  "x_train.csv",
  "--y",
  "y_train.csv",
  "--out",
  out,
  "--seed",
  "5",
  ...(resume ? ["--resume"] : []),
];

describe("a build killed at random moments", () => {
  it("resumes to the uninterrupted build's model, and no file is ever corrupt", async () => {
    const started = Date.now();
    const whole = await neureco(buildArgs("whole.ednn", false), dir);
    expect(whole.code).toBe(0);
    const wholeMs = Date.now() - started;
    const expected = await weightsOf(join(dir, "whole.ednn"));
    // Seeded, so that a failure can be replayed.
    const random = seededRandom(2026);
    for (let chain = 0; chain < 4; chain++) {
      const out = `crash${chain}.ednn`;
      const checkpoint = join(dir, `crash${chain}.checkpoint`);
      for (let kill = 0; kill < 2; kill++) {
        // From the start-up of node to the end of an uninterrupted build.
        const ms = Math.round(100 + random() * wholeMs);
        const r = await killedAfter(buildArgs(out, existsSync(checkpoint)), ms);
        const where = `chain ${chain}, kill ${kill} after ${ms} ms`;
        expect(r.stderr, where).not.toMatch(/^error/m);
        if (existsSync(checkpoint))
          expect(() => decodeCheckpoint(readFileSync(checkpoint), checkpoint), where).not.toThrow();
        if (existsSync(join(dir, out))) await expect(weightsOf(join(dir, out)), where).resolves.toBeDefined();
      }
      const finished = await neureco(buildArgs(out, existsSync(checkpoint)), dir);
      expect(finished.stderr, `chain ${chain}`).not.toMatch(/^error/m);
      expect(finished.code, `chain ${chain}`).toBe(0);
      expect(await weightsOf(join(dir, out)), `chain ${chain}`).toEqual(expected);
    }
    // Nothing but the temporary files of killed writes of the builds' own files.
    const temporary = readdirSync(dir).filter((name) => name.endsWith(".tmp"));
    for (const name of temporary)
      expect(name).toMatch(/^\.crash\d\.(ednn|checkpoint)\.\d+\.[0-9a-f]{12}\.tmp$/);
  });

  it("--resume of a finished build whose model file was lost writes the model from the checkpoint, building nothing", async () => {
    const first = await neureco(buildArgs("lost.ednn", false), dir);
    expect(first.code).toBe(0);
    const expected = await weightsOf(join(dir, "lost.ednn"));
    rmSync(join(dir, "lost.ednn"));
    const again = await neureco(buildArgs("lost.ednn", true), dir);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(
      /^The build in lost\.checkpoint had finished: nothing was built again; its model was written to lost\.ednn\.$/m,
    );
    expect(again.stderr).not.toMatch(/^model \d+ /m);
    expect(await weightsOf(join(dir, "lost.ednn"))).toEqual(expected);
    const third = await neureco(buildArgs("lost.ednn", true), dir);
    expect(third.code).toBe(0);
    expect(third.stderr).toMatch(/lost\.ednn already holds its model\.$/m);
  });
});
