/**
 * A build stopped at any moment and resumed gives the model the
 * uninterrupted build gives, bit for bit (driver.ts, "Resuming"). A build
 * killed at any moment leaves the checkpoint of its last acceptance on disk
 * (each write is atomic), so resuming from every checkpoint the build wrote
 * covers every moment; an abort leaves the same checkpoint with its choice.
 */
import { describe, expect, it } from "vitest";
import { encodeCheckpoint } from "../src/builder/checkpoint.js";
import { buildModel, type CheckpointModel, decodeCheckpoint } from "../src/builder/index.js";
import { friedmanWithNoiseInputs } from "./builder-helpers.js";

const sameModel = (a: Pick<CheckpointModel, "structure" | "weights">, b: typeof a) => {
  expect(a.structure).toEqual(b.structure);
  expect(Array.from(a.weights)).toEqual(Array.from(b.weights));
};

describe("resuming a stopped build", () => {
  // 9 inputs, 4 of them noise: the build grows, removes inputs and links, restarts and chooses the output prior.
  const data = friedmanWithNoiseInputs(120, 9, 0.5, 5);
  const settings = { seed: 3 };

  it("from every checkpoint the build wrote, gives the uninterrupted build's models and final model", async () => {
    const written: Uint8Array[] = [];
    const whole = await buildModel(data, settings, {
      saveCheckpoint: async (bytes) => {
        written.push(bytes.slice());
      },
    });
    const phases = new Set(whole.checkpoint.models.map((m) => m.phase));
    for (const phase of ["growth", "inputs", "links"] as const) expect(phases).toContain(phase);
    // The last write is the finished build's; every earlier one is a moment a kill could leave behind.
    const moments = written.slice(0, -1);
    expect(moments.length).toBe(whole.checkpoint.models.length);
    for (const bytes of moments) {
      const stopped = decodeCheckpoint(bytes, "stopped.checkpoint");
      expect(stopped.resume?.model).toBe(stopped.models.length - 1);
      const resumed = await buildModel(data, settings, { resumeFrom: bytes });
      expect(resumed.checkpoint.models.map((m) => m.phase)).toEqual(
        whole.checkpoint.models.map((m) => m.phase),
      );
      resumed.checkpoint.models.forEach((m, i) => sameModel(m, whole.checkpoint.models[i]));
      expect(resumed.checkpoint.selected).toBe(whole.checkpoint.selected);
      sameModel(resumed.model, whole.model);
    }
  });

  it("after an abort at each acceptance, gives the uninterrupted build's model", async () => {
    const whole = await buildModel(data, settings);
    const count = whole.checkpoint.models.length;
    for (const stopAt of [0, Math.floor(count / 2), count - 1]) {
      const controller = new AbortController();
      let saved: Uint8Array | undefined;
      const stopped = await buildModel(
        data,
        {
          ...settings,
          signal: controller.signal,
          onProgress: (p) => p.modelNumber >= stopAt && controller.abort(),
        },
        {
          saveCheckpoint: async (bytes) => {
            saved = bytes;
          },
        },
      );
      expect(stopped.history.aborted).toBe(true);
      if (!saved) throw new Error("no checkpoint was saved");
      const resumed = await buildModel(data, settings, { resumeFrom: saved });
      expect(resumed.history.aborted).toBe(false);
      sameModel(resumed.model, whole.model);
    }
  });

  it("retrains and searches on, as before, from an earlier model or a checkpoint without a resume point", async () => {
    const whole = await buildModel(data, settings);
    const checkpoint = whole.checkpoint;
    const unfinished = { ...checkpoint, finished: false, selected: null, final: null };
    const withoutPoint = await buildModel(data, settings, {
      resumeFrom: encodeCheckpoint({ ...unfinished, resume: null }),
    });
    // The last model is retrained and the whole search runs again from it: it accepts models of its own.
    expect(withoutPoint.checkpoint.models.length).toBeGreaterThan(checkpoint.models.length);
    expect(withoutPoint.history.aborted).toBe(false);
    const fromFirst = await buildModel(
      data,
      { ...settings, startBuildFromModelNumber: 0 },
      { resumeFrom: encodeCheckpoint(unfinished) },
    );
    expect(fromFirst.checkpoint.models[1].number).toBe(1);
    expect(fromFirst.history.aborted).toBe(false);
  });
});
