/**
 * The `.ednn` byte container (layout in docs/ednn-format.md): a fixed
 * preamble, a UTF-8 JSON section, named float64 arrays and a CRC-32.
 * Bytes in, bytes out; no Node built-ins, so it runs in browsers too.
 */
import { crc32 } from "./crc32.js";

/** The ASCII bytes "NEURECO" followed by a 0 byte. */
export const EDNN_MAGIC: Uint8Array = Uint8Array.of(0x4e, 0x45, 0x55, 0x52, 0x45, 0x43, 0x4f, 0x00);
/** The container version this library writes, and the newest it reads. */
export const EDNN_VERSION = 1;

/** What a container holds: one model, or a build checkpoint (a sequence of models with their errors). */
export const EdnnKind = { model: 1, checkpoint: 2 } as const;
export type EdnnKind = (typeof EdnnKind)[keyof typeof EdnnKind];

const KIND_NAMES: Record<number, string> = { 1: "model", 2: "checkpoint" };

/** Sizes in bytes: magic 8, version u16, kind u16, JSON length u32, total length u64. */
const PREAMBLE_BYTES = 24;
const CRC_BYTES = 4;

export type EdnnProblem =
  | "truncated"
  | "corrupted"
  | "foreign"
  | "newer-version"
  | "wrong-kind"
  | "invalid-header";

/** A `.ednn` container that cannot be read; the message names the source and the problem. */
export class EdnnFormatError extends Error {
  override readonly name = "EdnnFormatError";
  readonly source: string;
  readonly problem: EdnnProblem;

  constructor(source: string, problem: EdnnProblem, detail: string) {
    super(`${source}: ${detail}`);
    this.source = source;
    this.problem = problem;
  }
}

export interface EdnnContents<H> {
  readonly kind: EdnnKind;
  /** Any JSON-serialisable value (NaN and ±Infinity inside it become null, as in JSON). */
  readonly header: H;
  /** Named float64 arrays, stored bit for bit in the order of the object's keys. */
  readonly arrays: Readonly<Record<string, Float64Array>>;
}

export interface DecodedEdnn<H> extends EdnnContents<H> {
  /** Container version the bytes were written with. */
  readonly version: number;
}

/** The JSON section: the caller's header plus the table of arrays that follow it. */
interface JsonSection {
  header: unknown;
  arrays: { name: string; length: number }[];
}

const LITTLE_ENDIAN_PLATFORM = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function kindName(kind: number): string {
  return KIND_NAMES[kind] ?? `unknown kind ${kind}`;
}

function padTo8(n: number): number {
  return (8 - (n % 8)) % 8;
}

/** Copies float64 values as raw little-endian bytes (bit-exact, NaN payloads included). */
function writeFloat64s(values: Float64Array, out: Uint8Array, offset: number): void {
  const raw = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  if (LITTLE_ENDIAN_PLATFORM) {
    out.set(raw, offset);
    return;
  }
  for (let i = 0; i < raw.length; i += 8) for (let b = 0; b < 8; b++) out[offset + i + b] = raw[i + 7 - b];
}

function readFloat64s(bytes: Uint8Array, offset: number, length: number): Float64Array {
  const values = new Float64Array(length);
  const raw = new Uint8Array(values.buffer);
  const src = bytes.subarray(offset, offset + length * 8);
  if (LITTLE_ENDIAN_PLATFORM) raw.set(src);
  else for (let i = 0; i < raw.length; i += 8) for (let b = 0; b < 8; b++) raw[i + b] = src[i + 7 - b];
  return values;
}

