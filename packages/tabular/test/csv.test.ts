import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { CsvParseError, dropRows, parseCsv, rowsWithNaN, toCsv } from "../src/csv/index.js";
import { Matrix } from "../src/matrix.js";
import { readCsv, writeCsv } from "../src/node/index.js";

const DATA = join(import.meta.dirname, "../../../datasets");
const TASKS = ["biomass", "boston", "auto-mpg", "airquality-with-missing"];

function expectCsvError(fn: () => unknown, message: string, line?: number, column?: number): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(CsvParseError);
  const e = caught as CsvParseError;
  expect(e.message).toBe(message);
  expect(e.line).toBe(line);
  expect(e.column).toBe(column);
}

const isMissingText = (c: string): boolean => c === "" || c === "NA" || c === '""';

/** An independent reading of the shared files: split on ";" and "\n". */
async function naiveRead(path: string): Promise<{ header: string[]; rows: string[][] }> {
  const lines = (await readFile(path, "utf8")).split(/\r?\n/).filter((l) => l.trim() !== "");
  return { header: lines[0].split(";"), rows: lines.slice(1).map((l) => l.split(";")) };
}

describe("readCsv on the shared data sets", () => {
  for (const task of ["biomass", "boston", "auto-mpg"]) {
    it(`reads ${task} with header and ';' detected, matching task.json`, async () => {
      const info = JSON.parse(await readFile(join(DATA, task, "task.json"), "utf8")) as {
        inputs: string[];
        outputs: string[];
        train: number;
      };
      const x = await readCsv(join(DATA, task, "x_train.csv"));
      const y = await readCsv(join(DATA, task, "y_train.csv"));
      expect(x.columns).toEqual(info.inputs);
      expect(y.columns).toEqual(info.outputs);
      expect(x.matrix.shape).toEqual([info.train, info.inputs.length]);
      expect(y.matrix.shape).toEqual([info.train, 1]);
      expect(x.droppedRows).toEqual([]);
      const naive = await naiveRead(join(DATA, task, "x_train.csv"));
      expect(x.matrix.toArray()).toEqual(naive.rows.map((r) => r.map(Number)));
    });
  }

  it("refuses the missing cells of airquality by default, naming file, line and column", async () => {
    const path = join(DATA, "airquality-with-missing", "x_train.csv");
    const naive = await naiveRead(path);
    const firstMissing = naive.rows.findIndex((r) => r.some(isMissingText));
    const col = naive.rows[firstMissing].findIndex(isMissingText);
    await expect(readCsv(path)).rejects.toThrow(
      `${path}, line ${firstMissing + 2}, column "${naive.header[col]}" (${col + 1}): missing value`,
    );
  });

  it("drops or keeps the missing rows of airquality as asked", async () => {
    const path = join(DATA, "airquality-with-missing", "x_train.csv");
    const naive = await naiveRead(path);
    const expectedDropped = naive.rows.flatMap((r, i) => (r.some(isMissingText) ? [i] : []));
    expect(expectedDropped.length).toBeGreaterThan(0);

    const dropped = await readCsv(path, { missing: "drop-row" });
    expect(dropped.droppedRows).toEqual(expectedDropped);
    expect(dropped.matrix.toArray()).toEqual(
      naive.rows.filter((r) => !r.some(isMissingText)).map((r) => r.map(Number)),
    );

    const withNaN = await readCsv(path, { missing: "nan" });
    expect(withNaN.matrix.shape).toEqual([naive.rows.length, naive.header.length]);
    naive.rows.forEach((r, i) =>
      r.forEach((c, j) =>
        expect(Object.is(withNaN.matrix.get(i, j), isMissingText(c) ? Number.NaN : Number(c))).toBe(true),
      ),
    );
  });

  it("reads the quoted empty cells of a one-column file as missing, and aligns x and y", async () => {
    const dir = join(DATA, "airquality-with-missing");
    const naiveY = await naiveRead(join(dir, "y_train.csv"));
    const yMissing = naiveY.rows.flatMap((r, i) => (r.some(isMissingText) ? [i] : []));
    expect(yMissing.length).toBeGreaterThan(0);
    const y = await readCsv(join(dir, "y_train.csv"), { missing: "nan" });
    expect(y.matrix.shape).toEqual([naiveY.rows.length, 1]);
    expect(rowsWithNaN(y.matrix)).toEqual(yMissing);
    const yDropped = await readCsv(join(dir, "y_train.csv"), { missing: "drop-row" });
    expect(yDropped.droppedRows).toEqual(yMissing);

    const x = await readCsv(join(dir, "x_train.csv"), { missing: "nan" });
    const bad = [...new Set([...rowsWithNaN(x.matrix), ...rowsWithNaN(y.matrix)])];
    const xs = dropRows(x.matrix, bad);
    const ys = dropRows(y.matrix, bad);
    expect(xs.shape).toEqual([naiveY.rows.length - bad.length, 5]);
    expect(ys.shape).toEqual([xs.shape[0], 1]);
    expect([...xs.data, ...ys.data].every(Number.isFinite)).toBe(true);
    // Row order is kept: the first kept row is the first row without a missing cell in either file.
    const firstGood = naiveY.rows.findIndex((_, i) => !bad.includes(i));
    expect(Array.from(xs.row(0))).toEqual(Array.from(x.matrix.row(firstGood)));
  });

  it("names the path of a missing file", async () => {
    await expect(readCsv(join(DATA, "nope", "x.csv"))).rejects.toThrow(
      `cannot read CSV file "${join(DATA, "nope", "x.csv")}": no such file`,
    );
  });
});

