import { describe, expect, it } from "vitest";
import { buildModel } from "../src/builder/build.js";
import { decodeCheckpoint, encodeCheckpoint } from "../src/builder/checkpoint.js";
import { buildFingerprint, fingerprintDifferences } from "../src/builder/fingerprint.js";
import { resolveSettings } from "../src/builder/settings.js";
import { Matrix } from "../src/matrix.js";
import { sampleFunction } from "./builder-helpers.js";

const target = (v: Float64Array) => [Math.tanh(v[0] - 0.5 * v[1]) + 0.2 * v[1]];
const { x, y } = sampleFunction(60, 2, target, 11);

/** The checkpoint of a build stopped after its first model, and that of a finished build. */
async function checkpoints(): Promise<{ interrupted: Uint8Array; finished: Uint8Array }> {
  const controller = new AbortController();
  let interrupted: Uint8Array | undefined;
  await buildModel(
    { x, y },
    { seed: 2, signal: controller.signal, onProgress: () => controller.abort() },
    {
      saveCheckpoint: async (bytes) => {
        interrupted = bytes;
      },
    },
  );
  let finished: Uint8Array | undefined;
  await buildModel(
    { x, y },
    { seed: 2 },
    {
      saveCheckpoint: async (bytes) => {
        finished = bytes;
      },
    },
  );
  if (!interrupted || !finished) throw new Error("no checkpoint was saved");
  return { interrupted, finished };
}

const scaled = new Matrix(
  y.data.map((v) => v * 1000),
  y.shape[0],
  y.shape[1],
);

describe("resuming checks the checkpoint's build", () => {
  it("records the data, the settings and whether the build finished", async () => {
    const { interrupted, finished } = await checkpoints();
    const a = decodeCheckpoint(interrupted, "a.checkpoint");
    const b = decodeCheckpoint(finished, "b.checkpoint");
    expect(a.finished).toBe(false);
    expect(b.finished).toBe(true);
    expect(a.origin).toEqual(buildFingerprint({ x, y }, resolveSettings({ seed: 2 })));
    expect(b.origin).toEqual(a.origin);
  });

  it("refuses other rows, other values, another seed or validation percentage, saying what differs", async () => {
    const { interrupted } = await checkpoints();
    const resume = (input: { x: Matrix; y: Matrix }, settings = {}) =>
      buildModel(
        input,
        { seed: 2, ...settings },
        { resumeFrom: interrupted, resumeSource: "run.checkpoint" },
      );
    const fewer = sampleFunction(50, 2, target, 11);
    await expect(resume(fewer)).rejects.toThrow(/run\.checkpoint.*60 rows .* then, 50 rows .* now/s);
    await expect(resume({ x, y: scaled })).rejects.toThrow(/run\.checkpoint.*the same shape, other values/s);
    await expect(resume({ x, y }, { seed: 3 })).rejects.toThrow(/seed: 2 then, 3 now/);
    await expect(resume({ x, y }, { validPercentage: 20 })).rejects.toThrow(
      /validPercentage: 33\.33 then, 20 now/,
    );
    // The same data and settings resume.
    const resumed = await resume({ x, y });
    expect(resumed.history.aborted).toBe(false);
  });

  it("says a finished build is finished, unless a start model is given or only the weights are retrained", async () => {
    const { finished } = await checkpoints();
    const source = { resumeFrom: finished, resumeSource: "done.checkpoint" };
    await expect(buildModel({ x, y }, { seed: 2 }, source)).rejects.toThrow(/done\.checkpoint.*is finished/s);
    const again = await buildModel({ x, y }, { seed: 2, startBuildFromModelNumber: 0 }, source);
    expect(again.history.aborted).toBe(false);
    // Retraining a frozen structure may use other data.
    const frozen = await buildModel({ x, y: scaled }, { freezeStructure: true }, source);
    expect(frozen.history.models.at(-1)?.phase).toBe("frozen");
  });

  it("resumes a checkpoint written before it recorded its build", async () => {
    const { interrupted } = await checkpoints();
    const older = encodeCheckpoint({ ...decodeCheckpoint(interrupted, "a.checkpoint"), origin: null });
    const resumed = await buildModel({ x, y: scaled }, { seed: 5 }, { resumeFrom: older });
    expect(resumed.history.aborted).toBe(false);
  });

  it("refuses a checkpoint whose validation rows lie beyond the data (one written before it recorded its build)", async () => {
    const { interrupted } = await checkpoints();
    const decoded = decodeCheckpoint(interrupted, "a.checkpoint");
    const older = encodeCheckpoint({
      ...decoded,
      origin: null,
      validationRows: [...decoded.validationRows, 1e9],
    });
    await expect(buildModel({ x, y }, { seed: 2 }, { resumeFrom: older })).rejects.toThrow(
      "buildModel: the checkpoint holds out row 1000000001 (counted from 1) for validation, but x has 60 rows: resume with the data the build started with",
    );
    // A frozen structure may be retrained on other data: it holds out rows of its own.
    const frozen = await buildModel({ x, y }, { freezeStructure: true }, { resumeFrom: older });
    expect(frozen.checkpoint.validationRows.every((r) => r < 60)).toBe(true);
  });

  it("names every setting that differs, and nothing when all agree", () => {
    const a = buildFingerprint({ x, y }, resolveSettings({ seed: 1 }));
    const b = buildFingerprint(
      { x, y },
      resolveSettings({ seed: 1, linksMaximumNumber: 9, finalLearning: false }),
    );
    expect(fingerprintDifferences(a, a)).toEqual([]);
    expect(fingerprintDifferences(a, b)).toEqual([
      "linksMaximumNumber: 0 then, 9 now",
      "finalLearning: true then, false now",
    ]);
  });
});
