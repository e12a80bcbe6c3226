import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeStaleTemps, STALE_TEMP_AFTER_MS, writeFileAtomic } from "../src/node/atomic-write.js";

const run = promisify(execFile);
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "neureco-atomic-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function fresh(name: string): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  return dir;
}

describe("writeFileAtomic", () => {
  it("writes bytes and text that read back, creating parent directories", async () => {
    const dir = await fresh("basic");
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 37) % 256);
    const path = join(dir, "a", "b", "model.ednn");
    await writeFileAtomic(path, bytes);
    expect(new Uint8Array(await readFile(path))).toEqual(bytes);
    await writeFileAtomic(join(dir, "t.txt"), "héllo");
    expect(await readFile(join(dir, "t.txt"), "utf8")).toBe("héllo");
    expect((await readdir(join(dir, "a", "b"))).sort()).toEqual(["model.ednn"]);
  });

  it("replaces an existing file completely (shorter content leaves no tail)", async () => {
    const dir = await fresh("replace");
    const path = join(dir, "f.bin");
    await writeFileAtomic(path, new Uint8Array(500).fill(7));
    await writeFileAtomic(path, Uint8Array.of(1, 2, 3));
    expect(new Uint8Array(await readFile(path))).toEqual(Uint8Array.of(1, 2, 3));
    expect(await readdir(dir)).toEqual(["f.bin"]);
  });

  it("fails when the target is a directory: the error names the path, nothing is lost or left behind", async () => {
    const dir = await fresh("target-is-dir");
    const target = join(dir, "model.ednn");
    await mkdir(target);
    await writeFile(join(target, "keep.txt"), "old");
    await expect(writeFileAtomic(target, Uint8Array.of(1))).rejects.toThrow(
      `cannot write "${target}": EISDIR`,
    );
    expect(await readdir(dir)).toEqual(["model.ednn"]);
    expect(await readFile(join(target, "keep.txt"), "utf8")).toBe("old");
  });

  it("fails when a parent is a regular file, in one sentence naming the path and that file", async () => {
    const dir = await fresh("parent-is-file");
    await writeFile(join(dir, "plain"), "x");
    const target = join(dir, "plain", "model.ednn");
    await expect(writeFileAtomic(target, Uint8Array.of(1))).rejects.toThrow(
      new Error(`cannot write "${target}": "${join(dir, "plain")}" is a file, not a directory`),
    );
    // Deeper: the file is found further up.
    const deeper = join(dir, "plain", "sub", "model.ednn");
    await expect(writeFileAtomic(deeper, Uint8Array.of(1))).rejects.toThrow(
      new Error(`cannot write "${deeper}": "${join(dir, "plain")}" is a file, not a directory`),
    );
    expect(await readFile(join(dir, "plain"), "utf8")).toBe("x");
    expect(await readdir(dir)).toEqual(["plain"]);
  });

  describe("temporary files left by killed writes", () => {
    /** A pid that runs no process: above Linux's pid_max (4194304). */
    const deadPid = 2 ** 22 + 17;
    const longAgo = (Date.now() - 2 * STALE_TEMP_AFTER_MS) / 1000;

    async function leftover(dir: string, name: string, old = true): Promise<void> {
      await writeFile(join(dir, name), "half");
      if (old) await utimes(join(dir, name), longAgo, longAgo);
    }

    it("the next save removes stale ones of the same target, and only those", async () => {
      const dir = await fresh("stale");
      const target = join(dir, "model.ednn");
      const stale = [
        `.model.ednn.${deadPid}.0123456789ab.tmp`,
        `.model.ednn.${process.pid}.aaaaaaaaaaaa.tmp`,
      ];
      const kept = [
        // Fresh: perhaps a write that has just begun.
        `.model.ednn.${deadPid}.bbbbbbbbbbbb.tmp`,
        // Its writer (our parent process) still runs.
        `.model.ednn.${process.ppid}.cccccccccccc.tmp`,
        // Another target, and names that are not this module's temporary files.
        `.other.ednn.${deadPid}.0123456789ab.tmp`,
        `.model.ednn.${deadPid}.tmp`,
        `model.ednn.${deadPid}.0123456789ab.tmp`,
        `.model.ednn.${deadPid}.0123456789ab.tmp.keep`,
        "notes.txt",
      ];
      for (const name of stale) await leftover(dir, name);
      for (const name of kept) await leftover(dir, name, name !== kept[0]);
      await writeFileAtomic(target, Uint8Array.of(1, 2, 3));
      expect(new Uint8Array(await readFile(target))).toEqual(Uint8Array.of(1, 2, 3));
      expect((await readdir(dir)).sort()).toEqual([...kept, "model.ednn"].sort());
    });

    it("removeStaleTemps says what it removed and leaves a missing folder alone", async () => {
      const dir = await fresh("stale-direct");
      const name = `.m.checkpoint.${deadPid}.00000000ffff.tmp`;
      await leftover(dir, name);
      expect(await removeStaleTemps(join(dir, "m.checkpoint"))).toEqual([join(dir, name)]);
      expect(await readdir(dir)).toEqual([]);
      expect(await removeStaleTemps(join(dir, "absent", "m.checkpoint"))).toEqual([]);
    });
  });

  /**
   * A write that fails part-way: a child process runs the real module under a
   * file-size limit (RLIMIT_FSIZE, which binds root too), so writing the new
   * content fails with EFBIG after the temporary file was created.
   */
  describe("when the disk refuses the data mid-write", () => {
    let script: string;

    beforeAll(async () => {
      const here = dirname(fileURLToPath(import.meta.url));
      const source = await readFile(join(here, "..", "src", "node", "atomic-write.ts"), "utf8");
      const js = ts.transpileModule(source, {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      }).outputText;
      const dir = await fresh("child");
      await writeFile(join(dir, "atomic-write.mjs"), js);
      script = join(dir, "main.mjs");
      await writeFile(
        script,
        [
          'import { writeFileAtomic } from "./atomic-write.mjs";',
          // Node ignores SIGXFSZ, so an over-limit write fails with EFBIG rather than killing the process.
          "try {",
          "  await writeFileAtomic(process.argv[2], new Uint8Array(1 << 20).fill(9));",
          '  console.log("written");',
          "} catch (e) { console.log(e.message); }",
        ].join("\n"),
      );
    });

    async function runLimited(target: string): Promise<string> {
      // `ulimit -f 16`: at most 16 blocks (8 or 16 KiB depending on the shell), far below 1 MiB.
      const { stdout } = await run("sh", [
        "-c",
        'ulimit -f 16 && exec "$0" "$@"',
        process.execPath,
        script,
        target,
      ]);
      return stdout;
    }

    it("reports the failure, keeps the old file and removes the temporary file", async () => {
      const dir = await fresh("efbig");
      const target = join(dir, "model.ednn");
      const old = new Uint8Array(64).fill(1);
      await writeFile(target, old);
      const stdout = await runLimited(target);
      expect(stdout.trim()).toBe(`cannot write "${target}": EFBIG: file too large, write`);
      expect(new Uint8Array(await readFile(target))).toEqual(old);
      expect(await readdir(dir)).toEqual(["model.ednn"]);
    });
  });
});
