import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EdnnFormatError, EdnnKind, encodeEdnn } from "../src/format/index.js";
import { Regressor } from "../src/index.js";
import { MODEL_HEADER_VERSION, modelHeader } from "../src/model/model-file.js";
import { sampleInputs, sampleModel } from "./model-fixtures.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "neureco-files-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function savedModel(name: string, seed = 1) {
  const description = sampleModel(seed);
  const model = Regressor.fromDescription(description);
  const path = join(dir, name);
  await model.save(path);
  return { description, model, path, file: `${path}.ednn` };
}

async function loadError(path: string): Promise<Error> {
  const r = new Regressor();
  try {
    await r.load(path);
  } catch (error) {
    return error as Error;
  } finally {
    r.delete();
  }
  throw new Error(`loading ${path} did not fail`);
}

describe(".ednn model files", () => {
  it("save → load gives identical weights (bit for bit), outputs and derivatives", async () => {
    const { description, model, path, file } = await savedModel("roundtrip");
    // Weights set by the user, with long decimal forms and a subnormal.
    const w = Array.from(description.weights, (v, i) => (i === 0 ? Math.PI / 3 : i === 1 ? 5e-324 : v));
    model.setWeights(w);
    await model.save(path);
    const loaded = new Regressor();
    await loaded.load(file);
    const a = new Float64Array(model.getWeights().data);
    const b = new Float64Array(loaded.getWeights().data);
    expect(new Uint8Array(b.buffer)).toEqual(new Uint8Array(a.buffer));
    expect(loaded.toDescription()).toEqual(model.toDescription());

    const x = sampleInputs(description, 6);
    const dx = x.map((row) => row.map((v) => v * 0.01));
    const py = x.map((_, i) => [i, 1 - i]);
    const dw = w.map((_, i) => Math.sin(i));
    expect((await loaded.evaluate(x)).toArray()).toEqual((await model.evaluate(x)).toArray());
    expect((await loaded.forwardDerivative({ w, dw, x, dx })).toArray()).toEqual(
      (await model.forwardDerivative({ w, dw, x, dx })).toArray(),
    );
    const [g1, g2] = [await loaded.gradient({ w, x, py }), await model.gradient({ w, x, py })];
    expect(g1.dw.toArray()).toEqual(g2.dw.toArray());
    expect(g1.dx.toArray()).toEqual(g2.dx.toArray());
    model.delete();
    loaded.delete();
  });

  it("stores any weight a reader accepts exactly, including extremes (±1e100, 5e-324) and -0", async () => {
    const description = sampleModel(2);
    const weights = description.weights.slice();
    weights.set([5e-324, -1e100, -0, 0.1 + 0.2, 1e100]);
    const model = Regressor.fromDescription({ ...description, weights });
    const path = join(dir, "extremes.ednn");
    await model.save(path);
    const loaded = new Regressor();
    await loaded.load(path);
    const got = loaded.getWeights().data;
    expect(new Uint8Array(got.buffer, got.byteOffset, got.byteLength)).toEqual(
      new Uint8Array(weights.buffer),
    );
    expect(Object.is(got[2], -0)).toBe(true);
    model.delete();
    loaded.delete();
  });

  it("refuses to save a weight no reader accepts (above 1e100), writing nothing", async () => {
    const model = Regressor.fromDescription(sampleModel(2));
    const weights = model.getWeights().toArray();
    weights[1][0] = 1e308;
    model.setWeights(weights);
    const path = join(dir, "too-large.ednn");
    await expect(model.save(path)).rejects.toThrow(
      "modelToBytes: weights[1] is 1e+308, expected a finite weight of magnitude ≤ 1e+100",
    );
    await expect(readFile(path)).rejects.toThrow(/ENOENT/);
    model.delete();
  });

  it("load accepts the path with or without .ednn; save adds it", async () => {
    const { model, path, file } = await savedModel("nested/dir/model", 3);
    expect(await readdir(join(dir, "nested/dir"))).toEqual(["model.ednn"]);
    for (const p of [path, file]) {
      const r = new Regressor();
      await r.load(p);
      expect(r.getWeights().toArray()).toEqual(model.getWeights().toArray());
      r.delete();
    }
    model.delete();
  });

  it("the tutorial flow: new weights saved under a new name load back", async () => {
    const { model, path } = await savedModel("EnergyConsumption", 4);
    const w = model.getWeights();
    const moved = w.toArray().map(([v], i) => [v + 0.001 * (i + 1)]);
    model.setWeights(moved);
    await model.save(`${path}_NewWeights`);
    model.delete();
    const reloaded = new Regressor();
    await reloaded.load(`${path}_NewWeights`);
    expect(reloaded.getWeights().toArray()).toEqual(moved);
    await reloaded.load(path);
    expect(reloaded.getWeights().toArray()).toEqual(w.toArray());
    reloaded.delete();
  });

  it("the header records the format, structure, normalisation, names, errors and library version", async () => {
    const { description, model, file } = await savedModel("header", 5);
    const bytes = await readFile(file);
    const json = new TextDecoder().decode(
      bytes.subarray(24, 24 + new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true)),
    );
    const { header, arrays } = JSON.parse(json);
    expect(header.format).toBe("neureco-model");
    expect(header.formatVersion).toBe(MODEL_HEADER_VERSION);
    expect(header.library.name).toBe("@neureco/tabular");
    expect(header.library.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(header.structure.links).toEqual(description.structure.links);
    expect(header.inputNormalization.shift).toEqual([...description.inputNormalization.shift]);
    expect(header.outputNames).toEqual(description.outputNames);
    expect(header.errors).toEqual({ training: [0.01, 0.01], validation: [0.02, 0.02] });
    expect(arrays).toEqual([{ name: "weights", length: description.weights.length }]);
    model.delete();
  });

  it("a missing file is an error naming it", async () => {
    const error = await loadError(join(dir, "absent"));
    expect(error.message).toBe(`cannot load model "${join(dir, "absent.ednn")}": no such file`);
  });

  it("truncated, corrupted, foreign and newer files fail with errors naming the file", async () => {
    const { model, file } = await savedModel("damaged", 6);
    const good = await readFile(file);
    const cases: [string, Uint8Array, RegExp][] = [
      ["truncated", good.subarray(0, good.length - 10), /file is truncated/],
      ["empty", new Uint8Array(0), /file is empty/],
      [
        "corrupted",
        Uint8Array.from(good, (b, i) => (i === good.length - 20 ? b ^ 0x10 : b)),
        /checksum mismatch/,
      ],
      ["foreign", new TextEncoder().encode("x;y\n1;2\n"), /not a neureco \.ednn file/],
      ["newer", Uint8Array.from(good, (b, i) => (i === 8 ? 99 : b)), /format version 99/],
    ];
    for (const [name, bytes, message] of cases) {
      const path = join(dir, `${name}.ednn`);
      await writeFile(path, bytes);
      const error = await loadError(path);
      expect(error, name).toBeInstanceOf(EdnnFormatError);
      expect(error.message, name).toMatch(message);
      expect(error.message.startsWith(`${path}: `), name).toBe(true);
    }
    model.delete();
  });

  it("a newer header schema, a checkpoint and an inconsistent model are refused by name", async () => {
    const description = sampleModel(7);
    const header = modelHeader(description);
    const write = async (name: string, kind: EdnnKind, h: unknown, weights: Float64Array) => {
      const path = join(dir, `${name}.ednn`);
      await writeFile(path, encodeEdnn({ kind, header: h, arrays: { weights } }));
      return path;
    };
    const newer = await write(
      "newer-header",
      EdnnKind.model,
      { ...header, formatVersion: MODEL_HEADER_VERSION + 1 },
      description.weights,
    );
    expect((await loadError(newer)).message).toMatch(
      new RegExp(`^${newer}: invalid header: model header version ${MODEL_HEADER_VERSION + 1} is newer`),
    );
    const checkpoint = await write("a-checkpoint", EdnnKind.checkpoint, header, description.weights);
    expect((await loadError(checkpoint)).message).toBe(
      `${checkpoint}: is a checkpoint file, expected a model file`,
    );
    const short = await write("short-weights", EdnnKind.model, header, description.weights.subarray(1));
    const shortError = await loadError(short);
    expect(shortError).toBeInstanceOf(EdnnFormatError);
    expect(shortError.message).toBe(
      `${short}: invalid header: array "weights" has ${description.weights.length - 1} values, structure needs ${description.weights.length} weights`,
    );
    const badLink = await write(
      "bad-link",
      EdnnKind.model,
      { ...header, structure: { ...header.structure, links: [[5, 1]] } },
      description.weights,
    );
    expect((await loadError(badLink)).message).toMatch(
      new RegExp(`^${badLink}: invalid header: structure: network: link 0`),
    );
    const foreignJson = await write(
      "other-format",
      EdnnKind.model,
      { format: "something-else" },
      description.weights,
    );
    expect((await loadError(foreignJson)).message).toMatch(
      /format is "something-else", expected "neureco-model"/,
    );
  });

  it("a failed load leaves the previous model in place", async () => {
    const { model, path } = await savedModel("kept", 8);
    const bad = join(dir, "bad.ednn");
    await writeFile(bad, "not a model");
    await expect(model.load(bad)).rejects.toThrow(bad);
    await expect(model.load(join(dir, "nothing-here"))).rejects.toThrow(/no such file/);
    const other = new Regressor();
    await other.load(path);
    expect(model.getWeights().toArray()).toEqual(other.getWeights().toArray());
    model.delete();
    other.delete();
  });

  it("save before any model says so, naming the file, and writes nothing", async () => {
    const r = new Regressor();
    const target = join(dir, "nothing-yet");
    await expect(r.save(target)).rejects.toThrow(
      new Error(`save: there is no model to save to "${target}.ednn" yet; build() or load() one first`),
    );
    expect((await readdir(dir)).filter((f) => f.startsWith("nothing-yet"))).toEqual([]);
    r.delete();
  });

  it("save errors name the path and leave no temporary file", async () => {
    const { model } = await savedModel("blocker", 9);
    // A file where a directory is needed makes the write fail.
    const target = join(dir, "blocker.ednn", "inside");
    await expect(model.save(target)).rejects.toThrow(`cannot write "${target}.ednn"`);
    expect((await readdir(dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    model.delete();
  });
});
