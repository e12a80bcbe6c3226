/**
 * Reading a `.ednn` container (model or checkpoint) from disk, checking
 * before reading (SPEC section 7): the file must be a regular file (a FIFO
 * would hang, a device such as /dev/zero never ends), its 24-byte preamble
 * is read and checked first (magic, version, declared lengths, declared
 * total = the file's size), and only then exactly the declared number of
 * bytes is read. A foreign or mis-sized file of any size costs one small read.
 */
import { constants, type Stats } from "node:fs";
import { type FileHandle, open, stat } from "node:fs/promises";
import { EDNN_PREAMBLE_BYTES, EdnnFormatError, readEdnnPreamble } from "../format/ednn.js";

/** A path that is not a regular file (a directory, FIFO, device or socket); nothing was read from it. */
export class NotARegularFileError extends Error {
  override readonly name = "NotARegularFileError";
  /** "EISDIR" for a directory (as Node reports it), else "ENOTREG". */
  readonly code: "EISDIR" | "ENOTREG";
  readonly path: string;

  constructor(path: string, info: Stats) {
    super(`it is ${describeFileType(info)}, not a regular file`);
    this.code = info.isDirectory() ? "EISDIR" : "ENOTREG";
    this.path = path;
  }
}

function describeFileType(info: Stats): string {
  if (info.isDirectory()) return "a directory";
  if (info.isFIFO()) return "a FIFO (named pipe)";
  if (info.isCharacterDevice()) return "a character device";
  if (info.isBlockDevice()) return "a block device";
  if (info.isSocket()) return "a socket";
  return "not a regular file";
}

/** Fills `buffer` from `position`; returns how many bytes were read (fewer only at the end of the file). */
export async function readFully(handle: FileHandle, buffer: Uint8Array, position: number): Promise<number> {
  let read = 0;
  while (read < buffer.length) {
    const { bytesRead } = await handle.read(buffer, read, buffer.length - read, position + read);
    if (bytesRead === 0) break;
    read += bytesRead;
  }
  return read;
}

/**
 * The bytes of the container at `path`, for `decodeEdnn`. Throws
 * `NotARegularFileError` for a directory, FIFO, device or socket (symbolic
 * links are followed: a link to /dev/zero is a character device), Node's
 * own errors when the file cannot be opened (ENOENT, EACCES), and an
 * `EdnnFormatError` naming `source` for a foreign, newer, truncated or
 * oversized file, after reading at most its first 24 bytes.
 */
export async function readEdnnFile(path: string, source: string = path): Promise<Uint8Array> {
  // stat first: opening a FIFO for reading blocks until a writer comes.
  const before = await stat(path);
  if (!before.isFile()) throw new NotARegularFileError(path, before);
  // O_NONBLOCK (where the platform has it) so that a FIFO swapped in after the stat cannot hang the open.
  const flags = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);
  const handle = await open(path, flags);
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new NotARegularFileError(path, info);
    const size = info.size;
    const head = new Uint8Array(Math.min(size, EDNN_PREAMBLE_BYTES));
    const headRead = await readFully(handle, head, 0);
    const { total } = readEdnnPreamble(head.subarray(0, headRead), size, source);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(total);
    } catch {
      throw new EdnnFormatError(source, "corrupted", `file is too large to read (${total} bytes)`);
    }
    bytes.set(head);
    const got = headRead + (await readFully(handle, bytes.subarray(headRead), headRead));
    if (got < total) {
      // The file shrank after the stat (another process is writing it).
      throw new EdnnFormatError(
        source,
        "truncated",
        `file is truncated (expected ${total} bytes, got ${got})`,
      );
    }
    return bytes;
  } finally {
    await handle.close().catch(() => undefined);
  }
}
