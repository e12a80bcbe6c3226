/**
 * Fuzzing of the readers of model files and checkpoints (seeded, bounded):
 * a header or an array changed at random and re-encoded with a correct
 * checksum is either refused with an EdnnFormatError naming the source, or
 * read as models whose weights and normalisation are finite, whose network
 * outputs are finite on rows in the model's own input range and whose
 * predictions are never NaN (±Infinity only from an output scale near the
 * float64 limit); bytes changed without fixing the checksum are always
 * refused.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Checkpoint,
  checkpointModelDescription,
  decodeCheckpoint,
  encodeCheckpoint,
} from "../src/builder/checkpoint.js";
import { decodeEdnn, EdnnFormatError, EdnnKind, encodeEdnn } from "../src/format/index.js";
import { Matrix } from "../src/matrix.js";
import type { ModelDescription } from "../src/model/description.js";
import { modelFromBytes, modelToBytes } from "../src/model/model-file.js";
import { predict } from "./builder-helpers.js";
import { sampleCheckpoint, sampleInputs, sampleModel } from "./model-fixtures.js";

const SEED = 20261205;
const RUNS = 200;

const model = sampleModel(7);

/** Inputs in normalised units (t in [-2, 2], up to 8 inputs), 5 rows: a model is evaluated at shift + scale · t. */
const NORMALISED_ROWS = sampleInputs(
  { ...model, inputNormalization: { shift: new Float64Array(8), scale: new Float64Array(8).fill(1) } },
  5,
  3,
);

/**
 * Rows in the model's own input range (shift ± 2·scale), those with a
 * non-finite raw value (a shift near the float64 limit) left out. Rows far
 * outside that range can overflow when normalised (a scale of 2^-1022 turns
 * an input 1 away from the shift into ±Infinity, then 0·∞ is NaN): that is
 * float64 arithmetic, not something a reader can refuse.
 */
function ownRangeRows(m: ModelDescription): Matrix {
  const { shift, scale } = m.inputNormalization;
  const rows = NORMALISED_ROWS.map((t) => Array.from(shift, (s, j) => s + scale[j] * t[j])).filter((row) =>
    row.every(Number.isFinite),
  );
  return new Matrix(Float64Array.from(rows.flat()), rows.length, shift.length);
}

type Json = Record<string | number, unknown>;
type Arrays = Record<string, Float64Array>;
type Path = readonly (string | number)[];

interface FileKind {
  readonly name: string;
  readonly source: string;
  readonly kind: EdnnKind;
  readonly bytes: Uint8Array;
  /** Reads the bytes; returns the models they describe (checked for finite numbers and predictions). */
  readonly read: (bytes: Uint8Array, source: string) => ModelDescription[];
  /** Float64 arrays of the container worth mutating. */
  readonly arrays: readonly string[];
}

function checkpointModels(c: Checkpoint): ModelDescription[] {
  for (const v of [c.seed, ...c.validationRows]) expect(Number.isFinite(v), "checkpoint number").toBe(true);
  const entries = [...c.models, ...(c.final ? [c.final] : [])];
  for (const m of entries) {
    for (const v of [...m.beta, m.elapsedMs]) expect(Number.isFinite(v), "beta / elapsedMs").toBe(true);
  }
  return entries.map((m) => checkpointModelDescription(c, m));
}

const kinds: readonly FileKind[] = [
  {
    name: "model file",
    source: "fuzz.ednn",
    kind: EdnnKind.model,
    bytes: modelToBytes(model),
    read: (bytes, source) => [modelFromBytes(bytes, source)],
    arrays: ["weights"],
  },
  {
    name: "checkpoint",
    source: "fuzz.checkpoint",
    kind: EdnnKind.checkpoint,
    bytes: encodeCheckpoint(sampleCheckpoint(model, 7)),
    read: (bytes, source) => checkpointModels(decodeCheckpoint(bytes, source)),
    arrays: ["model.0.weights", "validationRows"],
  },
];

function contents(file: FileKind): { header: Json; arrays: Arrays } {
  const decoded = decodeEdnn(file.bytes, "original", file.kind);
  const arrays: Arrays = {};
  for (const [name, a] of Object.entries(decoded.arrays)) arrays[name] = a.slice();
  return { header: structuredClone(decoded.header) as Json, arrays };
}

