/**
 * Model files and checkpoints read their JSON headers through one set of
 * field readers (src/model/header-fields.ts): the same defect gives the same
 * error class (EdnnFormatError, "invalid-header") and a message naming the
 * source and the field, whichever kind of file holds it.
 */
import { describe, expect, it } from "vitest";
import { type Checkpoint, decodeCheckpoint, encodeCheckpoint } from "../src/builder/checkpoint.js";
import { decodeEdnn, EdnnFormatError, EdnnKind, encodeEdnn } from "../src/format/index.js";
import { modelFromBytes, modelToBytes } from "../src/model/model-file.js";
import { weightCount } from "../src/network/structure.js";
import { sampleCheckpoint, sampleModel } from "./model-fixtures.js";

const model = sampleModel(4);
const p = weightCount(model.structure);

const checkpoint: Checkpoint = sampleCheckpoint(model, 4);

type Json = Record<string, unknown>;
type Arrays = Record<string, Float64Array>;
/** A path in a header: keys and list indices. */
type Path = readonly (string | number)[];

/** How a path is written in messages: models[0].structure.inputs. */
const show = (path: Path) =>
  path.map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? k : `.${k}`)).join("");

/** The JSON header and arrays of a file, to be changed and re-encoded. */
function contents(bytes: Uint8Array, kind: EdnnKind): { header: Json; arrays: Arrays } {
  const decoded = decodeEdnn(bytes, "original", kind);
  return { header: structuredClone(decoded.header) as Json, arrays: { ...decoded.arrays } };
}

/** Sets (or, for undefined, deletes) the value at `path`. */
function setAt(root: Json, path: Path, value: unknown): void {
  let at = root as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (value === undefined) delete at[last];
  else at[last] = value;
}

interface Kind<T> {
  readonly name: string;
  readonly source: string;
  readonly kind: EdnnKind;
  readonly bytes: Uint8Array;
  readonly read: (bytes: Uint8Array, source: string) => T;
  /** Where the model's own fields sit in the header: at the top, or in models[0]. */
  readonly modelAt: Path;
  readonly weightsArray: string;
  /** The training errors read back. */
  readonly trainingErrors: (read: T) => readonly number[];
}

const modelFile: Kind<ReturnType<typeof modelFromBytes>> = {
  name: "model file",
  source: "m.ednn",
  kind: EdnnKind.model,
  bytes: modelToBytes(model),
  read: modelFromBytes,
  modelAt: [],
  weightsArray: "weights",
  trainingErrors: (m) => m.errors?.training ?? [],
};

const checkpointFile: Kind<Checkpoint> = {
  name: "checkpoint",
  source: "c.checkpoint",
  kind: EdnnKind.checkpoint,
  bytes: encodeCheckpoint(checkpoint),
  read: decodeCheckpoint,
  modelAt: ["models", 0],
  weightsArray: "model.0.weights",
  trainingErrors: (c) => c.models[0].errors.training,
};

/** Reads `file` after `change`; returns the error it raised. */
function readError<T>(file: Kind<T>, change: (header: Json, arrays: Arrays) => void): EdnnFormatError {
  const { header, arrays } = contents(file.bytes, file.kind);
  change(header, arrays);
  const bytes = encodeEdnn({ kind: file.kind, header, arrays });
  try {
    file.read(bytes, file.source);
  } catch (error) {
    expect(error, file.name).toBeInstanceOf(EdnnFormatError);
    expect((error as EdnnFormatError).problem, file.name).toBe("invalid-header");
    expect((error as EdnnFormatError).source, file.name).toBe(file.source);
    return error as EdnnFormatError;
  }
  throw new Error(`${file.name}: the defect was not refused`);
}

/** The message an invalid header gives: the source, then the detail. */
const invalid = (file: { source: string }, detail: string) => `${file.source}: invalid header: ${detail}`;

const kinds = [modelFile, checkpointFile] as Kind<unknown>[];

