import { randomBytes } from "node:crypto";
import { type FileHandle, mkdir, open, rename, rm } from "node:fs/promises";
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
 * removed, and the error names the path and the cause.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const target = resolve(path);
  const dir = dirname(target);
  const temp = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  let tempCreated = false;
  try {
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
    throw new Error(`cannot write "${path}": ${reason(error)}`, { cause: error });
  }
  await syncDirectory(dir);
}
