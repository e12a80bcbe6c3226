import { randomBytes } from "node:crypto";
import { type FileHandle, mkdir, open, readdir, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";

// This module imports only Node built-ins (no relative imports), so that it can
// be transpiled and run on its own in a child process by the tests.

function reason(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code && !error.message.startsWith(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

/** A writer's temporary file is stale once untouched this long and its writer is gone. */
export const STALE_TEMP_AFTER_MS = 10_000;
/** …and stale anyway once untouched this long (a reused pid, a writer on another machine of a shared folder). */
export const ABANDONED_TEMP_AFTER_MS = 3_600_000;

/** Temporary files this process is writing now (absolute paths), never removed as stale. */
const inFlight = new Set<string>();

/** The temporary file of one write of `target`: `.<name>.<pid>.<12 hex digits>.tmp`, next to it. */
function tempPath(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Whether process `pid` runs on this machine (EPERM: it runs, as another user). */
function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes the temporary files that earlier writes of `target` left behind
 * when they were killed (SIGKILL, power loss) before they could remove them.
 * Only files named like this module's temporary files of that very target
 * (`.<name>.<pid>.<12 hex digits>.tmp`) are candidates, and only regular
 * files untouched for `STALE_TEMP_AFTER_MS` whose writer is gone: its pid
 * runs no process here, or it is this process and not one of its writes in
 * progress. One untouched for `ABANDONED_TEMP_AFTER_MS` is removed whatever
 * its pid. Best effort: a file that cannot be examined or removed is left.
 */
export async function removeStaleTemps(target: string, now = Date.now()): Promise<string[]> {
  const dir = dirname(target);
  const pattern = new RegExp(`^\\.${escapeRegExp(basename(target))}\\.(\\d+)\\.[0-9a-f]{12}\\.tmp$`);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const match = pattern.exec(name);
    if (!match) continue;
    const path = join(dir, name);
    if (inFlight.has(path)) continue;
    try {
      const info = await stat(path);
      const idle = now - info.mtimeMs;
      if (!info.isFile() || idle < STALE_TEMP_AFTER_MS) continue;
      const pid = Number(match[1]);
      const writerGone = pid === process.pid || !processRuns(pid);
      if (!writerGone && idle < ABANDONED_TEMP_AFTER_MS) continue;
      await rm(path);
      removed.push(path);
    } catch {
      // Gone already, or not ours to remove: leave it.
    }
  }
  return removed;
}

/**
 * Why the folder of `path` cannot hold it, when one of its ancestors is not
 * a directory: `"a/b" is a file, not a directory`. Null when no ancestor is
 * in the way (the failure has another cause).
 */
async function blockingAncestor(path: string): Promise<string | null> {
  let dir = dirname(path);
  for (;;) {
    try {
      const info = await stat(dir);
      if (info.isDirectory()) return null;
      return `"${dir}" is ${info.isFile() ? "a file" : "not a regular file"}, not a directory`;
    } catch {
      // Missing (or unreadable): look further up.
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** Flushes a directory entry to disk; not every platform can open a directory, so failures are ignored. */
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch {
    // Windows and some file systems refuse to open or fsync a directory: the rename is still atomic.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * Writes `data` to `path` so that a reader (or a crash) sees either the old
 * file or the complete new one, never a half-written file: the bytes go to a
 * temporary file in the same directory, are flushed with fsync, and the
 * temporary file is renamed over the target. Missing parent directories are
 * created. On failure the old file is untouched, the temporary file is
 * removed, and the error names the path and the cause (one plain sentence
 * when a parent of the path is a file). Temporary files of the same target
 * left by earlier killed writes are removed first (`removeStaleTemps`).
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const target = resolve(path);
  const dir = dirname(target);
  const temp = tempPath(target);
  let tempCreated = false;
  inFlight.add(temp);
  try {
    await removeStaleTemps(target);
    await mkdir(dir, { recursive: true });
    // "wx": fail rather than reuse an existing file of the same (random) name.
    const handle = await open(temp, "wx", 0o644);
    tempCreated = true;
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
    tempCreated = false;
  } catch (error) {
    if (tempCreated) await rm(temp, { force: true }).catch(() => undefined);
    const code = (error as NodeJS.ErrnoException).code;
    const blocked = code === "ENOTDIR" || code === "EEXIST" ? await blockingAncestor(path) : null;
    throw new Error(`cannot write "${path}": ${blocked ?? reason(error)}`, { cause: error });
  } finally {
    inFlight.delete(temp);
  }
  await syncDirectory(dir);
}
