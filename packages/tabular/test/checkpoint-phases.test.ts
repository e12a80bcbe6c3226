import { describe, expect, it } from "vitest";
import { decodeCheckpoint, encodeCheckpoint } from "../src/builder/checkpoint.js";
import { linearNetwork } from "../src/builder/network-edit.js";
import type { BuildPhase } from "../src/builder/settings.js";
import { phaseContext, standInTrainer, trainedAs } from "./phase-helpers.js";

async function checkpointWithPhase(phase: string) {
  const { record } = phaseContext(
    standInTrainer(() => ({ score: 1, evidence: 0 })),
    { inputs: 2, outputs: 1 },
  );
  await record.accept(trainedAs(linearNetwork(2, 1), [0.1, 0.1, 0.1], { score: 1, evidence: 0 }), "linear");
  // A phase name as an older library wrote it, which the type no longer has.
  await record.accept(
    trainedAs(linearNetwork(2, 1), [0.1, 0.1, 0.1], { score: 1, evidence: 0 }),
    phase as BuildPhase,
  );
  return encodeCheckpoint(record.checkpoint());
}

describe("checkpoint phase names", () => {
  it("reads every phase the builder writes back as written", async () => {
    const phases: BuildPhase[] = ["growth", "inputs", "links", "restart", "switched-off", "frozen"];
    for (const phase of phases) {
      const decoded = decodeCheckpoint(await checkpointWithPhase(phase), "c.checkpoint");
      expect(decoded.models.map((m) => m.phase)).toEqual(["linear", phase]);
    }
  });

  it("reads the former name pruning as links, and refuses a name it does not know", async () => {
    const decoded = decodeCheckpoint(await checkpointWithPhase("pruning"), "old.checkpoint");
    expect(decoded.models[1].phase).toBe("links");
    const odd = await checkpointWithPhase("trimming");
    expect(() => decodeCheckpoint(odd, "odd.checkpoint")).toThrow(/odd\.checkpoint.*phase/s);
  });
});
