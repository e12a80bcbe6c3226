/**
 * Inputs with column names (a CsvTable from readCsv / parseCsv, or any
 * `{ matrix, columns }`) are matched to the model's names: reordered when the
 * same names come in another order, refused when they differ; plain matrices
 * and files without a header are matched by count.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ColumnMismatchError, Matrix, parseCsv, Regressor, readCsv } from "../src/index.js";
import { sampleInputs, sampleModel } from "./model-fixtures.js";

const description = sampleModel(3); // inputs x0, x1, x2; outputs y0, y1
const x = sampleInputs(description, 7);
let model: Regressor;
let dir: string;

/** `rows` with their columns taken in `order`, written as `;` CSV with `names` as header (or none). */
function writeCsv(name: string, names: readonly string[] | null, rows: number[][], order: number[]): string {
  const lines = rows.map((r) => order.map((j) => r[j]).join(";"));
  const path = join(dir, name);
  writeFileSync(path, `${[...(names ? [order.map((j) => names[j]).join(";")] : []), ...lines].join("\n")}\n`);
  return path;
}

beforeAll(() => {
  model = Regressor.fromDescription(description);
  dir = mkdtempSync(join(tmpdir(), "neureco-columns-"));
});

afterAll(() => model.delete());

describe("evaluate with column names", () => {
  it("a CsvTable with the inputs in another order gives the predictions of the model's order", async () => {
    const expected = (await model.evaluate(x)).toArray();
    const swapped = await readCsv(writeCsv("x-swapped.csv", ["x0", "x1", "x2"], x, [2, 0, 1]));
    expect(swapped.header).toBe(true);
    expect(swapped.columns).toEqual(["x2", "x0", "x1"]);
    // Matched by count the same numbers give other predictions (the bug this guards against).
    expect((await model.evaluate(swapped.matrix)).toArray()).not.toEqual(expected);
    expect((await model.evaluate(swapped)).toArray()).toEqual(expected);
  });

  it("a plain { matrix, columns } object is matched the same way", async () => {
    const expected = (await model.evaluate(x)).toArray();
    const swapped = x.map((r) => [r[1], r[2], r[0]]);
    const y = await model.evaluate({ matrix: swapped, columns: ["x1", "x2", "x0"] });
    expect(y.toArray()).toEqual(expected);
  });

  it("a renamed column is refused, naming the missing and the unexpected column", async () => {
    const renamed = await readCsv(writeCsv("x-renamed.csv", ["x0", "oxygen", "x2"], x, [0, 1, 2]));
    const failure = model.evaluate(renamed);
    await expect(failure).rejects.toBeInstanceOf(ColumnMismatchError);
    await expect(failure).rejects.toThrow(
      /^x: the columns do not match the model's inputs: missing "x1"; unexpected "oxygen"$/,
    );
    const error = (await failure.catch((e: unknown) => e)) as ColumnMismatchError;
    expect(error.missing).toEqual(["x1"]);
    expect(error.unexpected).toEqual(["oxygen"]);
  });

  it("an extra column and a column given twice are refused", async () => {
    const extra = { matrix: x.map((r) => [...r, 1]), columns: ["x0", "x1", "x2", "moisture"] };
    await expect(model.evaluate(extra)).rejects.toThrow(/unexpected "moisture"/);
    const twice = { matrix: x, columns: ["x0", "x0", "x2"] };
    await expect(model.evaluate(twice)).rejects.toThrow(/missing "x1"; given twice "x0"/);
  });

  it("a file without a header, and a plain matrix, are matched by count", async () => {
    const expected = (await model.evaluate(x)).toArray();
    const headerless = parseCsv(x.map((r) => r.join(";")).join("\n"));
    expect(headerless.header).toBe(false);
    expect((await model.evaluate(headerless)).toArray()).toEqual(expected);
    expect((await model.evaluate(new Matrix(Float64Array.from(x.flat()), 7, 3))).toArray()).toEqual(expected);
  });

  it("a model without stored names matches a table by count", async () => {
    const unnamed = Regressor.fromDescription({ ...description, inputNames: [], outputNames: [] });
    try {
      const expected = (await unnamed.evaluate(x)).toArray();
      const y = await unnamed.evaluate({ matrix: x, columns: ["c", "b", "a"] });
      expect(y.toArray()).toEqual(expected);
    } finally {
      unnamed.delete();
    }
  });

  it("column names that do not fit the matrix are an error", async () => {
    await expect(model.evaluate({ matrix: x, columns: ["x0", "x1"] })).rejects.toThrow(
      /x: 2 column names for a matrix of 3 columns/,
    );
  });
});

describe("derivatives with column names", () => {
  const w = description.weights;
  const dw = Array.from(w, (_, i) => Math.sin(i + 1));
  const dx = x.map((r, i) => r.map((_, j) => Math.cos(i + 2 * j)));
  const py = x.map((_, i) => [1 + (i % 3), -i]);
  const order = [2, 0, 1];
  const names = ["x0", "x1", "x2"];
  const permute = (rows: number[][]) => rows.map((r) => order.map((j) => r[j]));

  it("forwardDerivative matches x and dx by name", async () => {
    const expected = (await model.forwardDerivative({ w, dw, x, dx })).toArray();
    const columns = order.map((j) => names[j]);
    const dy = await model.forwardDerivative({
      w,
      dw,
      x: { matrix: permute(x), columns },
      dx: { matrix: permute(dx), columns },
    });
    expect(dy.toArray()).toEqual(expected);
  });

  it("gradient matches x to the input names and py to the output names; dx comes in the model's order", async () => {
    const expected = await model.gradient({ w, x, py });
    const got = await model.gradient({
      w,
      x: { matrix: permute(x), columns: order.map((j) => names[j]) },
      py: { matrix: py.map((r) => [r[1], r[0]]), columns: ["y1", "y0"] },
    });
    expect(got.dw.toArray()).toEqual(expected.dw.toArray());
    expect(got.dx.toArray()).toEqual(expected.dx.toArray());
    await expect(model.gradient({ w, x, py: { matrix: py, columns: ["y0", "HHV"] } })).rejects.toThrow(
      /^py: the columns do not match the model's outputs: missing "y1"; unexpected "HHV"$/,
    );
  });
});
