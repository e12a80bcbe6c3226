/**
 * Parquet files wherever the commands take a CSV file: the same inputs as
 * Parquet give the same predictions, and a bad value is reported with its
 * file, row and column (exit code 1, no stack trace).
 */
import { join } from "node:path";
import { readCsv } from "@neureco/tabular";
import { parquetWriteFile } from "hyparquet-writer";
import { beforeAll, describe, expect, it } from "vitest";
import { writeFixtureModel } from "./fixture-model.js";
import { assertBuilt, hasStackTrace, neureco, readCsvText, workspace } from "./helpers.js";

let dir: string;

beforeAll(async () => {
  assertBuilt();
  dir = workspace();
  await writeFixtureModel(dir);
});

describe("Parquet input", () => {
  it("evaluate reads x from a Parquet file as from the CSV of the same table", async () => {
    const table = await readCsv(join(dir, "x_test.csv"));
    const [rows, cols] = table.matrix.shape;
    parquetWriteFile({
      filename: join(dir, "x_test.parquet"),
      rowGroupSize: 3,
      columnData: table.columns.map((name, j) => ({
        name,
        type: "DOUBLE" as const,
        data: Array.from({ length: rows }, (_, i) => table.matrix.data[i * cols + j]),
      })),
    });
    const fromCsv = await neureco(["evaluate", "--model", "fixture.ednn", "--x", "x_test.csv"], dir);
    const fromParquet = await neureco(["evaluate", "--model", "fixture.ednn", "--x", "x_test.parquet"], dir);
    expect(fromParquet.stderr).toBe("");
    expect(fromParquet.code).toBe(0);
    expect(readCsvText(fromParquet.stdout)).toEqual(readCsvText(fromCsv.stdout));
  });

  it("names the file, row and column of a missing value", async () => {
    const table = await readCsv(join(dir, "x_test.csv"));
    const [rows, cols] = table.matrix.shape;
    parquetWriteFile({
      filename: join(dir, "holes.parquet"),
      columnData: table.columns.map((name, j) => ({
        name,
        type: "DOUBLE" as const,
        data: Array.from({ length: rows }, (_, i) =>
          i === 1 && j === 2 ? null : table.matrix.data[i * cols + j],
        ),
      })),
    });
    const r = await neureco(["evaluate", "--model", "fixture.ednn", "--x", "holes.parquet"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `holes.parquet, row 2: column ${JSON.stringify(table.columns[2])} (3): missing value`,
    );
    expect(hasStackTrace(r.stderr)).toBe(false);
  });
});
