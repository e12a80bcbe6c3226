/**
 * Model files and checkpoints are checked before they are read (SPEC
 * section 7): a non-regular file (FIFO, device, directory) is refused
 * without reading, and the 24-byte preamble is checked (magic, version,
 * declared total length = the file's size) before the body is read.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, open, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Checkpoint, decodeCheckpoint, encodeCheckpoint } from "../src/builder/checkpoint.js";
import { EdnnFormatError } from "../src/format/index.js";
import { NotARegularFileError, Regressor, readEdnnFile } from "../src/index.js";
import { modelFromBytes, modelToBytes } from "../src/model/model-file.js";
import { sampleCheckpoint, sampleModel } from "./model-fixtures.js";

const run = promisify(execFile);
const GiB = 1024 ** 3;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "neureco-ednn-file-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const model = sampleModel(3);
const checkpoint: Checkpoint = sampleCheckpoint(model, 3);

/** A sparse file of `size` bytes (no disk blocks, no time) that starts with `head`. */
async function sparseFile(name: string, size: number, head: Uint8Array): Promise<string> {
  const path = join(dir, name);
  const handle = await open(path, "w");
  try {
    await handle.write(head, 0, head.length, 0);
    await handle.truncate(size);
  } finally {
    await handle.close();
  }
  return path;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

async function loadError(path: string): Promise<Error> {
  const r = new Regressor();
  try {
    return await rejection(r.load(path));
  } finally {
    r.delete();
  }
}

describe("reading .ednn files from disk", () => {
  it("a normal model and checkpoint read back", async () => {
    const modelFile = join(dir, "ok.ednn");
    const checkpointFile = join(dir, "ok.checkpoint");
    await writeFile(modelFile, modelToBytes(model));
    await writeFile(checkpointFile, encodeCheckpoint(checkpoint));
    expect(modelFromBytes(await readEdnnFile(modelFile), modelFile).weights).toEqual(model.weights);
    expect(decodeCheckpoint(await readEdnnFile(checkpointFile), checkpointFile).models[0].weights).toEqual(
      model.weights,
    );
    const r = new Regressor();
    await r.load(modelFile);
    expect(r.toDescription().weights).toEqual(model.weights);
    r.delete();
  });

  it("a 4 GiB file with wrong magic is refused after reading its first bytes", async () => {
    // Sparse: reading it whole would take 4 GiB of memory and many seconds (or fail).
    const path = await sparseFile("huge.ednn", 4 * GiB, new TextEncoder().encode("x;y\n1;2\n"));
    const started = performance.now();
    const error = await loadError(path);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(error).toBeInstanceOf(EdnnFormatError);
    expect(error.message).toBe(`${path}: not a neureco .ednn file (wrong magic bytes)`);
  });

  it("a huge file whose preamble declares another size is refused before the body is read", async () => {
    const good = modelToBytes(model);
    const trailing = await sparseFile("trailing.ednn", 4 * GiB, good);
    const error = await loadError(trailing);
    expect(error).toBeInstanceOf(EdnnFormatError);
    expect(error.message).toBe(
      `${trailing}: file has ${4 * GiB - good.length} unexpected bytes after its end (${good.length} bytes)`,
    );
    // A preamble that declares 4 GiB in a small file: truncated, nothing allocated.
    const claims = good.slice(0, 100);
    new DataView(claims.buffer).setBigUint64(16, BigInt(4 * GiB), true);
    const short = join(dir, "claims-huge.ednn");
    await writeFile(short, claims);
    const shortError = await loadError(short);
    expect((shortError as EdnnFormatError).problem).toBe("truncated");
    expect(shortError.message).toBe(`${short}: file is truncated (expected ${4 * GiB} bytes, got 100)`);
  });

  it("a truncated model is refused, naming the file", async () => {
    const good = modelToBytes(model);
    const path = join(dir, "truncated.ednn");
    await writeFile(path, good.subarray(0, good.length - 9));
    const error = await loadError(path);
    expect(error).toBeInstanceOf(EdnnFormatError);
    expect(error.message).toBe(
      `${path}: file is truncated (expected ${good.length} bytes, got ${good.length - 9})`,
    );
    await writeFile(path, good.subarray(0, 10));
    expect((await loadError(path)).message).toBe(
      `${path}: file is truncated (expected at least 24 bytes, got 10)`,
    );
  });

  it("a FIFO is refused without hanging", { timeout: 5000 }, async () => {
    const fifo = join(dir, "pipe.ednn");
    await run("mkfifo", [fifo]);
    const error = await loadError(fifo);
    expect(error.message).toBe(`cannot load model "${fifo}": it is a FIFO (named pipe), not a regular file`);
    expect(error.cause).toBeInstanceOf(NotARegularFileError);
  });

  it("a symlink to /dev/zero is refused (a character device)", { timeout: 5000 }, async () => {
    const link = join(dir, "zero.ednn");
    await symlink("/dev/zero", link);
    const error = await loadError(link);
    expect(error.message).toBe(`cannot load model "${link}": it is a character device, not a regular file`);
  });

  it("a directory is refused", async () => {
    const path = join(dir, "folder.ednn");
    await mkdir(path);
    expect((await loadError(path)).message).toBe(`cannot load model "${path}": it is a directory`);
  });

  it("build refuses a checkpoint to start from that is a FIFO or a foreign file, before building", {
    timeout: 5000,
  }, async () => {
    const x = [[0], [1], [2], [3]];
    const y = [0, 1, 2, 3];
    const fifo = join(dir, "resume-pipe.checkpoint");
    await run("mkfifo", [fifo]);
    const r = new Regressor();
    const refused = await rejection(
      r.build({ inputData: x, outputData: y, checkpointToStartBuildFrom: fifo }),
    );
    expect(refused.message).toBe(
      `build: cannot read checkpoint "${fifo}": it is a FIFO (named pipe), not a regular file`,
    );
    const foreign = await sparseFile("resume-huge.checkpoint", 4 * GiB, Uint8Array.of(1, 2, 3));
    const error = await rejection(
      r.build({ inputData: x, outputData: y, checkpointToStartBuildFrom: foreign }),
    );
    expect(error).toBeInstanceOf(EdnnFormatError);
    expect(error.message).toBe(`${foreign}: not a neureco .ednn file (wrong magic bytes)`);
    r.delete();
  });
});

describe("readEdnnFile", () => {
  it("reads exactly the declared bytes", async () => {
    const bytes = encodeCheckpoint(checkpoint);
    const path = join(dir, "exact.checkpoint");
    await writeFile(path, bytes);
    expect(await readEdnnFile(path)).toEqual(new Uint8Array(await readFile(path)));
  });

  it("names the source it is given", async () => {
    const path = join(dir, "named.ednn");
    await writeFile(path, "hello");
    await expect(readEdnnFile(path, "my model")).rejects.toThrow("my model: not a neureco .ednn file");
  });
});
