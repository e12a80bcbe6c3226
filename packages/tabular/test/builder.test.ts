import { describe, expect, it } from "vitest";
import { encodeCheckpoint } from "../src/builder/checkpoint.js";
import { type BuildProgress, buildModel, decodeCheckpoint } from "../src/builder/index.js";
import { EdnnFormatError } from "../src/format/index.js";
import { Matrix } from "../src/matrix.js";
import { weightCount } from "../src/network/structure.js";
import { predict, rmse, sampleFunction } from "./builder-helpers.js";

/** A sum of two tanh units of two inputs: exactly representable by a 2-neuron network. */
const twoUnits = (x: Float64Array) => [
  0.8 * Math.tanh(1.5 * x[0] - 0.5 * x[1] + 0.2) - 0.6 * Math.tanh(-x[0] + 2 * x[1] - 0.3),
];
/** A smooth nonlinear function of the first two inputs only. */
const smooth = (x: Float64Array) => [Math.tanh(2 * x[0]) + 0.5 * x[1] * x[1]];

describe("buildModel", () => {
  it("recovers a sum of two tanh units to near machine precision", async () => {
    const { x, y } = sampleFunction(120, 2, twoUnits, 1);
    const { model, history } = await buildModel({ x, y }, { seed: 1 });
    expect(rmse(predict(model, x), y)).toBeLessThan(1e-10);
    // Fresh points of the same function: the function itself was found, not the rows.
    const fresh = sampleFunction(50, 2, twoUnits, 99);
    expect(rmse(predict(model, fresh.x), fresh.y)).toBeLessThan(1e-8);
    expect(model.structure.hidden).toBeGreaterThanOrEqual(2);
    expect(history.final?.trainingError).toBeLessThan(1e-10);
  });

  it("is reproducible bit for bit with a seed", async () => {
    const data = sampleFunction(80, 3, smooth, 5);
    const saved: Uint8Array[][] = [[], []];
    const runs = await Promise.all(
      [0, 1].map((run) =>
        buildModel(
          data,
          { seed: 7 },
          {
            saveCheckpoint: async (bytes) => {
              saved[run].push(bytes);
            },
          },
        ),
      ),
    );
    expect(runs[1].model.structure).toEqual(runs[0].model.structure);
    expect(Array.from(runs[1].model.weights)).toEqual(Array.from(runs[0].model.weights));
    expect(saved[0].length).toBeGreaterThan(1);
    // The checkpoints differ only in elapsed times: compare everything else.
    const strip = (bytes: Uint8Array) => {
      const c = decodeCheckpoint(bytes, "checkpoint");
      return {
        ...c,
        models: c.models.map((m) => ({ ...m, elapsedMs: 0, weights: Array.from(m.weights) })),
        final: c.final && { ...c.final, elapsedMs: 0 },
      };
    };
    expect(saved[1].map(strip)).toEqual(saved[0].map(strip));
  });

  it("disconnects an input that is pure noise", async () => {
    const { x, y } = sampleFunction(150, 3, smooth, 2);
    const { model } = await buildModel({ x, y }, { seed: 3 });
    const sources = new Set(model.structure.links.map(([from]) => from));
    expect(sources.has(2)).toBe(false);
    expect(sources.has(0) && sources.has(1)).toBe(true);
    // With disconnection off, every input keeps a link.
    const kept = await buildModel({ x, y }, { seed: 3, disconnectInputsIfPossible: false });
    const keptSources = new Set(kept.model.structure.links.map(([from]) => from));
    expect([0, 1, 2].every((i) => keptSources.has(i))).toBe(true);
  });

  it("records every accepted model, its errors and the choice in the checkpoint", async () => {
    const { x, y } = sampleFunction(90, 2, smooth, 4);
    let last: Uint8Array | undefined;
    let saves = 0;
    const progress: BuildProgress[] = [];
    const { model, history } = await buildModel(
      { x, y, inputNames: ["a", "b"], outputNames: ["out"] },
      { seed: 2, validPercentage: 25, onProgress: (p) => progress.push(p) },
      {
        saveCheckpoint: async (bytes) => {
          last = bytes;
          saves++;
        },
      },
    );
    if (!last) throw new Error("no checkpoint was saved");
    const c = decodeCheckpoint(last, "build.checkpoint");
    expect(saves).toBe(c.models.length + 1); // one per accepted model, one at the end
    expect(c.inputNames).toEqual(["a", "b"]);
    expect(c.outputNames).toEqual(["out"]);
    expect(c.validationRows.length).toBe(Math.round(90 * 0.25));
    expect(c.models[0].phase).toBe("linear");
    expect(c.models[0].structure.hidden).toBe(0);
    c.models.forEach((m, i) => {
      expect(m.number).toBe(i);
      expect(m.weights.length).toBe(weightCount(m.structure));
      expect(m.errors.training).toHaveLength(1);
      expect(m.errors.validation[0]).toBeGreaterThan(0);
      expect(progress[i].modelNumber).toBe(i);
      expect(progress[i].weights).toBe(m.weights.length);
    });
    expect(c.selected).toBe(history.selectedModel);
    // The choice is the model of highest log evidence, recorded for every model.
    expect(c.models.every((m) => Number.isFinite(m.logEvidence))).toBe(true);
    const chosen = c.models[c.selected as number];
    expect(c.models.every((m) => m.logEvidence <= chosen.logEvidence)).toBe(true);
    // A restart retrains an earlier model's structure and, when kept, is the one chosen.
    c.models.forEach((m, i) => {
      if (m.phase !== "restart") return;
      expect(i).toBe(c.selected);
      expect(
        c.models.slice(0, i).some((e) => JSON.stringify(e.structure) === JSON.stringify(m.structure)),
      ).toBe(true);
    });
    expect(c.final?.phase).toBe("final");
    expect(c.final?.structure).toEqual(c.models[c.selected as number].structure);
    expect(Array.from(c.final?.weights ?? [])).toEqual(Array.from(model.weights));
    // Not a checkpoint: a clear error naming the source.
    const broken = last.slice(0, last.length - 3);
    expect(() => decodeCheckpoint(broken, "build.checkpoint")).toThrow(EdnnFormatError);
    expect(() => decodeCheckpoint(broken, "build.checkpoint")).toThrow(/build\.checkpoint/);
  });

  it("stops cleanly on abort and resumes from the checkpoint", async () => {
    const { x, y } = sampleFunction(100, 2, twoUnits, 8);
    const controller = new AbortController();
    let saved: Uint8Array | undefined;
    const aborted = await buildModel(
      { x, y },
      { seed: 4, signal: controller.signal, onProgress: (p) => p.modelNumber >= 1 && controller.abort() },
      {
        saveCheckpoint: async (bytes) => {
          saved = bytes;
        },
      },
    );
    expect(aborted.history.aborted).toBe(true);
    expect(aborted.history.final).toBeNull();
    if (!saved) throw new Error("no checkpoint was saved");
    const checkpoint = decodeCheckpoint(saved, "aborted.checkpoint");
    expect(checkpoint.models).toHaveLength(2);
    expect(aborted.model.weights.length).toBe(weightCount(aborted.model.structure));

    const resumed = await buildModel({ x, y }, { seed: 4 }, { resumeFrom: saved });
    expect(resumed.history.aborted).toBe(false);
    expect(resumed.history.models.slice(0, 2).map((m) => m.weights)).toEqual(
      checkpoint.models.map((m) => m.weights.length),
    );
    expect(resumed.history.models.length).toBeGreaterThan(2);
    expect(rmse(predict(resumed.model, x), y)).toBeLessThan(1e-6);

    // Frozen structure: model 0 (the linear one) retrained, structure unchanged.
    const frozen = await buildModel(
      { x, y },
      { freezeStructure: true, startBuildFromModelNumber: 0 },
      { resumeFrom: saved },
    );
    expect(frozen.model.structure).toEqual(checkpoint.models[0].structure);
    expect(frozen.history.models.at(-1)?.phase).toBe("frozen");

    // A checkpoint written before models recorded their evidence (and with two β per model) still resumes.
    const older = encodeCheckpoint({
      ...checkpoint,
      models: checkpoint.models.map((m) => ({ ...m, logEvidence: Number.NaN, beta: m.beta.slice(0, 2) })),
    });
    const olderDecoded = decodeCheckpoint(older, "older.checkpoint");
    expect(olderDecoded.models.every((m) => Number.isNaN(m.logEvidence))).toBe(true);
    const fromOlder = await buildModel({ x, y }, { seed: 4 }, { resumeFrom: older });
    expect(fromOlder.history.models.length).toBeGreaterThan(2);
    expect(rmse(predict(fromOlder.model, x), y)).toBeLessThan(1e-6);
  });

  it("is stopped by a signal fired from a timer: the build gives the event loop turns", async () => {
    // A build of a minute or more if nothing stops it.
    const { x, y } = sampleFunction(3000, 10, (v) => [Math.tanh(v[0] + v[1] * v[2]) + 0.3 * v[3] * v[4]], 2);
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const result = await buildModel(
      { x, y },
      {
        seed: 0,
        signal: controller.signal,
        // Only a timer (a task of the event loop, not the build's own code) aborts it.
        onProgress: (p) => {
          if (p.modelNumber === 0) timer = setTimeout(() => controller.abort(), 20);
        },
      },
    );
    clearTimeout(timer);
    expect(result.history.aborted).toBe(true);
    expect(result.history.final).toBeNull();
    expect(result.model.weights.length).toBe(weightCount(result.model.structure));
  });

  it("rejects with an AbortError when aborted before any model", async () => {
    const { x, y } = sampleFunction(30, 2, smooth, 1);
    await expect(buildModel({ x, y }, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: "AbortError",
    });
  });

  it("uses explicit validation data and validation indices", async () => {
    const train = sampleFunction(60, 2, smooth, 11);
    const valid = sampleFunction(20, 2, smooth, 12);
    let last: Uint8Array | undefined;
    const keep = async (bytes: Uint8Array) => {
      last = bytes;
    };
    await buildModel(
      { ...train, validationX: valid.x, validationY: valid.y },
      { seed: 1 },
      { saveCheckpoint: keep },
    );
    expect(decodeCheckpoint(last as Uint8Array, "c").validationRows).toEqual([]);
    await buildModel(train, { seed: 1, validationIndices: [3, 1, 40] }, { saveCheckpoint: keep });
    expect(decodeCheckpoint(last as Uint8Array, "c").validationRows).toEqual([1, 3, 40]);
  });

  it("builds multi-output models", async () => {
    const { x, y } = sampleFunction(80, 2, (v) => [Math.tanh(v[0] + v[1]), v[0] - 2 * v[1]], 6);
    const { model } = await buildModel({ x, y }, { seed: 1 });
    expect(model.structure.outputs).toBe(2);
    expect(rmse(predict(model, x), y)).toBeLessThan(1e-3);
  });

  it("respects linksMaximumNumber", async () => {
    const { x, y } = sampleFunction(80, 3, smooth, 6);
    const { model } = await buildModel({ x, y }, { seed: 1, linksMaximumNumber: 2 });
    expect(model.structure.links.length).toBeLessThanOrEqual(2);
  });
});

