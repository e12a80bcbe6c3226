/**
 * Model and checkpoint files that must not be read whole (SPEC section 7):
 * FIFOs and devices are refused without reading, a foreign or mis-sized file
 * after its first 24 bytes, each with one error line naming the file.
 */
import { execFileSync } from "node:child_process";
import { closeSync, ftruncateSync, openSync, rmSync, symlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFixtureModel } from "./fixture-model.js";
import { assertBuilt, hasStackTrace, neureco, workspace } from "./helpers.js";

const GiB = 1024 ** 3;
let dir: string;

beforeAll(async () => {
  assertBuilt();
  dir = workspace();
  await writeFixtureModel(dir);
  execFileSync("mkfifo", [join(dir, "pipe.checkpoint"), join(dir, "pipe.ednn")]);
  symlinkSync("/dev/zero", join(dir, "zero.ednn"));
  // 4 GiB, sparse: reading it whole would take 4 GiB and many seconds.
  const fd = openSync(join(dir, "huge.ednn"), "w");
  writeSync(fd, "x;y\n1;2\n");
  ftruncateSync(fd, 4 * GiB);
  closeSync(fd);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("bad model and checkpoint files", () => {
  const plot = (checkpoint: string) =>
    neureco(
      [
        "plot",
        "--model",
        "fixture.ednn",
        "--x",
        "x_test.csv",
        "--y",
        "y_test.csv",
        "--out",
        "p.svg",
        "--checkpoint",
        checkpoint,
      ],
      dir,
    );

  it("plot --checkpoint refuses a FIFO without hanging", { timeout: 15000 }, async () => {
    const r = await plot("pipe.checkpoint");
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'error: cannot read checkpoint "pipe.checkpoint": it is a FIFO (named pipe), not a regular file\n',
    );
  });

  it("plot --checkpoint refuses a huge foreign file after its first bytes", { timeout: 15000 }, async () => {
    const r = await plot("huge.ednn");
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("error: huge.ednn: not a neureco .ednn file (wrong magic bytes)\n");
    expect(hasStackTrace(r.stderr)).toBe(false);
  });

  it("inspect refuses a FIFO, a link to /dev/zero and a huge foreign file", { timeout: 15000 }, async () => {
    const fifo = await neureco(["inspect", "--model", "pipe.ednn"], dir);
    expect(fifo.stderr).toBe(
      'error: cannot load model "pipe.ednn": it is a FIFO (named pipe), not a regular file\n',
    );
    const zero = await neureco(["inspect", "--model", "zero.ednn"], dir);
    expect(zero.stderr).toBe(
      'error: cannot load model "zero.ednn": it is a character device, not a regular file\n',
    );
    const huge = await neureco(["inspect", "--model", "huge.ednn"], dir);
    expect(huge.stderr).toBe("error: huge.ednn: not a neureco .ednn file (wrong magic bytes)\n");
    for (const r of [fifo, zero, huge]) expect(r.code).toBe(1);
  });
});