/** Serialises a container. Array names must be unique non-empty strings. */
export function encodeEdnn<H>(contents: EdnnContents<H>): Uint8Array {
  const { kind, header, arrays } = contents;
  if (!(kind in KIND_NAMES)) throw new RangeError(`encodeEdnn: unknown kind ${String(kind)}`);
  const table: JsonSection["arrays"] = [];
  const values: Float64Array[] = [];
  for (const [name, array] of Object.entries(arrays)) {
    if (name.length === 0) throw new RangeError("encodeEdnn: array names must not be empty");
    if (!(array instanceof Float64Array))
      throw new TypeError(`encodeEdnn: array "${name}" is not a Float64Array`);
    table.push({ name, length: array.length });
    values.push(array);
  }
  const json = JSON.stringify({ header, arrays: table } satisfies JsonSection);
  const jsonBytes = new TextEncoder().encode(json);
  const dataStart = PREAMBLE_BYTES + jsonBytes.length + padTo8(PREAMBLE_BYTES + jsonBytes.length);
  const total = dataStart + 8 * values.reduce((n, v) => n + v.length, 0) + CRC_BYTES;

  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(EDNN_MAGIC, 0);
  view.setUint16(8, EDNN_VERSION, true);
  view.setUint16(10, kind, true);
  view.setUint32(12, jsonBytes.length, true);
  view.setBigUint64(16, BigInt(total), true);
  out.set(jsonBytes, PREAMBLE_BYTES);
  let offset = dataStart;
  for (const v of values) {
    writeFloat64s(v, out, offset);
    offset += v.byteLength;
  }
  view.setUint32(total - CRC_BYTES, crc32(out, 0, total - CRC_BYTES), true);
  return out;
}

