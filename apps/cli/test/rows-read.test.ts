/**
 * Reading a large CSV file on a terminal shows the rows read so far, and
 * leaves no trace once the file is read; a log (no terminal) gets nothing.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readMatrixFile } from "../src/data.js";
import type { TextOutput } from "../src/io.js";
import { workspace } from "./helpers.js";

/** Carriage return, then CSI K (erase to the end of the line). */
const ERASE_LINE = "\r\x1b[K";
const ROWS = 200_000; // about 3 MB: several pieces of the stream

let path: string;

beforeAll(() => {
  path = join(workspace(), "long.csv");
  const lines = Array.from({ length: ROWS }, (_, i) => `${i};${i * 0.25}`);
  writeFileSync(path, `a;b\n${lines.join("\n")}\n`);
});

function recorder(isTTY: boolean): TextOutput & { readonly writes: string[] } {
  const writes: string[] = [];
  return { isTTY, writes, write: (text: string) => writes.push(text) };
}

describe("readMatrixFile", () => {
  it("shows the rows read on a terminal, then erases the line", async () => {
    const terminal = recorder(true);
    const data = await readMatrixFile(path, undefined, terminal);
    expect(data.matrix.shape).toEqual([ROWS, 2]);
    expect(terminal.writes[0].startsWith(ERASE_LINE)).toBe(true);
    expect(terminal.writes[0].slice(ERASE_LINE.length)).toMatch(/long\.csv: [\d,]+ rows read$/);
    expect(terminal.writes.at(-1)).toBe(ERASE_LINE);
  });

  it("writes nothing where stderr is not a terminal", async () => {
    const log = recorder(false);
    await readMatrixFile(path, undefined, log);
    expect(log.writes).toEqual([]);
  });
});
