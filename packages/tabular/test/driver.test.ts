import { describe, expect, it } from "vitest";
import { type CheckpointModel, decodeCheckpoint } from "../src/builder/checkpoint.js";
import { type BuildPlan, planBuild, runPlan } from "../src/builder/driver.js";
import { linearNetwork } from "../src/builder/network-edit.js";
import type { PhaseContext } from "../src/builder/phases/context.js";
import { grow, growAfterInputRemoval } from "../src/builder/phases/grow.js";
import { chooseOutputPrior } from "../src/builder/phases/output-prior.js";
import { pruneInputs } from "../src/builder/phases/prune-inputs.js";
import { pruneLinks } from "../src/builder/phases/prune-links.js";
import { restart } from "../src/builder/phases/restart.js";
import { selectByEvidence, selectLast } from "../src/builder/phases/select.js";
import { continueFromCheckpoint, retrainFrozen, startLinear } from "../src/builder/phases/start.js";
import { dropSwitchedOff } from "../src/builder/phases/switched-off.js";
import { BuildAborted } from "../src/builder/train.js";
import { checkpointBase, phaseContext, standInTrainer, trainedAs } from "./phase-helpers.js";

const beta = [0.1, 0.1, 0.1];

/** A trained linear network of 2 inputs judged `score`, `evidence`. */
const linear = (score: number, evidence: number) => trainedAs(linearNetwork(2, 1), beta, { score, evidence });

/** Runs `plan` with a stand-in trainer, recording what happened. */
async function drive(plan: BuildPlan) {
  const trainer = standInTrainer(() => ({ score: 0.5, evidence: 0 }));
  const { ctx } = phaseContext(trainer, { inputs: 2, outputs: 1 });
  const { record: _, growthHeldBackAt: __, ...context } = ctx;
  const saved: Uint8Array[] = [];
  const progress: string[] = [];
  const result = await runPlan({
    plan,
    context,
    checkpointBase: checkpointBase({ inputs: 2, outputs: 1 }),
    kept: [],
    saveCheckpoint: async (bytes) => {
      saved.push(bytes);
    },
    onProgress: (p) => progress.push(`${p.modelNumber}:${p.phase}`),
  });
  return { result, saved, progress, trainer };
}

const acceptLinear = async (ctx: PhaseContext) => {
  const t = linear(1, 0);
  await ctx.record.accept(t, "linear");
  return t;
};

describe("planBuild", () => {
  it("runs the whole method on a fresh build", () => {
    const plan = planBuild(
      { freezeStructure: false, disconnectInputsIfPossible: true, finalLearning: true },
      false,
    );
    expect(plan.start).toBe(startLinear);
    expect(plan.search).toEqual([grow, pruneInputs, growAfterInputRemoval, pruneLinks]);
    expect(plan.select).toBe(selectByEvidence);
    expect(plan.finish).toEqual([restart, dropSwitchedOff, chooseOutputPrior]);
    expect(plan.refit).toBe(true);
  });

  it("continues a resumed build, keeps inputs connected when asked, and only retrains a frozen structure", () => {
    const resumed = planBuild(
      { freezeStructure: false, disconnectInputsIfPossible: false, finalLearning: false },
      true,
    );
    expect(resumed.start).toBe(continueFromCheckpoint);
    expect(resumed.search).toEqual([grow, pruneLinks]);
    expect(resumed.refit).toBe(false);
    const frozen = planBuild(
      { freezeStructure: true, disconnectInputsIfPossible: true, finalLearning: true },
      true,
    );
    expect(frozen.start).toBe(retrainFrozen);
    expect(frozen.search).toEqual([]);
    expect(frozen.select).toBe(selectLast);
    expect(frozen.finish).toEqual([]);
  });
});

describe("runPlan", () => {
  const order: string[] = [];
  const plan = (over: Partial<BuildPlan> = {}): BuildPlan => ({
    start: async (ctx) => {
      order.push("start");
      return acceptLinear(ctx);
    },
    search: [
      async (ctx, current) => {
        order.push("search");
        const t = linear(0.9, 1);
        await ctx.record.accept(t, "growth");
        expect(current.score).toBe(1);
        return t;
      },
    ],
    select: (ctx) => {
      order.push("select");
      return ctx.record.models[1];
    },
    finish: [
      async (_, chosen) => {
        order.push("finish");
        return chosen;
      },
    ],
    refit: true,
    ...over,
  });

  it("runs start, search, select, finish and refit in order; writes the checkpoint and reports the final refit last", async () => {
    order.length = 0;
    const { result, saved, progress } = await drive(plan());
    expect(order).toEqual(["start", "search", "select", "finish"]);
    expect(result.aborted).toBe(false);
    expect(result.chosen.number).toBe(1);
    expect(result.final?.phase).toBe("final");
    expect(progress).toEqual(["0:linear", "1:growth", "-1:final"]);
    // Once per accepted model, and once at the end with the choice and the refit.
    expect(saved).toHaveLength(3);
    const last = decodeCheckpoint(saved[2], "checkpoint");
    expect(last.selected).toBe(1);
    expect(last.final?.phase).toBe("final");
  });

  it("on abort in a search phase, skips the rest, selects among the models so far and does not refit", async () => {
    order.length = 0;
    const aborting = plan({
      search: [
        async () => {
          order.push("search");
          throw new BuildAborted("build aborted");
        },
      ],
      select: (ctx) => {
        order.push("select");
        return ctx.record.models[0];
      },
    });
    const { result, saved, progress } = await drive(aborting);
    expect(order).toEqual(["start", "search", "select"]);
    expect(result.aborted).toBe(true);
    expect(result.chosen.number).toBe(0);
    expect(result.final).toBeNull();
    expect(progress).toEqual(["0:linear"]);
    expect(decodeCheckpoint(saved.at(-1) as Uint8Array, "checkpoint").selected).toBe(0);
  });

  it("on abort in a finishing phase, keeps the model an earlier finishing phase chose", async () => {
    let replaced: CheckpointModel | null = null;
    const { result } = await drive(
      plan({
        finish: [
          async (ctx) => {
            replaced = await ctx.record.accept(linear(0.8, 2), "restart");
            return replaced;
          },
          async () => {
            throw new BuildAborted("build aborted");
          },
        ],
      }),
    );
    expect(result.aborted).toBe(true);
    expect(result.chosen).toBe(replaced);
    expect(result.final).toBeNull();
  });

  it("rejects with an AbortError when aborted before any model, and passes other errors on", async () => {
    await expect(
      drive(
        plan({
          start: async () => {
            throw new BuildAborted("build aborted");
          },
        }),
      ),
    ).rejects.toMatchObject({ name: "AbortError" });
    await expect(
      drive(
        plan({
          search: [
            async () => {
              throw new RangeError("broken phase");
            },
          ],
        }),
      ),
    ).rejects.toThrow("broken phase");
  });
});
