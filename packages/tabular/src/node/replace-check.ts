/**
 * The guard in front of every write of a model or checkpoint file (SPEC
 * section 7): a file that is not of the kind about to be written (a CSV, any
 * non-model file) is never replaced unless the caller asks (`force`). Only
 * the container's preamble is read: the magic bytes and the kind.
 */
import { type FileHandle, open, stat } from "node:fs/promises";
import { EDNN_MAGIC, EdnnKind } from "../format/ednn.js";
import { readFully } from "./ednn-file.js";

/** The kinds of `.ednn` container the library writes to a path. */
export type ReplacedKind = "model" | "checkpoint";

/** Magic (8 bytes), version (u16), kind (u16, little-endian). */
const PREAMBLE_BYTES = 12;

/** Refusal to replace an existing file that is not of the kind about to be written; the file is untouched. */
export class FileReplaceError extends Error {
  override readonly name = "FileReplaceError";
  /** The file that was not replaced. */
  readonly path: string;
  /** The kind of file that was about to be written. */
  readonly expected: ReplacedKind;
  /** What the file is instead, e.g. "not a neureco file", "a neureco model". */
  readonly found: string;

  constructor(path: string, expected: ReplacedKind, found: string) {
    super(
      `refusing to replace "${path}": it is ${found}, not a neureco ${expected} (pass force: true to replace it anyway)`,
    );
    this.path = path;
    this.expected = expected;
    this.found = found;
  }
}

function code(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * What is at `path`, compared with `kind`: null when nothing is there or the
 * file is a container of that kind (so it may be replaced), else a short
 * description of what it is. Reads at most the first 12 bytes.
 */
export async function foreignFileAt(path: string, kind: ReplacedKind): Promise<string | null> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (error) {
    // Nothing there (or a parent that is not a folder: the write itself will say so).
    if (code(error) === "ENOENT" || code(error) === "ENOTDIR") return null;
    return `a file that cannot be examined (${code(error) ?? String(error)})`;
  }
  if (info.isDirectory()) return "a directory";
  if (!info.isFile()) return "not a regular file";
  if (info.size === 0) return "an empty file";
  const head = new Uint8Array(PREAMBLE_BYTES);
  let read = 0;
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, "r");
    read = await readFully(handle, head, 0);
  } catch (error) {
    return `a file that cannot be read (${code(error) ?? String(error)})`;
  } finally {
    await handle?.close().catch(() => undefined);
  }
  if (read < PREAMBLE_BYTES || !EDNN_MAGIC.every((b, i) => head[i] === b)) return "not a neureco file";
  const found = head[10] | (head[11] << 8);
  if (found === EdnnKind[kind]) return null;
  if (found === EdnnKind.model) return "a neureco model";
  if (found === EdnnKind.checkpoint) return "a neureco checkpoint";
  return `a neureco file of unknown kind ${found}`;
}

/** Throws a FileReplaceError when `path` holds a file that is not a `kind` container, unless `force`. */
export async function checkReplaceable(path: string, kind: ReplacedKind, force: boolean): Promise<void> {
  if (force) return;
  const found = await foreignFileAt(path, kind);
  if (found !== null) throw new FileReplaceError(path, kind, found);
}