/** Every path in a JSON value (containers and leaves), the root excluded. */
function paths(v: unknown, prefix: Path = []): Path[] {
  if (v === null || typeof v !== "object") return [];
  const keys: (string | number)[] = Array.isArray(v) ? v.map((_, i) => i) : Object.keys(v);
  return keys.flatMap((k) => {
    const p = [...prefix, k];
    return [p, ...paths((v as Json)[k], p)];
  });
}

function parentOf(root: Json, path: Path): Json {
  let at = root;
  for (const k of path.slice(0, -1)) at = at[k] as Json;
  return at;
}

const MUTATIONS = [
  "null",
  "nan-string",
  "huge",
  "negative",
  "string",
  "empty-array",
  "empty-object",
  "delete",
  "duplicate",
  "trim",
  "swap",
] as const;
type Mutation = (typeof MUTATIONS)[number];

/** Applies `mutation` at `path` (for arrays: to the list holding the path, or the value if it is a list). */
function mutate(root: Json, path: Path, mutation: Mutation): void {
  const parent = parentOf(root, path);
  const key = path[path.length - 1];
  const value = parent[key];
  const list = Array.isArray(value) ? value : Array.isArray(parent) ? parent : undefined;
  switch (mutation) {
    case "null":
      parent[key] = null;
      return;
    case "nan-string":
      parent[key] = "NaN";
      return;
    case "huge":
      parent[key] = 1.7976931348623157e308;
      return;
    case "negative":
      parent[key] = typeof value === "number" ? -Math.abs(value) - 1 : -1;
      return;
    case "string":
      parent[key] = "x";
      return;
    case "empty-array":
      parent[key] = [];
      return;
    case "empty-object":
      parent[key] = {};
      return;
    case "delete":
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
      return;
    case "duplicate":
      if (list && list.length > 0) list.push(structuredClone(list[list.length - 1]));
      return;
    case "trim":
      list?.pop();
      return;
    case "swap":
      if (list && list.length > 1) [list[0], list[list.length - 1]] = [list[list.length - 1], list[0]];
      return;
  }
}

/** Reads `bytes`: a clean EdnnFormatError naming the source, or models with finite numbers and predictions. */
function readCleanly(file: FileKind, bytes: Uint8Array, counts: { refused: number; read: number }): void {
  let models: ModelDescription[];
  try {
    models = file.read(bytes, file.source);
  } catch (error) {
    if (!(error instanceof EdnnFormatError)) throw error;
    expect(error.source).toBe(file.source);
    expect(error.message.startsWith(`${file.source}: `), error.message).toBe(true);
    counts.refused++;
    return;
  }
  counts.read++;
  for (const m of models) {
    const numbers = [
      ...m.weights,
      ...m.inputNormalization.shift,
      ...m.inputNormalization.scale,
      ...m.outputNormalization.shift,
      ...m.outputNormalization.scale,
    ];
    const bad = numbers.find((v) => !Number.isFinite(v));
    expect(bad, `${file.name}: a non-finite number was read`).toBeUndefined();
    const x = ownRangeRows(m);
    // The network itself (output normalisation left out) is finite on the model's own range.
    const identity = {
      shift: new Float64Array(m.structure.outputs),
      scale: new Float64Array(m.structure.outputs).fill(1),
    };
    const z = predict({ ...m, outputNormalization: identity }, x);
    // In raw units nothing is NaN; an output scale near the float64 limit (one the
    // normalisation code can write, for data spanning the float64 range) may overflow to ±Infinity.
    const y = predict(m, x);
    const network = z.data.findIndex((v) => !Number.isFinite(v));
    const raw = y.data.findIndex((v) => Number.isNaN(v));
    if (network >= 0 || raw >= 0) {
      throw new Error(
        `${file.name}: ${network >= 0 ? `network output ${network} is ${z.data[network]}` : `prediction ${raw} is NaN`} for rows ${JSON.stringify(Array.from(x.data))}, model ${JSON.stringify(
          {
            structure: m.structure,
            weights: Array.from(m.weights),
            inputNormalization: {
              shift: Array.from(m.inputNormalization.shift),
              scale: Array.from(m.inputNormalization.scale),
            },
            outputNormalization: {
              shift: Array.from(m.outputNormalization.shift),
              scale: Array.from(m.outputNormalization.scale),
            },
          },
        )}`,
      );
    }
  }
}