describe("model files and checkpoints: one header validation", () => {
  it("both read back what was written", () => {
    expect(Array.from(modelFromBytes(modelFile.bytes, "m").weights)).toEqual(Array.from(model.weights));
    expect(Array.from(decodeCheckpoint(checkpointFile.bytes, "c").models[0].weights)).toEqual(
      Array.from(model.weights),
    );
  });

  it.each(kinds)(
    "a missing or short weights array is an EdnnFormatError naming the array ($name)",
    (file) => {
      const missing = readError(file, (_, arrays) => {
        delete arrays[file.weightsArray];
      });
      expect(missing.message).toBe(invalid(file, `array "${file.weightsArray}" is missing`));
      const short = readError(file, (_, arrays) => {
        arrays[file.weightsArray] = arrays[file.weightsArray].subarray(1);
      });
      expect(short.message).toBe(
        invalid(
          file,
          `array "${file.weightsArray}" has ${p - 1} values, ${show([...file.modelAt, "structure"])} needs ${p} weights`,
        ),
      );
    },
  );

  // [what, path inside the model's fields or from the top, bad value, detail of the message given the field]
  const defects: [string, "model" | "top", Path, unknown, (field: string) => string][] = [
    [
      "null structure count",
      "model",
      ["structure", "inputs"],
      null,
      (f) => `${f} is null, expected a positive integer`,
    ],
    [
      "missing structure count",
      "model",
      ["structure", "hidden"],
      undefined,
      (f) => `${f} is missing, expected a non-negative integer`,
    ],
    [
      "link that is not a pair",
      "model",
      ["structure", "links", 0],
      [0],
      (f) => `${f} is a list of 1, expected a [from, to] pair`,
    ],
    [
      "null link end",
      "model",
      ["structure", "links", 1, 1],
      null,
      (f) => `${f} is null, expected an integer`,
    ],
    [
      "error of the wrong type",
      "model",
      ["errors", "training", 0],
      "0.1",
      (f) => `${f} is "0.1", expected a number or null`,
    ],
    [
      "errors that are not lists",
      "model",
      ["errors", "validation"],
      0.2,
      (f) => `${f} is 0.2, expected a list`,
    ],
    ["names that are not a list", "top", ["inputNames"], "x0", (f) => `${f} is "x0", expected a list`],
    ["missing names", "top", ["outputNames"], undefined, (f) => `${f} is missing, expected a list`],
    ["a name that is not a string", "top", ["outputNames", 1], 7, (f) => `${f} is 7, expected a string`],
    [
      "null normalisation scale",
      "top",
      ["inputNormalization", "scale", 0],
      null,
      () => "inputNormalization: scale[0] is not a finite non-zero number",
    ],
    [
      "null normalisation shift",
      "top",
      ["outputNormalization", "shift", 1],
      null,
      () => "outputNormalization: shift[1] is not a finite number",
    ],
  ];

  for (const [what, where, path, value, detail] of defects) {
    it.each(kinds)(`${what}: the same error class and a message naming the field ($name)`, (file) => {
      const full = where === "model" ? [...file.modelAt, ...path] : path;
      const error = readError(file, (header) => setAt(header, full, value));
      expect(error.message).toBe(invalid(file, detail(show(full))));
    });
  }

  it.each(kinds)("normalisation that disagrees with the structure is refused, naming it ($name)", (file) => {
    const error = readError(file, (header) => {
      const n = header.inputNormalization as { shift: number[]; scale: number[] };
      n.shift.pop();
      n.scale.pop();
    });
    const at = file.modelAt.length === 0 ? "" : `${show(file.modelAt)}: `;
    expect(error.message).toBe(
      invalid(
        file,
        `${at}inputNormalization.shift has ${model.structure.inputs - 1} values, expected ${model.structure.inputs}`,
      ),
    );
  });

  it.each(kinds)("null stands for NaN where the schema says 'number or null' ($name)", (file) => {
    const { header, arrays } = contents(file.bytes, file.kind);
    setAt(header, [...file.modelAt, "errors", "training", 0], null);
    const read = file.read(encodeEdnn({ kind: file.kind, header, arrays }), file.source);
    const training = file.trainingErrors(read);
    expect(Number.isNaN(training[0])).toBe(true);
    expect(training.slice(1)).toEqual(model.errors?.training.slice(1));
  });

  it("a checkpoint refuses null where a number is required and reads it as NaN where null is allowed", () => {
    const beta = readError(checkpointFile, (header) => setAt(header, ["models", 0, "beta", 1], null));
    expect(beta.message).toBe(invalid(checkpointFile, "models[0].beta[1] is null, expected a number"));
    const seed = readError(checkpointFile, (header) => setAt(header, ["seed"], null));
    expect(seed.message).toBe(invalid(checkpointFile, "seed is null, expected a number"));
    const final = readError(checkpointFile, (header) => setAt(header, ["final"], undefined));
    expect(final.message).toBe(invalid(checkpointFile, "final is missing, expected a value or null"));

    const { header, arrays } = contents(checkpointFile.bytes, checkpointFile.kind);
    setAt(header, ["models", 0, "logEvidence"], null);
    const read = decodeCheckpoint(encodeEdnn({ kind: EdnnKind.checkpoint, header, arrays }), "c");
    expect(Number.isNaN(read.models[0].logEvidence)).toBe(true);
    expect(read.selected).toBe(0);
    expect(read.final).toBeNull();
  });

  it("a model file's errors may be null (none recorded), not absent", () => {
    const { header, arrays } = contents(modelFile.bytes, modelFile.kind);
    setAt(header, ["errors"], null);
    expect(modelFromBytes(encodeEdnn({ kind: EdnnKind.model, header, arrays }), "m").errors).toBeUndefined();
    const absent = readError(modelFile, (h) => setAt(h, ["errors"], undefined));
    expect(absent.message).toBe(invalid(modelFile, "errors is missing, expected a value or null"));
  });
});

