/**
 * Names read from files reach the terminal with their control characters
 * escaped: a model whose column names hold ESC[2J (clear screen) or OSC 52
 * (write the clipboard) cannot drive the terminal through inspect, score or
 * evaluate's errors.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Regressor } from "@neureco/tabular";
import { beforeAll, describe, expect, it } from "vitest";
import { terminalJson, terminalSafe } from "../src/text.js";
import { writeFixtureModel } from "./fixture-model.js";
import { assertBuilt, neureco, workspace } from "./helpers.js";

const CLEAR = "\x1b[2J";
const CLIPBOARD = "\x1b]52;c;aGVsbG8=\x07";
const CSI8 = "\u009b2J";
// Any C0 or C1 control but the line feed that ends lines (and the tab nowhere either).
const RAW_CONTROL = /(?!\n)\p{Cc}/u;

let dir: string;

beforeAll(async () => {
  assertBuilt();
  dir = workspace();
  const fixture = new Regressor();
  await fixture.load(await writeFixtureModel(dir));
  const d = fixture.toDescription();
  fixture.delete();
  const evil = Regressor.fromDescription({
    ...d,
    inputNames: [`carbon${CLEAR}`, `hydrogen${CLIPBOARD}`, "oxygen\x7f", `nitrogen${CSI8}`, "sul\nfur"],
    outputNames: [`HHV${CLEAR}`],
  });
  await evil.save(join(dir, "evil.ednn"));
  evil.delete();
});

describe("terminalSafe", () => {
  it("escapes C0, DEL and C1 controls, line breaks unless asked to keep them", () => {
    expect(terminalSafe(`a${CLEAR}b`)).toBe("a\\x1b[2Jb");
    expect(terminalSafe(CLIPBOARD)).toBe("\\x1b]52;c;aGVsbG8=\\x07");
    expect(terminalSafe(`x\x7f${CSI8}`)).toBe("x\\x7f\\u009b2J");
    expect(terminalSafe("a\nb\tc\r")).toBe("a\\x0ab\\x09c\\x0d");
    expect(terminalSafe("a\nb\r", { keepLineBreaks: true })).toBe("a\nb\\x0d");
    expect(terminalSafe("carbon → h1, é, 日本")).toBe("carbon → h1, é, 日本");
  });

  it("terminalJson is the same JSON value with no raw control character", () => {
    const value = { name: `a${CLEAR}\x7f${CSI8}` };
    const text = terminalJson(value, 2);
    expect(text).not.toMatch(RAW_CONTROL);
    expect(JSON.parse(text)).toEqual(value);
  });
});

describe("names from a model file", () => {
  it("inspect prints them escaped, as text and as JSON", async () => {
    const r = await neureco(["inspect", "--model", "evil.ednn"], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(RAW_CONTROL);
    expect(r.stdout).toContain("carbon\\x1b[2J");
    expect(r.stdout).toContain("hydrogen\\x1b]52;c;aGVsbG8=\\x07");
    expect(r.stdout).toContain("oxygen\\x7f");
    expect(r.stdout).toContain("nitrogen\\u009b2J");
    expect(r.stdout).toContain("sul\\x0afur");

    const json = await neureco(["inspect", "--model", "evil.ednn", "--json"], dir);
    expect(json.code).toBe(0);
    expect(json.stdout).not.toMatch(RAW_CONTROL);
    expect(JSON.parse(json.stdout).inputs[3]).toBe(`nitrogen${CSI8}`);
  });

  it("evaluate's column errors and score's table print them escaped", async () => {
    // Without a header: matched by count, and the count error lists the model's names.
    writeFileSync(join(dir, "two.csv"), "1;2\n3;4\n");
    const r = await neureco(["evaluate", "--model", "evil.ednn", "--x", "two.csv"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: .*carbon\\x1b\[2J/);
    expect(r.stderr).not.toMatch(RAW_CONTROL);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);

    // With a header: matched by name, and the refusal names the model's missing columns.
    const named = await neureco(["evaluate", "--model", "evil.ednn", "--x", "x_test.csv"], dir);
    expect(named.code).toBe(1);
    expect(named.stderr).toMatch(
      /^error: x_test\.csv: the columns do not match .*missing "carbon\\u001b\[2J"/,
    );
    expect(named.stderr).toContain('"sul\\nfur"');
    expect(named.stderr).toContain('"nitrogen\\u009b2J"');
    expect(named.stderr).not.toMatch(RAW_CONTROL);
    expect(named.stderr.trimEnd().split("\n")).toHaveLength(1);

    const rows = (file: string) => readFileSync(join(dir, file), "utf8").split("\n").slice(1).join("\n");
    writeFileSync(join(dir, "x_bare.csv"), rows("x_test.csv"));
    writeFileSync(join(dir, "y_bare.csv"), rows("y_test.csv"));
    const s = await neureco(["score", "--model", "evil.ednn", "--x", "x_bare.csv", "--y", "y_bare.csv"], dir);
    expect(s.stderr).toBe("");
    expect(s.stdout).toContain("HHV\\x1b[2J");
    expect(s.stdout).not.toMatch(RAW_CONTROL);
  });
});
