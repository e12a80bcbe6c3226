import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Classifier } from "../src/classifier/node-classifier.js";
import { CsvParseError, parseLabels } from "../src/csv/index.js";
import { readLabelCsv } from "../src/node/index.js";
import { readModel } from "../src/node/read-model.js";
import { Regressor } from "../src/regressor/node-regressor.js";
import { sampleModel } from "./model-fixtures.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "neureco-labels-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("label columns (parseLabels, readLabelCsv)", () => {
  it("reads text labels under a header, numbers with or without one, quoted cells and CRLF", () => {
    expect(parseLabels("species\nAdelie\n Gentoo \n\nAdelie\n")).toEqual({
      column: "species",
      header: true,
      labels: ["Adelie", "Gentoo", "Adelie"],
      missingRows: [],
    });
    expect(parseLabels("0\r\n1\r\n1\r\n")).toMatchObject({
      column: "col1",
      header: false,
      labels: ["0", "1", "1"],
    });
    expect(parseLabels("cls\n3\n4\n")).toMatchObject({ column: "cls", header: true, labels: ["3", "4"] });
    expect(parseLabels('kind\n"a;b"\n"c"\n').labels).toEqual(["a;b", "c"]);
  });

  it("refuses a missing label by default and a second column, naming the source and line", () => {
    expect(() => parseLabels("kind\na\n\nNA\n", { source: "y.csv" })).toThrow(
      /y.csv, line 4: the label is missing \("NA"; pass missing: "drop-row" to skip such rows\)/,
    );
    expect(() => parseLabels("kind;other\na;1\nb;2\n", { source: "y.csv" })).toThrow(
      /y.csv, line 1: 2 columns, expected one \(the class label\)/,
    );
    expect(() => parseLabels("kind\n", { source: "y.csv" })).toThrow(CsvParseError);
    expect(parseLabels("kind\na\nNA\nb\n", { missing: "drop-row" })).toMatchObject({
      labels: ["a", "", "b"],
      missingRows: [1],
    });
  });

  it("reads a file, and names it when it cannot", async () => {
    const path = join(dir, "y.csv");
    await writeFile(path, "species\nAdelie\nChinstrap\n");
    expect((await readLabelCsv(path)).labels).toEqual(["Adelie", "Chinstrap"]);
    await expect(readLabelCsv(join(dir, "none.csv"))).rejects.toThrow(/cannot read CSV file ".*none.csv"/);
  });
});

describe("readModel", () => {
  it("gives a Regressor for a regressor's file and a Classifier for a classifier's", async () => {
    const regressorPath = join(dir, "r.ednn");
    await Regressor.fromDescription(sampleModel(2)).save(regressorPath);
    const classifierPath = join(dir, "c.ednn");
    const description = sampleModel(3, { inputs: 1, hidden: 0, outputs: 1, links: [[0, 1]] });
    await Classifier.fromDescription({
      ...description,
      outputNormalization: { shift: new Float64Array(1), scale: new Float64Array(1).fill(1) },
      outputNames: [],
      classification: { label: "y", classes: ["no", "yes"] },
    }).save(classifierPath);
    const r = await readModel(regressorPath);
    const c = await readModel(classifierPath);
    expect(r).toBeInstanceOf(Regressor);
    expect(c).toBeInstanceOf(Classifier);
    r.delete();
    c.delete();
    await expect(readModel(join(dir, "missing"))).rejects.toThrow(/cannot load model ".*missing.ednn"/);
  });
});