describe("buildModel errors", () => {
  const ok = sampleFunction(20, 2, smooth, 1);
  const withValue = (m: Matrix, row: number, col: number, v: number) => {
    const c = m.clone();
    c.data[row * m.shape[1] + col] = v;
    return c;
  };

  it("names too few rows", async () => {
    const few = sampleFunction(3, 2, smooth, 1);
    await expect(buildModel(few)).rejects.toThrow(/too few rows: x has 3, a build needs at least 4/);
  });

  it("names NaN and Infinity with their position, counted from 1", async () => {
    await expect(buildModel({ x: withValue(ok.x, 4, 1, Number.NaN), y: ok.y })).rejects.toThrow(
      /x holds NaN at row 5, column 2 \(counted from 1\)/,
    );
    await expect(buildModel({ x: ok.x, y: withValue(ok.y, 7, 0, Number.POSITIVE_INFINITY) })).rejects.toThrow(
      /y holds Infinity at row 8, column 1 \(counted from 1\)/,
    );
  });

  it("names mismatched row counts and validation shapes", async () => {
    const shortY = new Matrix(ok.y.data.slice(0, 19), 19, 1);
    await expect(buildModel({ x: ok.x, y: shortY })).rejects.toThrow(/x has 20 rows but y has 19/);
    const vx = new Matrix(new Float64Array(15), 5, 3);
    await expect(buildModel({ ...ok, validationX: vx, validationY: Matrix.zeros(5, 1) })).rejects.toThrow(
      /validationX has 3 columns but x has 2/,
    );
    await expect(buildModel({ ...ok, validationX: Matrix.zeros(5, 2) })).rejects.toThrow(
      /needs both validationX and validationY/,
    );
    await expect(buildModel(ok, { validationIndices: [0, 20] })).rejects.toThrow(
      /validationIndices\[1\] = 20 is not a row of x/,
    );
  });

  it("names bad settings", async () => {
    await expect(buildModel(ok, { validPercentage: 60 })).rejects.toThrow(
      /validPercentage must be between 1 and 50, got 60/,
    );
    await expect(buildModel(ok, { freezeStructure: true })).rejects.toThrow(
      /freezeStructure needs a checkpoint/,
    );
  });
});
