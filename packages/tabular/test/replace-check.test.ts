import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileReplaceError, Regressor } from "../src/index.js";
import { sampleModel } from "./model-fixtures.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "neureco-replace-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const CSV = "a;b\n1;2\n3;4\n";
const x = Array.from({ length: 24 }, (_, i) => [i / 23]);
const y = x.map(([v]) => [2 * v + 1]);

async function csvAt(name: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, CSV);
  return path;
}

async function rejection(promise: Promise<unknown>): Promise<FileReplaceError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(FileReplaceError);
    return error as FileReplaceError;
  }
  throw new Error("the write was not refused");
}

describe("model and checkpoint writes refuse to replace other files", () => {
  it("save onto a CSV is refused, names the file and what it is, and leaves its bytes unchanged", async () => {
    const model = Regressor.fromDescription(sampleModel(1));
    const path = await csvAt("data.ednn");
    const error = await rejection(model.save(path));
    expect(error.message).toBe(
      `refusing to replace "${path}": it is not a neureco file, not a neureco model (pass force: true to replace it anyway)`,
    );
    expect(error.path).toBe(path);
    expect(error.expected).toBe("model");
    expect(await readFile(path, "utf8")).toBe(CSV);
    expect((await readdir(dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    model.delete();
  });

  it("save replaces a model, and anything with force: true", async () => {
    const a = Regressor.fromDescription(sampleModel(1));
    const b = Regressor.fromDescription(sampleModel(2));
    const path = join(dir, "m.ednn");
    await a.save(path);
    await b.save(path);
    const back = new Regressor();
    await back.load(path);
    expect(back.getWeights().toArray()).toEqual(b.getWeights().toArray());

    const csv = await csvAt("forced.ednn");
    await a.save(csv, { force: true });
    await back.load(csv);
    expect(back.getWeights().toArray()).toEqual(a.getWeights().toArray());
    await expect(a.save(csv, { force: "yes" } as never)).rejects.toThrow("save: force must be true or false");
    for (const r of [a, b, back]) r.delete();
  });

  it("save onto an empty file, a directory or a checkpoint is refused", async () => {
    const model = Regressor.fromDescription(sampleModel(1));
    const empty = join(dir, "empty.ednn");
    await writeFile(empty, "");
    expect((await rejection(model.save(empty))).found).toBe("an empty file");
    expect(await readFile(empty, "utf8")).toBe("");
    await mkdir(join(dir, "folder.ednn"));
    expect((await rejection(model.save(join(dir, "folder")))).found).toBe("a directory");
    model.delete();
  });

  it("build refuses writeModelTo and checkpointAddress on other files before building", async () => {
    const r = new Regressor();
    const csv = await csvAt("x.csv");
    const model = join(dir, "built.ednn");
    let error = await rejection(
      r.build({ inputData: x, outputData: y, writeModelTo: model, checkpointAddress: csv, seed: 1 }),
    );
    expect(error.message).toContain(`"${csv}": it is not a neureco file, not a neureco checkpoint`);
    expect(await readFile(csv, "utf8")).toBe(CSV);
    expect(r.hasModel).toBe(false);

    const csvModel = await csvAt("y.ednn");
    error = await rejection(r.build({ inputData: x, outputData: y, writeModelTo: join(dir, "y"), seed: 1 }));
    expect(error.message).toContain(`"${csvModel}": it is not a neureco file, not a neureco model`);
    expect(await readFile(csvModel, "utf8")).toBe(CSV);
    r.delete();
  });

  it("a build replaces its own model and checkpoint, and other files with force: true", async () => {
    const model = join(dir, "again.ednn");
    const checkpoint = join(dir, "again.checkpoint");
    const first = new Regressor();
    await first.build({
      inputData: x,
      outputData: y,
      writeModelTo: model,
      checkpointAddress: checkpoint,
      seed: 1,
    });
    first.delete();
    // A checkpoint is not a model, nor a model a checkpoint.
    const swapped = new Regressor();
    const error = await rejection(
      swapped.build({
        inputData: x,
        outputData: y,
        writeModelTo: checkpoint.replace(/\.checkpoint$/, ".x"),
        checkpointAddress: model,
        seed: 1,
      }),
    );
    expect(error.found).toBe("a neureco model");
    swapped.delete();

    const again = new Regressor();
    await again.build({
      inputData: x,
      outputData: y,
      writeModelTo: model,
      checkpointAddress: checkpoint,
      seed: 2,
    });
    again.delete();

    const csv = await csvAt("x2.csv");
    const forced = new Regressor();
    await forced.build({ inputData: x, outputData: y, checkpointAddress: csv, force: true, seed: 1 });
    forced.delete();
    expect(Buffer.from((await readFile(csv)).subarray(0, 8)).toString("latin1")).toBe("NEURECO\0");
  }, 120_000);
});
