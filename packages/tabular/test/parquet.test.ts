/**
 * Parquet files read as tables of numbers: real files written with
 * hyparquet-writer (several row groups, double, integer and boolean
 * columns) read back to the same values as the CSV of the same table;
 * missing values, text columns and files that are not Parquet get errors
 * that name the file, the row and the column.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetWriteFile } from "hyparquet-writer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toCsv } from "../src/csv/index.js";
import { Matrix } from "../src/matrix.js";
import { ParquetReadError, readCsv, readParquet } from "../src/node/index.js";

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "neureco-parquet-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const ROWS = 1000;
const doubles = Array.from({ length: ROWS }, (_, i) => Math.sin(i) * 10 ** ((i % 7) - 3));
const ints = Array.from({ length: ROWS }, (_, i) => i * 37 - 5000);
const longs = Array.from({ length: ROWS }, (_, i) => BigInt(i) * 1_000_000_007n);
const flags = Array.from({ length: ROWS }, (_, i) => i % 3 === 0);

function writeNumbers(path: string, rowGroupSize = 128): void {
  parquetWriteFile({
    filename: path,
    rowGroupSize,
    columnData: [
      { name: "x", data: doubles, type: "DOUBLE" },
      { name: "count", data: ints, type: "INT32" },
      { name: "big", data: longs, type: "INT64" },
      { name: "flag", data: flags, type: "BOOLEAN" },
    ],
  });
}

describe("readParquet", () => {
  it("reads every row group, in file order, as the CSV of the same table reads", async () => {
    const path = join(root, "numbers.parquet");
    writeNumbers(path);
    const seen: number[] = [];
    const table = await readParquet(path, { onRows: (rows) => seen.push(rows) });
    expect(table.columns).toEqual(["x", "count", "big", "flag"]);
    expect(table.matrix.shape).toEqual([ROWS, 4]);
    expect(seen).toEqual([128, 256, 384, 512, 640, 768, 896, 1000]);
    for (const i of [0, 1, 127, 128, 500, ROWS - 1]) {
      expect(Array.from(table.matrix.row(i))).toEqual([
        doubles[i],
        ints[i],
        Number(longs[i]),
        flags[i] ? 1 : 0,
      ]);
    }
    const csvPath = join(root, "numbers.csv");
    await writeFile(csvPath, toCsv(table.matrix, table.columns, ";"));
    const csv = await readCsv(csvPath);
    expect(csv.columns).toEqual(table.columns);
    expect(Array.from(csv.matrix.data)).toEqual(Array.from(table.matrix.data));
  });

  it("names the row and column of a missing value, or reads it as NaN, or drops its row", async () => {
    const path = join(root, "missing.parquet");
    const withNulls = doubles.map((v, i) => (i === 536 || i === 900 ? null : v));
    parquetWriteFile({
      filename: path,
      rowGroupSize: 200,
      columnData: [
        { name: "a", data: ints, type: "INT32" },
        { name: "b", data: withNulls, type: "DOUBLE" },
      ],
    });
    await expect(readParquet(path)).rejects.toThrow(
      `${path}, row 537: column "b" (2): missing value (pass missing: "nan" or "drop-row" to accept missing values)`,
    );
    const asNaN = await readParquet(path, { missing: "nan" });
    expect(asNaN.matrix.row(536)[1]).toBeNaN();
    expect(asNaN.matrix.row(537)[1]).toBe(doubles[537]);
    const dropped = await readParquet(path, { missing: "drop-row" });
    expect(dropped.droppedRows).toEqual([536, 900]);
    expect(dropped.matrix.shape).toEqual([ROWS - 2, 2]);
    expect(Array.from(dropped.matrix.row(536))).toEqual([ints[537], doubles[537]]);
  });

  it("refuses a text column, a file that is not Parquet and a file that is not there", async () => {
    const text = join(root, "text.parquet");
    parquetWriteFile({
      filename: text,
      columnData: [
        { name: "v", data: [1.5, 2.5], type: "DOUBLE" },
        { name: "city", data: ["Lyon", "Nice"], type: "STRING" },
      ],
    });
    await expect(readParquet(text)).rejects.toThrow(
      `${text}, row 1: column "city" (2): "Lyon" is not a number`,
    );
    const notParquet = join(root, "table.csv.parquet");
    await writeFile(notParquet, "a;b\n1;2\n");
    const error = await readParquet(notParquet).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ParquetReadError);
    expect((error as Error).message).toMatch(
      new RegExp(`^${notParquet.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: not a Parquet file`),
    );
    const absent = join(root, "absent.parquet");
    await expect(readParquet(absent)).rejects.toThrow(`cannot read Parquet file "${absent}": no such file`);
  });

  it("keeps a large file's values without holding its decoded columns whole", async () => {
    const rows = 300_000;
    const path = join(root, "large.parquet");
    const x = Float64Array.from({ length: rows }, (_, i) => i / 3);
    parquetWriteFile({
      filename: path,
      rowGroupSize: 50_000,
      columnData: [{ name: "x", data: x, type: "DOUBLE" }],
    });
    const table = await readParquet(path);
    expect(table.matrix.data).toEqual(new Matrix(x, rows, 1).data);
  });
});