describe("parseCsv", () => {
  it("names source, line and column of a non-numeric cell", () => {
    const text = "carbon;hydrogen;oxygen\n1;2;3\n\n4;5;abc\n";
    expectCsvError(
      () => parseCsv(text, { source: "x_train.csv" }),
      'x_train.csv, line 4, column "oxygen" (3): "abc" is not a number',
      4,
      3,
    );
  });

  it("counts lines across CRLF, blank lines and quoted line breaks", () => {
    const text = 'a,b\r\n1,2\r\n\r\n"3\n",4\r\n5,x\r\n';
    expectCsvError(
      () => parseCsv(text, { source: "f.csv" }),
      'f.csv, line 6, column "b" (2): "x" is not a number',
      6,
      2,
    );
  });

  it("detects ',' ';' and tab, and honours an explicit delimiter", () => {
    for (const d of [",", ";", "\t"] as const) {
      const t = parseCsv(`${["p", "q", "r"].join(d)}\n${["1", "-2.5", "3e-3"].join(d)}\n`);
      expect(t.columns).toEqual(["p", "q", "r"]);
      expect(t.matrix.toArray()).toEqual([[1, -2.5, 0.003]]);
    }
    expect(parseCsv("1;2\n3;4", { delimiter: ";" }).matrix.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it("detects the header, or takes it as told", () => {
    const noHeader = parseCsv("1;2\n3;4\n");
    expect(noHeader.columns).toEqual(["col1", "col2"]);
    expect(noHeader.matrix.shape).toEqual([2, 2]);
    const forced = parseCsv("1;2\n3;4\n", { header: true });
    expect(forced.columns).toEqual(["1", "2"]);
    expect(forced.matrix.toArray()).toEqual([[3, 4]]);
    // A first data row with a missing cell is still data, not a header.
    expect(parseCsv(";2\n3;4\n", { missing: "nan" }).matrix.shape).toEqual([2, 2]);
    expect(parseCsv("1;NA;3\n4;5;6\n", { missing: "nan" }).matrix.shape).toEqual([2, 3]);
    // A first row that cannot be data — a word for infinity, or no value at all — is a header, however numeric it looks.
    const numericLooking = parseCsv("nan;inf;NA;1;2\n1;2;3;4;5\n");
    expect(numericLooking.header).toBe(true);
    expect(numericLooking.columns).toEqual(["nan", "inf", "NA", "1", "2"]);
    expect(numericLooking.matrix.toArray()).toEqual([[1, 2, 3, 4, 5]]);
    expect(parseCsv("NA;null\n1;2\n").columns).toEqual(["NA", "null"]);
    // A number out of range is data, refused as such.
    expectCsvError(
      () => parseCsv("1e999;2\n1;2\n", { source: "z.csv" }),
      'z.csv, line 1, column 1: "1e999" is not a finite number',
      1,
      1,
    );
    expectCsvError(
      () => parseCsv("a;b\n1;2\n", { header: false, source: "s" }),
      's, line 1, column 1: "a" is not a number',
      1,
      1,
    );
  });

  it("reads a single-column file (nothing to detect the delimiter from)", () => {
    const t = parseCsv("HHV\n20.008\n19.5\n");
    expect(t.columns).toEqual(["HHV"]);
    expect(t.matrix.toArray()).toEqual([[20.008], [19.5]]);
  });

  it("refuses a cell out of float64 range (Inf, 1e999, 400 digits), naming file, line and column", () => {
    const big = "9".repeat(400);
    for (const cell of ["Inf", "-inf", "Infinity", "1e999", "-1e999", big]) {
      expectCsvError(
        () => parseCsv(`a;b\n1;2\n3;${cell}\n`, { source: "x.csv", missing: "nan" }),
        `x.csv, line 3, column "b" (2): ${JSON.stringify(cell)} is not a finite number`,
        3,
        2,
      );
    }
    expectCsvError(
      () => parseCsv("1,1e999\n", { source: "y.csv" }),
      'y.csv, line 1, column 2: "1e999" is not a finite number',
      1,
      2,
    );
    // The largest float64 and the subnormals stay numbers.
    expect(parseCsv("a\n1.7976931348623157e308\n5e-324\n").matrix.toArray()).toEqual([
      [1.7976931348623157e308],
      [5e-324],
    ]);
  });

  it("treats empty, NA, N/A, NaN and null cells as missing", () => {
    for (const token of ["", "NA", "na", "N/A", "NaN", "null", " NULL "]) {
      const t = parseCsv(`a;b\n1;${token}\n3;4\n`, { missing: "drop-row" });
      expect(t.droppedRows).toEqual([0]);
      expect(t.matrix.toArray()).toEqual([[3, 4]]);
    }
  });

  it("still rejects a non-numeric cell in a row it would drop", () => {
    expectCsvError(
      () => parseCsv("a;b;c\nNA;x;1\n", { missing: "drop-row", source: "s" }),
      's, line 2, column "b" (2): "x" is not a number',
      2,
      2,
    );
  });

  it("gives clear errors for ragged rows, empty files and header-only files", () => {
    expectCsvError(
      () => parseCsv("a;b;c\n1;2;3\n1;2\n", { source: "r.csv" }),
      "r.csv, line 3: 2 values, expected 3 (as on line 1)",
      3,
    );
    expectCsvError(() => parseCsv("", { source: "e.csv" }), "e.csv: file is empty");
    expectCsvError(() => parseCsv("\n \n\n", { source: "e.csv" }), "e.csv: file is empty");
    expectCsvError(
      () => parseCsv("a;b\n", { source: "h.csv" }),
      "h.csv: no data rows (only a header, line 1)",
      1,
    );
    expectCsvError(
      () => parseCsv("a;b\nNA;1\n", { source: "m.csv", missing: "drop-row" }),
      "m.csv: every one of the 1 data rows has a missing cell",
    );
    expectCsvError(
      () => parseCsv('a,b\n1,"2\n', { source: "q.csv" }),
      "q.csv, line 2: quoted field unterminated",
      2,
    );
  });

  it("keeps a quoted empty cell as a missing value rather than a blank line", () => {
    const t = parseCsv('y\n1\n""\n\n  \n3\n', { missing: "nan" });
    expect(t.matrix.shape).toEqual([3, 1]);
    expect(Number.isNaN(t.matrix.get(1, 0))).toBe(true);
    expect(t.matrix.get(2, 0)).toBe(3);
  });

  it("strips a byte-order mark", () => {
    expect(parseCsv("\uFEFFa;b\n1;2\n").columns).toEqual(["a", "b"]);
  });
});

describe("toCsv", () => {
  const anyDouble = fc.double({ noNaN: true, noDefaultInfinity: true });
  const matrices = fc
    .tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 5 }))
    .chain(([r, c]) => fc.array(anyDouble, { minLength: r * c, maxLength: r * c }).map((d) => ({ d, r, c })));

  it("round-trips every finite float64 bit for bit (-0 and subnormals included)", () => {
    fc.assert(
      fc.property(
        matrices,
        fc.constantFrom(";", ",", "\t") as fc.Arbitrary<";" | "," | "\t">,
        ({ d, r, c }, delim) => {
          const m = new Matrix(Float64Array.from(d), r, c);
          const columns = Array.from({ length: c }, (_, j) => `feature ${j}`);
          const back = parseCsv(toCsv(m, columns, delim));
          expect(back.columns).toEqual(columns);
          expect(back.matrix.shape).toEqual([r, c]);
          for (let k = 0; k < d.length; k++) expect(Object.is(back.matrix.data[k], d[k])).toBe(true);
        },
      ),
    );
  });

  it("writes NaN so that missing: 'nan' reads it back, and quotes awkward names", () => {
    const m = new Matrix(Float64Array.from([Number.NaN, 5e-324, -0]), 1, 3);
    const text = toCsv(m, ["a;b", 'say "hi"', "c"]);
    expect(text.split("\n")[0]).toBe('"a;b";"say ""hi""";c');
    const back = parseCsv(text, { missing: "nan" });
    expect(back.columns).toEqual(["a;b", 'say "hi"', "c"]);
    expect(Number.isNaN(back.matrix.get(0, 0))).toBe(true);
    expect(back.matrix.get(0, 1)).toBe(5e-324);
    expect(Object.is(back.matrix.get(0, 2), -0)).toBe(true);
  });

  it("rejects a column-name count that does not match", () => {
    expect(() => toCsv(Matrix.zeros(1, 2), ["a"])).toThrow(
      "toCsv: 1 column names for a matrix with 2 columns",
    );
  });
});

describe("writeCsv", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it("writes a file that readCsv reads back exactly, creating directories", async () => {
    const dir = await mkdtemp(join(tmpdir(), "neureco-csv-"));
    dirs.push(dir);
    const source = await readCsv(join(DATA, "boston", "x_train.csv"));
    const path = join(dir, "sub", "copy.csv");
    await writeCsv(path, source.matrix, source.columns);
    const back = await readCsv(path);
    expect(back.columns).toEqual(source.columns);
    expect(back.matrix.data).toEqual(source.matrix.data);
    expect(await readdir(join(dir, "sub"))).toEqual(["copy.csv"]);
  });
});

it("every shared task's files parse with drop-row", async () => {
  for (const task of TASKS) {
    for (const f of ["x_train.csv", "y_train.csv", "x_test.csv", "y_test.csv"]) {
      const t = await readCsv(join(DATA, task, f), { missing: "drop-row" });
      expect(t.matrix.shape[0]).toBeGreaterThan(0);
      expect(t.matrix.data.every((v) => Number.isFinite(v))).toBe(true);
    }
  }
});
