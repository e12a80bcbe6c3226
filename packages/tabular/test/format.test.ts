import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import zlib from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { EdnnProblem } from "../src/format/index.js";
import {
  crc32,
  decodeEdnn,
  EDNN_MAGIC,
  EDNN_VERSION,
  EdnnFormatError,
  EdnnKind,
  encodeEdnn,
} from "../src/format/index.js";
import { writeFileAtomic } from "../src/node/index.js";

/** Float64 values from raw 64-bit patterns: covers NaN payloads, -0, subnormals, infinities. */
function fromBits(bits: bigint[]): Float64Array {
  return new Float64Array(BigUint64Array.from(bits).buffer);
}

function bitsOf(values: Float64Array): bigint[] {
  return Array.from(new BigUint64Array(values.slice().buffer));
}

function catchEdnn(fn: () => unknown): EdnnFormatError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(EdnnFormatError);
    return error as EdnnFormatError;
  }
  throw new Error("expected an EdnnFormatError, nothing was thrown");
}

function expectProblem(fn: () => unknown, problem: EdnnProblem, message?: string): void {
  const e = catchEdnn(fn);
  expect(e.problem).toBe(problem);
  if (message !== undefined) expect(e.message).toBe(message);
}

/**
 * Builds a container by hand from the layout in docs/ednn-format.md, without
 * the encoder, so tests can craft files the encoder would never write.
 */
function assemble(parts: {
  version?: number;
  kind?: number;
  json: string | Uint8Array;
  data?: Uint8Array;
}): Uint8Array {
  const json = typeof parts.json === "string" ? new TextEncoder().encode(parts.json) : parts.json;
  const dataStart = Math.ceil((24 + json.length) / 8) * 8;
  const data = parts.data ?? new Uint8Array(0);
  const total = dataStart + data.length + 4;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode("NEURECO\0"), 0);
  view.setUint16(8, parts.version ?? 1, true);
  view.setUint16(10, parts.kind ?? 1, true);
  view.setUint32(12, json.length, true);
  view.setBigUint64(16, BigInt(total), true);
  out.set(json, 24);
  out.set(data, dataStart);
  view.setUint32(total - 4, zlib.crc32(out.subarray(0, total - 4)), true);
  return out;
}

const sample = () =>
  encodeEdnn({
    kind: EdnnKind.model,
    header: { inputs: ["a", "b"], note: "héllo ✓" },
    arrays: { weights: Float64Array.of(1, -2.5, 3e-300), bias: Float64Array.of(0.125) },
  });

describe("crc32", () => {
  it("matches the standard check value and zlib", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(crc32(bytes)).toBe(zlib.crc32(bytes));
      }),
    );
  });
});

