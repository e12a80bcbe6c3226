/**
 * CSV read as a stream equals CSV parsed whole: the same table, or the
 * same error, however the text is cut (pieces of any size, a cut inside
 * "\r\n", inside a quoted cell that spans lines, inside a UTF-8
 * character) — through `CsvStreamParser` and through `readCsv` on a real
 * file read in small chunks. Bad rows far into a streamed file are
 * reported with their own line.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CsvParseOptions, CsvStreamParser, type CsvTable, parseCsv } from "../src/csv/index.js";
import { readCsv } from "../src/node/index.js";

const SEED = 20261205;

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "neureco-csv-stream-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The table, or the error's class and message: what a caller of either reader sees. */
type Outcome = { table: CsvTable } | { error: string };

function outcome(read: () => CsvTable): Outcome {
  try {
    return { table: read() };
  } catch (error) {
    return { error: `${(error as Error).name}: ${(error as Error).message}` };
  }
}

async function outcomeAsync(read: () => Promise<CsvTable>): Promise<Outcome> {
  try {
    return { table: await read() };
  } catch (error) {
    return { error: `${(error as Error).name}: ${(error as Error).message}` };
  }
}

/** The text pushed in pieces cut at the given offsets. */
function streamed(text: string, cuts: readonly number[], options: CsvParseOptions): CsvTable {
  const parser = new CsvStreamParser(options);
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    parser.push(text.slice(from, cut));
    from = cut;
  }
  parser.push(text.slice(from));
  return parser.end();
}

const cell = fc.oneof(
  { weight: 6, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }).map(String) },
  { weight: 2, arbitrary: fc.integer({ min: -999, max: 999 }).map(String) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "",
      "NA",
      " nan ",
      "null",
      "x",
      "1e999",
      "Inf",
      '"2.5"',
      '""',
      '"7\n"',
      '" 8\r\n"',
      '"9"""',
    ),
  },
);
const headerCell = fc.oneof(
  fc.constantFrom("a", "température", "b c", '"x;y"', '"two\nlines"', '"say ""hi"""', "Inf", ""),
  fc.stringMatching(/^[a-z]{1,6}$/),
);

/** A CSV text: optional BOM and header, rows of random cells (sometimes a short row), blank lines, any line break. */
const csvText = fc
  .record({
    width: fc.integer({ min: 1, max: 5 }),
    delimiter: fc.constantFrom(";", ",", "\t"),
    lineBreak: fc.constantFrom("\n", "\r\n", "\r"),
    bom: fc.boolean(),
    header: fc.boolean(),
    rows: fc.integer({ min: 0, max: 80 }),
    trailingBreak: fc.boolean(),
  })
  .chain((shape) =>
    fc.record({
      shape: fc.constant(shape),
      header: fc.array(headerCell, { minLength: shape.width, maxLength: shape.width }),
      rows: fc.array(
        fc.oneof(
          { weight: 20, arbitrary: fc.array(cell, { minLength: shape.width, maxLength: shape.width }) },
          { weight: 1, arbitrary: fc.array(cell, { minLength: 1, maxLength: shape.width + 1 }) },
          { weight: 1, arbitrary: fc.constant([] as string[]) },
        ),
        { minLength: shape.rows, maxLength: shape.rows },
      ),
    }),
  )
  .map(({ shape, header, rows }) => {
    const lines = [...(shape.header ? [header] : []), ...rows].map((r) => r.join(shape.delimiter));
    const text = lines.join(shape.lineBreak) + (shape.trailingBreak ? shape.lineBreak : "");
    return { text: (shape.bom ? "\uFEFF" : "") + text, delimiter: shape.delimiter };
  });

/**
 * Options of a parse; the delimiter, when given, is the text's own: with
 * another one a quote may stand inside a field, where a quote is not CSV
 * quoting (RFC 4180) and where the two readers may tell its error at
 * different lines (see `CsvStreamParser`).
 */
const parseOptions = (delimiter: ";" | "," | "\t") =>
  fc.record({
    delimiter: fc.constantFrom(undefined, delimiter),
    missing: fc.constantFrom("error", "nan", "drop-row") as fc.Arbitrary<"error" | "nan" | "drop-row">,
    header: fc.constantFrom("auto", true, false) as fc.Arbitrary<"auto" | boolean>,
  });

/** A CSV text with options to parse it. */
const csvCase = csvText.chain(({ text, delimiter }) => fc.tuple(fc.constant(text), parseOptions(delimiter)));