function parseJsonSection(bytes: Uint8Array, source: string): JsonSection {
  const bad = (detail: string) => new EdnnFormatError(source, "invalid-header", `invalid header: ${detail}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (error) {
    throw bad(error instanceof SyntaxError ? `not valid JSON (${error.message})` : "not valid UTF-8");
  }
  const section = parsed as Partial<JsonSection> | null;
  if (
    section === null ||
    typeof section !== "object" ||
    !("header" in section) ||
    !Array.isArray(section.arrays)
  ) {
    throw bad('expected an object with "header" and "arrays"');
  }
  const names = new Set<string>();
  for (const entry of section.arrays as unknown[]) {
    const e = entry as Partial<Record<"name" | "length", unknown>> | null;
    if (e === null || typeof e !== "object" || typeof e.name !== "string" || e.name === "") {
      throw bad("an array entry has no name");
    }
    if (typeof e.length !== "number" || !Number.isSafeInteger(e.length) || e.length < 0) {
      throw bad(`array "${e.name}" has an invalid length`);
    }
    if (names.has(e.name)) throw bad(`array "${e.name}" is declared twice`);
    names.add(e.name);
  }
  return section as JsonSection;
}

/** What the fixed 24-byte preamble of a container declares. */
export interface EdnnPreamble {
  readonly version: number;
  /** The kind field as stored (not yet checked: the checksum is checked first). */
  readonly kind: number;
  /** Length in bytes of the JSON section. */
  readonly jsonLength: number;
  /** Total length of the file in bytes, as declared. */
  readonly total: number;
}

/** Size in bytes of the fixed preamble: magic, version, kind, JSON length, total length. */
export const EDNN_PREAMBLE_BYTES = PREAMBLE_BYTES;

/**
 * The checks of a container that need only its first bytes: magic, version
 * and declared lengths, and that the declared total length is `fileLength`.
 * `head` holds the first `min(24, fileLength)` bytes (or more); a reader of
 * files calls this before reading the rest, so a foreign, truncated or
 * oversized file is refused after reading at most 24 bytes. Throws an
 * `EdnnFormatError` naming `source`; `decodeEdnn` runs the same checks.
 */
export function readEdnnPreamble(head: Uint8Array, fileLength: number, source: string): EdnnPreamble {
  const got = Math.min(head.length, fileLength);
  const magicPrefix = Math.min(got, EDNN_MAGIC.length);
  for (let i = 0; i < magicPrefix; i++) {
    if (head[i] !== EDNN_MAGIC[i]) {
      throw new EdnnFormatError(source, "foreign", "not a neureco .ednn file (wrong magic bytes)");
    }
  }
  if (got < PREAMBLE_BYTES) {
    const detail =
      fileLength === 0
        ? "file is empty"
        : `file is truncated (expected at least ${PREAMBLE_BYTES} bytes, got ${fileLength})`;
    throw new EdnnFormatError(source, "truncated", detail);
  }
  const view = new DataView(head.buffer, head.byteOffset, PREAMBLE_BYTES);
  const version = view.getUint16(8, true);
  if (version > EDNN_VERSION) {
    throw new EdnnFormatError(
      source,
      "newer-version",
      `written with .ednn format version ${version}, this library reads up to version ${EDNN_VERSION}; update @neureco/tabular`,
    );
  }
  if (version === 0) throw new EdnnFormatError(source, "corrupted", "file is corrupted (format version 0)");
  const kind = view.getUint16(10, true);
  const jsonLength = view.getUint32(12, true);
  const total = Number(view.getBigUint64(16, true));
  if (total < PREAMBLE_BYTES + jsonLength + CRC_BYTES) {
    throw new EdnnFormatError(
      source,
      "corrupted",
      "file is corrupted (inconsistent lengths in the preamble)",
    );
  }
  if (fileLength < total) {
    throw new EdnnFormatError(
      source,
      "truncated",
      `file is truncated (expected ${total} bytes, got ${fileLength})`,
    );
  }
  if (fileLength > total) {
    throw new EdnnFormatError(
      source,
      "corrupted",
      `file has ${fileLength - total} unexpected bytes after its end (${total} bytes)`,
    );
  }
  return { version, kind, jsonLength, total };
}

/**
 * Reads a container, checking, in order: magic bytes, version, declared
 * length, checksum, kind, then the JSON section and the array table. Every
 * failure is an `EdnnFormatError` naming `source` (usually the file path).
 * `parseHeader`, when given, validates the header and may check the arrays
 * against it (a model's weights against its structure); what it throws is
 * reported as an invalid header of `source`, and what it returns is the
 * decoded `header`.
 */
export function decodeEdnn<H = unknown>(
  bytes: Uint8Array,
  source: string,
  expectedKind: EdnnKind,
  parseHeader?: (header: unknown, arrays: Readonly<Record<string, Float64Array>>) => H,
): DecodedEdnn<H> {
  if (!(bytes instanceof Uint8Array))
    throw new TypeError(`${source}: expected the file's bytes as a Uint8Array`);
  const { version, kind, jsonLength, total } = readEdnnPreamble(bytes, bytes.length, source);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stored = view.getUint32(total - CRC_BYTES, true);
  if (crc32(bytes, 0, total - CRC_BYTES) !== stored) {
    throw new EdnnFormatError(source, "corrupted", "file is corrupted (checksum mismatch)");
  }
  if (!(kind in KIND_NAMES)) {
    throw new EdnnFormatError(source, "corrupted", `file holds an unknown kind of content (${kind})`);
  }
  if (kind !== expectedKind) {
    throw new EdnnFormatError(
      source,
      "wrong-kind",
      `is a ${kindName(kind)} file, expected a ${kindName(expectedKind)} file`,
    );
  }

  const jsonEnd = PREAMBLE_BYTES + jsonLength;
  const section = parseJsonSection(bytes.subarray(PREAMBLE_BYTES, jsonEnd), source);
  const dataStart = jsonEnd + padTo8(jsonEnd);
  const declared = section.arrays.reduce((n, a) => n + a.length * 8, 0);
  if (dataStart + declared + CRC_BYTES !== total) {
    throw new EdnnFormatError(
      source,
      "invalid-header",
      `invalid header: its arrays need ${declared} bytes, the file holds ${total - CRC_BYTES - dataStart}`,
    );
  }
  const arrays: Record<string, Float64Array> = {};
  let offset = dataStart;
  for (const { name, length } of section.arrays) {
    Object.defineProperty(arrays, name, {
      value: readFloat64s(bytes, offset, length),
      enumerable: true,
      writable: true,
    });
    offset += length * 8;
  }
  let header: H;
  if (parseHeader) {
    try {
      header = parseHeader(section.header, arrays);
    } catch (error) {
      throw new EdnnFormatError(
        source,
        "invalid-header",
        `invalid header: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  } else {
    header = section.header as H;
  }
  return { kind: kind as EdnnKind, version, header, arrays };
}