describe("encodeEdnn / decodeEdnn", () => {
  it("writes the documented layout", () => {
    const bytes = sample();
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(new TextDecoder().decode(bytes.subarray(0, 8))).toBe("NEURECO\0");
    expect(Array.from(bytes.subarray(0, 8))).toEqual(Array.from(EDNN_MAGIC));
    expect(view.getUint16(8, true)).toBe(EDNN_VERSION);
    expect(view.getUint16(10, true)).toBe(1);
    const jsonLength = view.getUint32(12, true);
    expect(Number(view.getBigUint64(16, true))).toBe(bytes.length);
    const json = JSON.parse(new TextDecoder().decode(bytes.subarray(24, 24 + jsonLength)));
    expect(json.arrays).toEqual([
      { name: "weights", length: 3 },
      { name: "bias", length: 1 },
    ]);
    const dataStart = Math.ceil((24 + jsonLength) / 8) * 8;
    expect(bytes.length).toBe(dataStart + 4 * 8 + 4);
    expect(Array.from(bytes.subarray(24 + jsonLength, dataStart)).every((b) => b === 0)).toBe(true);
    expect(view.getFloat64(dataStart, true)).toBe(1);
    expect(view.getFloat64(dataStart + 16, true)).toBe(3e-300);
    expect(view.getFloat64(dataStart + 24, true)).toBe(0.125);
    expect(view.getUint32(bytes.length - 4, true)).toBe(zlib.crc32(bytes.subarray(0, bytes.length - 4)));
    // The hand-built container of the same content is byte-identical.
    const data = new Uint8Array(32);
    const dv = new DataView(data.buffer);
    [1, -2.5, 3e-300, 0.125].forEach((v, i) => dv.setFloat64(i * 8, v, true));
    expect(assemble({ json: new TextDecoder().decode(bytes.subarray(24, 24 + jsonLength)), data })).toEqual(
      bytes,
    );
  });

  it("round-trips header and arrays, float64 bit for bit", () => {
    const special = fromBits([
      0x7ff8000000000000n, // quiet NaN
      0x7ff0000000000001n, // signalling NaN, payload 1
      0xfff80000deadbeefn, // negative NaN with a payload
      0x8000000000000000n, // -0
      0x0000000000000001n, // smallest subnormal
      0x000fffffffffffffn, // largest subnormal
      0x7ff0000000000000n, // +Infinity
      0xfff0000000000000n, // -Infinity
      0x7fefffffffffffffn, // largest finite
    ]);
    const bytes = encodeEdnn({
      kind: EdnnKind.checkpoint,
      header: { models: [{ error: 0.5 }] },
      arrays: { special },
    });
    const back = decodeEdnn<{ models: { error: number }[] }>(bytes, "c.checkpoint", EdnnKind.checkpoint);
    expect(back.kind).toBe(EdnnKind.checkpoint);
    expect(back.version).toBe(EDNN_VERSION);
    expect(back.header).toEqual({ models: [{ error: 0.5 }] });
    expect(bitsOf(back.arrays.special)).toEqual(bitsOf(special));
  });

  it("round-trips random arrays and headers exactly", () => {
    const arrays = fc.dictionary(
      fc.string({ minLength: 1, maxLength: 12 }),
      fc.array(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), { maxLength: 20 }).map(fromBits),
      { maxKeys: 5 },
    );
    fc.assert(
      fc.property(
        arrays,
        fc.jsonValue(),
        fc.constantFrom(EdnnKind.model, EdnnKind.checkpoint),
        (arrs, header, kind) => {
          const bytes = encodeEdnn({ kind, header, arrays: arrs });
          const back = decodeEdnn(bytes, "r.ednn", kind);
          expect(back.header).toEqual(JSON.parse(JSON.stringify(header)));
          expect(Object.keys(back.arrays)).toEqual(Object.keys(arrs));
          for (const [name, values] of Object.entries(arrs))
            expect(bitsOf(back.arrays[name])).toEqual(bitsOf(values));
        },
      ),
    );
  });

  it("reads a sub-view of a larger buffer and keeps odd names like __proto__", () => {
    const arrays: Record<string, Float64Array> = {};
    Object.defineProperty(arrays, "__proto__", { value: Float64Array.of(7), enumerable: true });
    const inner = encodeEdnn({ kind: 1, header: null, arrays });
    const big = new Uint8Array(inner.length + 13);
    big.set(inner, 5);
    const back = decodeEdnn(big.subarray(5, 5 + inner.length), "v.ednn", EdnnKind.model);
    expect(Object.keys(back.arrays)).toEqual(["__proto__"]);
    expect(
      Array.from(Object.getOwnPropertyDescriptor(back.arrays, "__proto__")?.value as Float64Array),
    ).toEqual([7]);
  });

  it("survives a real file write and read", async () => {
    const dir = await mkdtemp(join(tmpdir(), "neureco-ednn-"));
    try {
      const path = join(dir, "m.ednn");
      await writeFileAtomic(path, sample());
      const back = decodeEdnn(new Uint8Array(await readFile(path)), path, EdnnKind.model);
      expect(Array.from(back.arrays.weights)).toEqual([1, -2.5, 3e-300]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("validates the header with parseHeader, reporting its error as an invalid header", () => {
    const bytes = sample();
    const header = decodeEdnn(bytes, "m.ednn", EdnnKind.model, (h) => h as { inputs: string[] }).header;
    expect(header.inputs).toEqual(["a", "b"]);
    expectProblem(
      () =>
        decodeEdnn(bytes, "m.ednn", EdnnKind.model, () => {
          throw new Error("missing field layers");
        }),
      "invalid-header",
      "m.ednn: invalid header: missing field layers",
    );
  });

  it("refuses bad arguments to the encoder", () => {
    expect(() => encodeEdnn({ kind: 3 as EdnnKind, header: {}, arrays: {} })).toThrow(
      "encodeEdnn: unknown kind 3",
    );
    expect(() => encodeEdnn({ kind: 1, header: {}, arrays: { "": new Float64Array(1) } })).toThrow(
      /names must not be empty/,
    );
    expect(() => encodeEdnn({ kind: 1, header: {}, arrays: { w: [1] as unknown as Float64Array } })).toThrow(
      'encodeEdnn: array "w" is not a Float64Array',
    );
  });
});

describe("decodeEdnn on bad bytes", () => {
  it("reports every truncation as truncated, with sizes", () => {
    const bytes = sample();
    for (let cut = 0; cut < bytes.length; cut++) {
      const e = catchEdnn(() => decodeEdnn(bytes.subarray(0, cut), "model.ednn", EdnnKind.model));
      expect(e.problem).toBe("truncated");
      if (cut === 0) expect(e.message).toBe("model.ednn: file is empty");
      else if (cut < 24)
        expect(e.message).toBe(`model.ednn: file is truncated (expected at least 24 bytes, got ${cut})`);
      else
        expect(e.message).toBe(`model.ednn: file is truncated (expected ${bytes.length} bytes, got ${cut})`);
    }
  });

  it("never accepts a file with one flipped bit; past the preamble it is a checksum mismatch", () => {
    const bytes = sample();
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: bytes.length - 1 }),
        fc.integer({ min: 0, max: 7 }),
        (pos, bit) => {
          const bad = bytes.slice();
          bad[pos] ^= 1 << bit;
          const e = catchEdnn(() => decodeEdnn(bad, "model.ednn", EdnnKind.model));
          expect(e.message.startsWith("model.ednn: ")).toBe(true);
          if (pos >= 24) {
            expect(e.problem).toBe("corrupted");
            expect(e.message).toBe("model.ednn: file is corrupted (checksum mismatch)");
          }
          if (pos < 8) expect(e.problem).toBe("foreign");
        },
      ),
      { numRuns: 300 },
    );
  });

  it("recognises foreign files", () => {
    const png = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d);
    expectProblem(
      () => decodeEdnn(png, "cat.png", EdnnKind.model),
      "foreign",
      "cat.png: not a neureco .ednn file (wrong magic bytes)",
    );
    const text = new TextEncoder().encode('{"weights": [1, 2, 3]}');
    expectProblem(() => decodeEdnn(text, "m.json", EdnnKind.model), "foreign");
    // A prefix of the magic is a truncated file, not a foreign one.
    expectProblem(() => decodeEdnn(EDNN_MAGIC.subarray(0, 5), "m.ednn", EdnnKind.model), "truncated");
  });

  it("refuses a newer format version, and version 0", () => {
    expectProblem(
      () =>
        decodeEdnn(
          assemble({ version: EDNN_VERSION + 1, json: '{"header":{},"arrays":[]}' }),
          "new.ednn",
          EdnnKind.model,
        ),
      "newer-version",
      `new.ednn: written with .ednn format version ${EDNN_VERSION + 1}, this library reads up to version ${EDNN_VERSION}; update @neureco/tabular`,
    );
    expectProblem(
      () => decodeEdnn(assemble({ version: 0, json: '{"header":{},"arrays":[]}' }), "z.ednn", 1),
      "corrupted",
    );
  });

  it("refuses the wrong kind and unknown kinds", () => {
    const checkpoint = encodeEdnn({ kind: EdnnKind.checkpoint, header: [], arrays: {} });
    expectProblem(
      () => decodeEdnn(checkpoint, "build.checkpoint", EdnnKind.model),
      "wrong-kind",
      "build.checkpoint: is a checkpoint file, expected a model file",
    );
    expectProblem(
      () => decodeEdnn(sample(), "m.ednn", EdnnKind.checkpoint),
      "wrong-kind",
      "m.ednn: is a model file, expected a checkpoint file",
    );
    expectProblem(
      () => decodeEdnn(assemble({ kind: 9, json: '{"header":{},"arrays":[]}' }), "k.ednn", EdnnKind.model),
      "corrupted",
      "k.ednn: file holds an unknown kind of content (9)",
    );
  });

  it("refuses garbage in the JSON section even with a valid checksum", () => {
    const cases: [string | Uint8Array, RegExp][] = [
      ["{not json", /^g\.ednn: invalid header: not valid JSON/],
      [Uint8Array.of(0x7b, 0xff, 0xfe, 0x7d), /^g\.ednn: invalid header: not valid UTF-8$/],
      ["[1,2]", /expected an object with "header" and "arrays"/],
      ['{"header":{}}', /expected an object with "header" and "arrays"/],
      ['{"header":{},"arrays":[{"length":1}]}', /an array entry has no name/],
      ['{"header":{},"arrays":[{"name":"w","length":-1}]}', /array "w" has an invalid length/],
      ['{"header":{},"arrays":[{"name":"w","length":1.5}]}', /array "w" has an invalid length/],
      [
        '{"header":{},"arrays":[{"name":"w","length":0},{"name":"w","length":0}]}',
        /array "w" is declared twice/,
      ],
      [
        '{"header":{},"arrays":[{"name":"w","length":2}]}',
        /^g\.ednn: invalid header: its arrays need 16 bytes, the file holds 8$/,
      ],
    ];
    for (const [json, message] of cases) {
      const bytes = assemble({ json, data: new Uint8Array(8) });
      const e = catchEdnn(() => decodeEdnn(bytes, "g.ednn", EdnnKind.model));
      expect(e.problem).toBe("invalid-header");
      expect(e.message).toMatch(message);
    }
  });

  it("refuses trailing bytes and inconsistent preamble lengths", () => {
    const bytes = sample();
    const longer = new Uint8Array(bytes.length + 3);
    longer.set(bytes);
    expectProblem(
      () => decodeEdnn(longer, "t.ednn", EdnnKind.model),
      "corrupted",
      `t.ednn: file has 3 unexpected bytes after its end (${bytes.length} bytes)`,
    );
    const bad = bytes.slice();
    new DataView(bad.buffer).setUint32(12, bytes.length, true); // JSON longer than the file
    expectProblem(
      () => decodeEdnn(bad, "p.ednn", EdnnKind.model),
      "corrupted",
      "p.ednn: file is corrupted (inconsistent lengths in the preamble)",
    );
  });
});