describe("CsvStreamParser", () => {
  it("gives what parseCsv gives on the whole text, wherever the text is cut", () => {
    fc.assert(
      fc.property(
        csvCase.chain(([text, options]) =>
          fc.tuple(
            fc.constant(text),
            fc.array(fc.integer({ min: 0, max: text.length }), { maxLength: 12 }),
            fc.constant(options),
          ),
        ),
        ([text, cuts, options]) => {
          const whole = outcome(() => parseCsv(text, options));
          expect(outcome(() => streamed(text, cuts, options))).toEqual(whole);
          // One character at a time: every possible cut at once.
          const everyCut = Array.from({ length: text.length }, (_, i) => i);
          expect(outcome(() => streamed(text, everyCut, options))).toEqual(whole);
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("refuses an unterminated quote, naming its line, however the text is cut", () => {
    const rows = Array.from({ length: 60 }, (_, i) => `${i};${i}`);
    rows[54] = '54;"55';
    const text = `a;b\n${rows.join("\n")}\n`;
    const message = "CSV text, line 56: quoted field unterminated";
    expect(() => parseCsv(text)).toThrow(message);
    expect(() => streamed(text, [10, 200, 300], {})).toThrow(message);
  });

  it("counts the data rows read so far", () => {
    const parser = new CsvStreamParser();
    parser.push("a;b\n1;2\n3;");
    expect(parser.rowsRead).toBe(0); // the delimiter is guessed from 50 rows, or at the end
    parser.push("4\n5;6");
    const table = parser.end();
    expect(parser.rowsRead).toBe(3);
    expect(Array.from(table.matrix.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe("readCsv reads a file as a stream", () => {
  it("equals parseCsv of the file's text, for chunks of any size", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(csvCase, fc.integer({ min: 1, max: 64 }), async ([text, options], chunkBytes) => {
        const path = join(root, `random-${n++}.csv`);
        await writeFile(path, text, "utf8");
        const whole = outcome(() => parseCsv(text, { ...options, source: path }));
        expect(await outcomeAsync(() => readCsv(path, { ...options, chunkBytes }))).toEqual(whole);
      }),
      { seed: SEED, numRuns: 100 },
    );
  });

  it("names the line of a bad cell thousands of rows in, past many chunks", async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `${i};${i / 7}`);
    rows[4319] = "4319;abc"; // line 4321: the header is line 1
    const path = join(root, "bad-row.csv");
    await writeFile(path, `index;value\n${rows.join("\n")}\n`);
    await expect(readCsv(path, { chunkBytes: 1000 })).rejects.toThrow(
      `${path}, line 4321, column "value" (2): "abc" is not a number`,
    );
    rows[4319] = "4319;1;2";
    await writeFile(path, `index;value\n${rows.join("\r\n")}\r\n`);
    await expect(readCsv(path, { chunkBytes: 777 })).rejects.toThrow(
      `${path}, line 4321: 3 values, expected 2 (as on line 1)`,
    );
  });

  it("reports the rows read as the file streams in, and reads every value", async () => {
    const rowCount = 300_000; // more rows than one block of values, several chunks
    const lines = Array.from({ length: rowCount }, (_, i) => `${i},${-i - 0.5},${i % 13}`);
    const path = join(root, "long.csv");
    await writeFile(path, `${lines.join("\n")}\n`);
    const seen: number[] = [];
    const table = await readCsv(path, { onRows: (rows) => seen.push(rows) });
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.every((r, i) => i === 0 || r >= seen[i - 1])).toBe(true);
    expect(seen.at(-1)).toBe(rowCount);
    expect(table.matrix.shape).toEqual([rowCount, 3]);
    for (const i of [0, 1, 4095, 65535, 65536, 131071, rowCount - 1]) {
      expect(Array.from(table.matrix.row(i))).toEqual([i, -i - 0.5, i % 13]);
    }
  });

  it("keeps a multi-byte character whole when a chunk ends inside it", async () => {
    const path = join(root, "utf8.csv");
    await writeFile(path, "\uFEFFtempérature;débit\n1;2\n3;4\n", "utf8");
    const table = await readCsv(path, { chunkBytes: 1 });
    expect(table.columns).toEqual(["température", "débit"]);
    expect(Array.from(table.matrix.data)).toEqual([1, 2, 3, 4]);
  });

  it("says which file could not be read", async () => {
    const path = join(root, "absent.csv");
    await expect(readCsv(path)).rejects.toThrow(`cannot read CSV file "${path}": no such file`);
    await expect(readCsv(root)).rejects.toThrow(`cannot read CSV file "${root}": it is a directory`);
  });
});