describe("model files and checkpoints: the readers check meaning, not only types", () => {
  it.each(kinds)(
    "a NaN, ±Infinity or 1e308 weight is refused, naming the array and index ($name)",
    (file) => {
      for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e308, -1e101]) {
        const error = readError(file, (_, arrays) => {
          const w = arrays[file.weightsArray].slice();
          w[2] = bad;
          arrays[file.weightsArray] = w;
        });
        expect(error.message).toBe(
          invalid(
            file,
            `array "${file.weightsArray}"[2] is ${bad}, expected a finite weight of magnitude ≤ 1e+100`,
          ),
        );
      }
    },
  );

  it.each(kinds)("a normalisation scale below 2^-1022 (5e-324) or negative is refused ($name)", (file) => {
    for (const bad of [5e-324, 2 ** -1023, -1]) {
      const error = readError(file, (header) => setAt(header, ["inputNormalization", "scale", 1], bad));
      expect(error.message).toBe(
        invalid(file, `inputNormalization.scale[1] is ${bad}, expected a number ≥ ${2 ** -1022} (2^-1022)`),
      );
    }
  });

  it.each(kinds)("a negative error is refused ($name)", (file) => {
    const full = [...file.modelAt, "errors", "validation", 0];
    const error = readError(file, (header) => setAt(header, full, -1));
    expect(error.message).toBe(invalid(file, `${show(full)} is -1, expected a non-negative number or null`));
  });

  it.each(kinds)("names of the wrong count are refused ($name)", (file) => {
    const at = file.modelAt.length === 0 ? "" : `${show(file.modelAt)}: `;
    const m = model.structure.inputs;
    const error = readError(file, (header) => (header.inputNames as string[]).push("extra"));
    expect(error.message).toBe(invalid(file, `${at}${m + 1} input names for ${m} inputs`));
  });

  it("a header version that is not a positive integer is a type error, not a newer version", () => {
    const cases: [Kind<unknown>, string, unknown][] = [
      [modelFile as Kind<unknown>, "formatVersion", "1"],
      [modelFile as Kind<unknown>, "formatVersion", 0],
      [checkpointFile as Kind<unknown>, "version", "1"],
      [checkpointFile as Kind<unknown>, "version", 0],
      [checkpointFile as Kind<unknown>, "version", -1],
      [checkpointFile as Kind<unknown>, "version", 1.5],
    ];
    for (const [file, field, value] of cases) {
      const error = readError(file, (header) => setAt(header, [field], value));
      expect(error.message).toBe(
        invalid(file, `${field} is ${JSON.stringify(value)}, expected a positive integer`),
      );
    }
  });

  it("a checkpoint's validation rows are distinct integers ≥ 0", () => {
    for (const bad of [-1, Number.NaN, 1.5, 1e300, Number.POSITIVE_INFINITY]) {
      const error = readError(checkpointFile, (_, arrays) => {
        arrays.validationRows = Float64Array.from([3, bad]);
      });
      expect(error.message).toBe(
        invalid(
          checkpointFile,
          `array "validationRows"[1] is ${bad}, expected a row number (an integer ≥ 0)`,
        ),
      );
    }
    const duplicate = readError(checkpointFile, (_, arrays) => {
      arrays.validationRows = Float64Array.from([3, 5, 3]);
    });
    expect(duplicate.message).toBe(
      invalid(checkpointFile, `array "validationRows"[2] is 3, a row already held out`),
    );
  });

  it("a checkpoint's resume point names its last model, a 32-bit generator state and a phase state of numbers", () => {
    const point = {
      plan: 1,
      model: 0,
      step: 2,
      state: { batch: 2, kept: [1, 3] },
      random: 12345,
      heldBackAt: null,
    };
    const { header, arrays } = contents(checkpointFile.bytes, checkpointFile.kind);
    setAt(header, ["resume"], point);
    const read = decodeCheckpoint(encodeEdnn({ kind: EdnnKind.checkpoint, header, arrays }), "c");
    expect(read.resume).toEqual(point);
    // Absent in older checkpoints: none.
    expect(decodeCheckpoint(checkpointFile.bytes, "c").resume).toBeNull();
    const cases: [Path, unknown, string][] = [
      [["resume", "model"], 1, "resume.model is 1, expected the checkpoint's last model (0)"],
      [
        ["resume", "random"],
        2 ** 32,
        "resume.random is 4294967296, expected a 32-bit state (at most 4294967295)",
      ],
      [["resume", "random"], -1, "resume.random is -1, expected a non-negative integer"],
      [["resume", "step"], 1.5, "resume.step is 1.5, expected a non-negative integer"],
      [["resume", "plan"], 0, "resume.plan is 0, expected a positive integer"],
      [["resume", "state", "batch"], "2", 'resume.state.batch is "2", expected a number'],
      [["resume", "state", "kept", 1], null, "resume.state.kept[1] is null, expected a number"],
      [["resume", "heldBackAt"], 2, "resume.heldBackAt is 2, but the checkpoint holds 1 models"],
      [["resume", "heldBackAt"], undefined, "resume.heldBackAt is missing, expected a value or null"],
    ];
    for (const [path, value, detail] of cases) {
      const error = readError(checkpointFile, (h) => {
        setAt(h, ["resume"], structuredClone(point));
        setAt(h, path, value);
      });
      expect(error.message).toBe(invalid(checkpointFile, detail));
    }
  });

  it("a checkpoint's β has 3 (or 2) entries, each finite and ≥ 0 (0 is allowed); times are ≥ 0", () => {
    const empty = readError(checkpointFile, (header) => setAt(header, ["models", 0, "beta"], []));
    expect(empty.message).toBe(
      invalid(checkpointFile, "models[0].beta has 0 values, expected 3 (or 2 in older files)"),
    );
    const negative = readError(checkpointFile, (header) => setAt(header, ["models", 0, "beta", 1], -0.5));
    expect(negative.message).toBe(
      invalid(checkpointFile, "models[0].beta[1] is -0.5, expected a number ≥ 0"),
    );
    const elapsed = readError(checkpointFile, (header) => setAt(header, ["models", 0, "elapsedMs"], -3));
    expect(elapsed.message).toBe(invalid(checkpointFile, "models[0].elapsedMs is -3, expected a number ≥ 0"));
    const { header, arrays } = contents(checkpointFile.bytes, checkpointFile.kind);
    setAt(header, ["models", 0, "beta"], [0, 0, 0]);
    const read = decodeCheckpoint(encodeEdnn({ kind: EdnnKind.checkpoint, header, arrays }), "c");
    expect(read.models[0].beta).toEqual([0, 0, 0]);
  });
});