/** A float64 from raw bits, or one of the values that break arithmetic. */
const float64Bits = fc.oneof(
  fc
    .tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }))
    .map(([hi, lo]) => {
      const view = new DataView(new ArrayBuffer(8));
      view.setUint32(0, hi);
      view.setUint32(4, lo);
      return view.getFloat64(0);
    }),
  fc.constantFrom(
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    Number.MAX_VALUE,
    -Number.MAX_VALUE,
    Number.MIN_VALUE,
    2.2250738585072014e-308,
    1e100,
    -1e100,
    1e101,
    0,
    -0,
  ),
);

describe.each(kinds)("fuzzed $name", (file) => {
  const original = contents(file);
  const headerPaths = paths(original.header);

  it("the unmutated bytes read back", () => {
    const counts = { refused: 0, read: 0 };
    readCleanly(file, file.bytes, counts);
    expect(counts.read).toBe(1);
  });

  it("a mutated header (checksum recomputed) is refused cleanly or read with finite predictions", () => {
    const counts = { refused: 0, read: 0 };
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(headerPaths.length - 1), fc.constantFrom(...MUTATIONS)), {
          minLength: 1,
          maxLength: 3,
        }),
        (changes) => {
          const { header, arrays } = contents(file);
          for (const [i, mutation] of changes) {
            const path = headerPaths[i];
            // An earlier change may have removed the path.
            try {
              if (parentOf(header, path) === null || typeof parentOf(header, path) !== "object") continue;
            } catch {
              continue;
            }
            mutate(header, path, mutation);
          }
          readCleanly(file, encodeEdnn({ kind: file.kind, header, arrays }), counts);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
    expect(counts.read).toBeGreaterThan(0);
    expect(counts.refused).toBeGreaterThan(0);
  });

  it("random float64 bits in the arrays or normalisation (checksum recomputed) are refused cleanly or read with finite predictions", () => {
    const counts = { refused: 0, read: 0 };
    const normalizationPaths = headerPaths.filter(
      (p) => p.length === 3 && /Normalization$/.test(String(p[0])) && typeof p[2] === "number",
    );
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.nat(file.arrays.length + normalizationPaths.length - 1), fc.nat(1000), float64Bits),
          { minLength: 1, maxLength: 4 },
        ),
        (changes) => {
          const { header, arrays } = contents(file);
          for (const [target, index, value] of changes) {
            if (target < file.arrays.length) {
              const a = arrays[file.arrays[target]];
              if (a.length > 0) a[index % a.length] = value;
            } else {
              const path = normalizationPaths[target - file.arrays.length];
              parentOf(header, path)[path[path.length - 1]] = value; // NaN and ±Infinity become null
            }
          }
          readCleanly(file, encodeEdnn({ kind: file.kind, header, arrays }), counts);
        },
      ),
      { seed: SEED + 1, numRuns: RUNS },
    );
    expect(counts.read).toBeGreaterThan(0);
    expect(counts.refused).toBeGreaterThan(0);
  });

  it("changed bytes without a recomputed checksum are always refused", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(file.bytes.length - 1), fc.integer({ min: 1, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        (flips) => {
          const bytes = file.bytes.slice();
          for (const [at, mask] of flips) bytes[at] ^= mask;
          if (bytes.every((b, i) => b === file.bytes[i])) return; // the flips cancelled out
          let error: unknown;
          try {
            file.read(bytes, file.source);
          } catch (e) {
            error = e;
          }
          expect(error, `flips ${JSON.stringify(flips)} were not refused`).toBeInstanceOf(EdnnFormatError);
          expect((error as EdnnFormatError).source).toBe(file.source);
        },
      ),
      { seed: SEED + 2, numRuns: RUNS },
    );
  });
});
