/**
 * Compressors through the built binary: `build --compress` on rows of four
 * columns that lie on a curve (one parameter) plus a little noise, then
 * compress, decompress, evaluate, score, inspect, derivative and
 * sensitivity on the model, checked against the library called in-process
 * and against relations they must satisfy (decompress ∘ compress =
 * evaluate, a reconstruction error of the order of the noise, forward and
 * reverse derivatives adjoint to each other); and the options and commands
 * that do not apply to a compressor, or that do not apply to the other
 * kinds of model, refused in one line.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { seededRandom } from "@neureco/core/testing";
import { Classifier, Compressor, readCsv, readModel } from "@neureco/tabular";
import { beforeAll, describe, expect, it } from "vitest";
import { writeFixtureModel } from "./fixture-model.js";
import {
  assertBuilt,
  expectClose,
  hasStackTrace,
  neureco,
  type RunResult,
  readCsvText,
  readTable,
  workspace,
  writeTable,
} from "./helpers.js";

/** Rows of the data set, and the standard deviation of the noise added to every cell. */
const ROWS = 300;
const NOISE = 0.01;
const COLUMNS = ["u", "v", "w", "z"];

/**
 * ROWS points of the curve t ↦ (t, t², sin 2t, eᵗ), t uniform on [−1, 1],
 * each cell with Gaussian noise of standard deviation NOISE: one parameter
 * describes every row, up to the noise, and no straight line does (the
 * curve bends in every pair of columns).
 */
function curveRows(seed: number): number[][] {
  const random = seededRandom(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return Array.from({ length: ROWS }, () => {
    const t = 2 * random() - 1;
    return [t, t * t, Math.sin(2 * t), Math.exp(t)].map((v) => v + NOISE * gaussian());
  });
}

let dir: string;
let x: number[][];
/** The reconstruction of x.csv by the library in-process, from the model the CLI built. */
let reconstruction: number[][];

const expectOneLineError = (r: RunResult, code: number, pattern: RegExp) => {
  expect(r.code).toBe(code);
  expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(r.stderr.trimEnd()).toMatch(pattern);
  expect(hasStackTrace(r.stderr)).toBe(false);
  expect(r.stdout).toBe("");
};

interface CompressorSummary {
  model: string;
  task: string;
  inputs: number;
  codeSize: number;
  codeSizeGiven: boolean;
  validationByCodeSize: { codeSize: number; error: number | null }[];
  hidden: number;
  weights: number;
  encoderWeights: number;
  decoderWeights: number;
  networks: number;
  errors: { training: number; validation: number } | null;
}

let summary: CompressorSummary;
let buildStderr: string;

/** The standard deviation of each column of `rows` (population). */
function columnSd(rows: readonly (readonly number[])[]): number[] {
  return rows[0].map((_, j) => {
    const mean = rows.reduce((a, r) => a + r[j], 0) / rows.length;
    return Math.sqrt(rows.reduce((a, r) => a + (r[j] - mean) ** 2, 0) / rows.length);
  });
}

beforeAll(async () => {
  assertBuilt();
  dir = workspace();
  x = curveRows(7);
  writeTable(join(dir, "x.csv"), COLUMNS, x);
  const built = await neureco(
    ["build", "--compress", "--x", "x.csv", "--out", "curve", "--seed", "1", "--json"],
    dir,
  );
  if (built.code !== 0) throw new Error(`the compressor's build failed: ${built.stderr}`);
  summary = JSON.parse(built.stdout) as CompressorSummary;
  buildStderr = built.stderr;
  const compressor = new Compressor();
  await compressor.load(join(dir, "curve.ednn"));
  reconstruction = (await compressor.evaluate((await readCsv(join(dir, "x.csv"))).matrix)).toArray();
  compressor.delete();
});

describe("build --compress", () => {
  it("builds a compressor of the curve with one code, and its summary says what the file holds", async () => {
    expect(summary.task).toBe("compression");
    expect(summary.inputs).toBe(4);
    // The rows lie on a curve: one code describes them.
    expect(summary.codeSize).toBe(1);
    expect(summary.codeSizeGiven).toBe(false);
    expect(summary.validationByCodeSize.map((e) => e.codeSize)).toContain(1);
    expect(summary.networks).toBeGreaterThan(0);
    expect(summary.weights).toBe(summary.encoderWeights + summary.decoderWeights);
    const model = await readModel(join(dir, "curve.ednn"));
    expect(model).toBeInstanceOf(Compressor);
    const info = (model as Compressor).info();
    model.delete();
    expect(info.codeSize).toBe(summary.codeSize);
    expect(info.inputNames).toEqual(COLUMNS);
    expect(info.weights).toBe(summary.weights);
    expect(info.encoderWeights).toBe(summary.encoderWeights);
    expect(info.decoderWeights).toBe(summary.decoderWeights);
    expect(info.hiddenNeurons).toBe(summary.hidden);
  });

  it("prints each network's code size, hidden neurons, weights and errors; the curve needs hidden neurons", () => {
    expect(buildStderr).toMatch(
      /^Building curve\.ednn from x\.csv \(300 rows, 4 columns → code size chosen from the data\) on cpu$/m,
    );
    const lines = [
      ...buildStderr.matchAll(
        /^model (\d+|final) \(([\w-]+)\): code size (\d+), (\d+) hidden neurons?, (\d+) weights, training error ([\d.e-]+), validation error ([\d.e-]+|n\/a), [\d.]+ s$/gm,
      ),
    ].map((m) => ({
      model: m[1],
      phase: m[2],
      codeSize: Number(m[3]),
      hidden: Number(m[4]),
      weights: Number(m[5]),
      validation: Number(m[7]),
    }));
    expect(lines.length).toBe(summary.networks + 1);
    // The first network of one code: the leading principal component, a straight line.
    const line = lines.find((l) => l.codeSize === 1 && l.hidden === 0);
    expect(line?.phase).toBe("principal-components");
    // The final refit is the chosen network.
    const final = lines.at(-1);
    expect(final?.model).toBe("final");
    expect(final?.codeSize).toBe(1);
    expect(final?.hidden).toBe(summary.hidden);
    expect(final?.weights).toBe(summary.weights);
    expect(summary.hidden).toBeGreaterThan(0);
    // A straight line leaves most of the curve's bend; the chosen network, little more than the noise.
    const validation = summary.errors?.validation ?? Number.NaN;
    expect(validation).toBeLessThan((line?.validation ?? 0) / 5);
  });

  it("the text summary names the code size, chosen or as --code-size asked", async () => {
    const r = await neureco(
      ["build", "--compress", "--x", "x.csv", "--out", "two", "--seed", "2", "--code-size", "2"],
      dir,
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^Building two\.ednn from x\.csv \(300 rows, 4 columns → 2 codes\) on cpu$/m);
    // Every network has the code size asked.
    const sizes = [...r.stderr.matchAll(/^model \S+ \([\w-]+\): code size (\d+),/gm)].map((m) => m[1]);
    expect(sizes.length).toBeGreaterThan(1);
    expect(new Set(sizes)).toEqual(new Set(["2"]));
    expect(r.stdout).toMatch(
      /^wrote two\.ednn: a compressor of 4 columns to 2 codes, \d+ hidden neurons? in the encoder and in the decoder, \d+ weights \(encoder \d+, decoder \d+\), in [\d.]+ s$/m,
    );
    expect(r.stdout).toMatch(/^code size: 2, as --code-size asked$/m);
    expect(r.stdout).toMatch(
      /^errors \(reconstruction RMSE over all columns, normalised units\): training [\d.e-]+, validation [\d.e-]+$/m,
    );
    const compressor = new Compressor();
    await compressor.load(join(dir, "two.ednn"));
    expect(compressor.info().codeSize).toBe(2);
    compressor.delete();
  });
});

describe("build --compress stopped with Ctrl-C", () => {
  it("keeps the best network so far in --out and says that nothing resumes it (exit code 130)", async () => {
    let sent = false;
    const r = await neureco(
      ["build", "--compress", "--x", "x.csv", "--out", "stopped", "--seed", "1"],
      dir,
      (stderr, child) => {
        if (!sent && /^model 1 /m.test(stderr)) {
          sent = true;
          child.kill("SIGINT");
        }
      },
    );
    expect(sent).toBe(true);
    expect(r.code).toBe(130);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(
      /^Build stopped after model \d+\. The best network so far \(code size 1\) is in stopped\.ednn; a compressor's build keeps no checkpoint: run the same command again to build it in full\.$/m,
    );
    expect(hasStackTrace(r.stderr)).toBe(false);
    const model = await readModel(join(dir, "stopped.ednn"));
    expect(model).toBeInstanceOf(Compressor);
    model.delete();
  });
});

describe("compress and decompress", () => {
  it("compress writes one column per code, code1…; decompress of those codes is evaluate", async () => {
    const c = await neureco(["compress", "--model", "curve", "--x", "x.csv", "--out", "codes.csv"], dir);
    expect(c.stderr).toBe("");
    expect(c.code).toBe(0);
    expect(c.stdout).toBe("");
    const codes = readTable(join(dir, "codes.csv"));
    expect(codes.columns).toEqual(["code1"]);
    expect(codes.rows).toHaveLength(ROWS);
    const compressor = new Compressor();
    await compressor.load(join(dir, "curve"));
    expectClose(codes.rows, (await compressor.compress(x)).toArray());
    compressor.delete();

    const d = await neureco(["decompress", "--model", "curve", "--codes", "codes.csv"], dir);
    expect(d.stderr).toBe("");
    expect(d.code).toBe(0);
    const rows = readCsvText(d.stdout);
    expect(rows.columns).toEqual(COLUMNS);
    expectClose(rows.rows, reconstruction);

    const e = await neureco(["evaluate", "--model", "curve", "--x", "x.csv"], dir);
    expect(e.code).toBe(0);
    expect(e.stdout).toBe(d.stdout);
  });

  it("decompress matches codes by name (reordering them), else by position, and refuses a wrong count", async () => {
    const c = await neureco(["compress", "--model", "two", "--x", "x.csv"], dir);
    expect(c.code).toBe(0);
    const codes = readCsvText(c.stdout);
    expect(codes.columns).toEqual(["code1", "code2"]);
    const decompress = (file: string) =>
      neureco(["decompress", "--model", "two", "--codes", file, "--out", `rows-${file}`], dir);

    writeTable(join(dir, "named.csv"), codes.columns, codes.rows);
    expect((await decompress("named.csv")).code).toBe(0);
    const expected = readTable(join(dir, "rows-named.csv")).rows;

    writeTable(
      join(dir, "swapped.csv"),
      ["code2", "code1"],
      codes.rows.map(([a, b]) => [b, a]),
    );
    const swapped = await decompress("swapped.csv");
    expect(swapped.code).toBe(0);
    expect(swapped.stderr).toBe("swapped.csv: columns reordered to the model's code order\n");
    expectClose(readTable(join(dir, "rows-swapped.csv")).rows, expected);

    // Other names, or no header: by position.
    writeTable(join(dir, "other.csv"), ["first", "second"], codes.rows);
    expect((await decompress("other.csv")).code).toBe(0);
    expectClose(readTable(join(dir, "rows-other.csv")).rows, expected);
    writeFileSync(join(dir, "bare.csv"), `${codes.rows.map((r) => r.join(";")).join("\n")}\n`);
    expect((await decompress("bare.csv")).code).toBe(0);
    expectClose(readTable(join(dir, "rows-bare.csv")).rows, expected);

    writeTable(
      join(dir, "three.csv"),
      ["a", "b", "c"],
      codes.rows.map((r) => [...r, 0]),
    );
    expectOneLineError(
      await decompress("three.csv"),
      1,
      /^error: three\.csv: 3 columns, expected 2 \(the codes of two: code1, code2\)$/,
    );
    writeTable(join(dir, "misnamed.csv"), ["code1", "code3"], codes.rows);
    expectOneLineError(
      await decompress("misnamed.csv"),
      1,
      /^error: misnamed\.csv: the columns do not match the codes of two: missing "code2"; unexpected "code3"$/,
    );
  });
});

describe("evaluate and score on a compressor", () => {
  it("evaluate writes the reconstruction, columns named as the inputs, close to the rows up to the noise", async () => {
    const r = await neureco(["evaluate", "--model", "curve", "--x", "x.csv", "--out", "rebuilt.csv"], dir);
    expect(r.code).toBe(0);
    const rebuilt = readTable(join(dir, "rebuilt.csv"));
    expect(rebuilt.columns).toEqual(COLUMNS);
    expectClose(rebuilt.rows, reconstruction);
  });

  it("score --json gives the RMSE of each column (its units) and over all columns (normalised)", async () => {
    const r = await neureco(["score", "--model", "curve", "--x", "x.csv", "--json"], dir);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as {
      rows: number;
      columns: string[];
      rmse: number[];
      normalizedRmse: number;
    };
    expect(Object.keys(json).sort()).toEqual(["columns", "normalizedRmse", "rmse", "rows"]);
    expect(json.rows).toBe(ROWS);
    expect(json.columns).toEqual(COLUMNS);
    COLUMNS.forEach((_, j) => {
      const rmse = Math.sqrt(x.reduce((a, row, i) => a + (reconstruction[i][j] - row[j]) ** 2, 0) / ROWS);
      expect(json.rmse[j]).toBeCloseTo(rmse, 10);
      // One code leaves the noise and little more: within a few times its standard deviation.
      expect(json.rmse[j]).toBeLessThan(3 * NOISE);
    });
    // Standardised columns: the noise in normalised units is NOISE over each column's spread.
    const noise = Math.sqrt(columnSd(x).reduce((a, sd) => a + (NOISE / sd) ** 2, 0) / COLUMNS.length);
    expect(json.normalizedRmse).toBeLessThan(3 * noise);
    const compressor = new Compressor();
    await compressor.load(join(dir, "curve"));
    const direct = await compressor.score(x);
    compressor.delete();
    expect(json.normalizedRmse).toBeCloseTo(direct.normalizedRmse, 12);
  });

  it("score prints a row per column and the normalised RMSE", async () => {
    const r = await neureco(["score", "--model", "curve", "--x", "x.csv"], dir);
    expect(r.code).toBe(0);
    const json = JSON.parse(
      (await neureco(["score", "--model", "curve", "--x", "x.csv", "--json"], dir)).stdout,
    );
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe(`${ROWS} rows, reconstructed from 1 code`);
    expect(lines[1]).toMatch(/^column\s+RMSE$/);
    COLUMNS.forEach((name, j) => {
      expect(lines[2 + j]).toMatch(new RegExp(`^${name}\\s+([\\d.e-]+)$`));
      expect(Number(lines[2 + j].split(/\s+/)[1])).toBeCloseTo(json.rmse[j], 5);
    });
    expect(r.stdout).toMatch(/^normalised RMSE over all columns\s+[\d.e-]+$/m);
  });

  it("a missing cell: an error naming its line, or with --missing drop-row the row skipped", async () => {
    const lines = readFileSync(join(dir, "x.csv"), "utf8").split("\n");
    lines[3] = lines[3].replace(/^[^;]*/, "NA");
    writeFileSync(join(dir, "x-missing.csv"), lines.join("\n"));
    const refused = await neureco(["score", "--model", "curve", "--x", "x-missing.csv"], dir);
    expectOneLineError(refused, 1, /^error: x-missing\.csv, line 4\b.*--missing drop-row skips such rows/);
    const skipped = await neureco(
      ["score", "--model", "curve", "--x", "x-missing.csv", "--json", "--missing", "drop-row"],
      dir,
    );
    expect(skipped.code).toBe(0);
    expect(skipped.stderr).toBe("x-missing.csv: skipped 1 row with a missing cell\n");
    expect(JSON.parse(skipped.stdout).rows).toBe(ROWS - 1);
  });
});

describe("inspect on a compressor", () => {
  it("--json gives its columns, code size, encoder and decoder, and its weights in derivative order", async () => {
    const r = await neureco(["inspect", "--model", "curve", "--json"], dir);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.task).toBe("compression");
    expect(json.inputs).toEqual(COLUMNS);
    expect(json.codeSize).toBe(1);
    expect(json.codes).toEqual(["code1"]);
    expect(json.hiddenNeurons).toBe(summary.hidden);
    expect(json.encoder.neurons).toEqual({ inputs: 4, hidden: summary.hidden, outputs: 1 });
    expect(json.decoder.neurons).toEqual({ inputs: 1, hidden: summary.hidden, outputs: 4 });
    expect(json.encoder.weightCount).toBe(summary.encoderWeights);
    expect(json.decoder.weightCount).toBe(summary.decoderWeights);
    expect(json.weightCount).toBe(summary.weights);
    expect(json.weights).toHaveLength(summary.weights);
    expect(json.weightLabels).toHaveLength(summary.weights);
    expect(json.weightLabels[0]).toBe("u → code1");
    expect(json.weightLabels[summary.encoderWeights - 1]).toBe("bias code1");
    expect(json.weightLabels.at(-1)).toBe("bias z (out)");
    const compressor = new Compressor();
    await compressor.load(join(dir, "curve"));
    expect(json.weights).toEqual(Array.from(compressor.getWeights().data));
    compressor.delete();
    expect(json.errors.validation).toBeCloseTo(summary.errors?.validation ?? Number.NaN, 12);
  });

  it("the text names the task, inputs, code size, hidden neurons and both networks' weights", async () => {
    const r = await neureco(["inspect", "--model", "curve"], dir);
    expect(r.code).toBe(0);
    const e = summary.encoderWeights;
    expect(r.stdout).toMatch(/^task\s+compression: 4 columns to 1 code$/m);
    expect(r.stdout).toMatch(/^inputs\s+4: u, v, w, z$/m);
    expect(r.stdout).toMatch(/^code size\s+1: code1$/m);
    expect(r.stdout).toMatch(new RegExp(`^hidden neurons ${summary.hidden} \\(tanh\\)`, "m"));
    expect(r.stdout).toMatch(
      new RegExp(
        `^encoder\\s+4 inputs, ${summary.hidden} hidden, 1 code \\(linear\\): \\d+ links, ${e} weights \\(weights 1–${e}\\)$`,
        "m",
      ),
    );
    expect(r.stdout).toMatch(new RegExp(`^decoder\\s+.*\\(weights ${e + 1}–${summary.weights}\\)$`, "m"));
    expect(r.stdout).toMatch(
      new RegExp(
        `^weights\\s+${summary.weights} \\(encoder ${e}, decoder ${summary.decoderWeights}\\)$`,
        "m",
      ),
    );
    expect(r.stdout).toMatch(/^errors at build \(reconstruction RMSE over all columns, normalised units\)/m);
  });
});

describe("derivatives of a compressor", () => {
  /** Σ of the products of two tables' cells. */
  const dot = (a: readonly (readonly number[])[], b: readonly (readonly number[])[]) =>
    a.reduce((s, row, i) => s + row.reduce((t, v, j) => t + v * b[i][j], 0), 0);

  const maps = [
    { map: "evaluate", x: "x.csv", outputs: COLUMNS, inputs: COLUMNS },
    { map: "compress", x: "x.csv", outputs: ["code1"], inputs: COLUMNS },
    { map: "decompress", x: "codes.csv", outputs: COLUMNS, inputs: ["code1"] },
  ];
  for (const { map, x: xFile, outputs, inputs } of maps) {
    it(`--map ${map}: forward and gradient are adjoint (Σ py·dy = dw·gw + Σ dx·gx)`, async () => {
      const p = summary.weights;
      await neureco(["compress", "--model", "curve", "--x", "x.csv", "--out", "codes.csv"], dir);
      const n = readTable(join(dir, xFile)).rows.length;
      const dw = Array.from({ length: p }, (_, k) => [Math.sin(k + 1)]);
      const dx = Array.from({ length: n }, (_, i) => inputs.map((_, j) => Math.cos(i + 3 * j)));
      const py = Array.from({ length: n }, (_, i) => outputs.map((_, j) => Math.sin(2 * i + j)));
      writeTable(join(dir, "dw.csv"), ["dw"], dw);
      writeTable(join(dir, `dx-${map}.csv`), inputs, dx);
      writeTable(join(dir, `py-${map}.csv`), outputs, py);
      const forward = await neureco(
        [
          "derivative",
          "forward",
          "--model",
          "curve",
          "--map",
          map,
          "--x",
          xFile,
          "--dw",
          "dw.csv",
          "--dx",
          `dx-${map}.csv`,
        ],
        dir,
      );
      expect(forward.stderr).toBe("");
      expect(forward.code).toBe(0);
      const dy = readCsvText(forward.stdout);
      expect(dy.columns).toEqual(outputs.map((name) => `d_${name}`));
      const gradient = await neureco(
        [
          "derivative",
          "gradient",
          "--model",
          "curve",
          "--map",
          map,
          "--x",
          xFile,
          "--py",
          `py-${map}.csv`,
          "--out-dw",
          `gw-${map}.csv`,
          "--out-dx",
          `gx-${map}.csv`,
        ],
        dir,
      );
      expect(gradient.stderr).toBe("");
      expect(gradient.code).toBe(0);
      const gw = readTable(join(dir, `gw-${map}.csv`));
      const gx = readTable(join(dir, `gx-${map}.csv`));
      expect(gw.rows).toHaveLength(p);
      expect(gx.columns).toEqual(inputs.map((name) => `d_${name}`));
      const left = dot(py, dy.rows);
      const right = dot(dw, gw.rows) + dot(dx, gx.rows);
      expect(Math.abs(left)).toBeGreaterThan(1e-6);
      expect(Math.abs(left - right)).toBeLessThan(1e-9 * Math.max(1, Math.abs(left)));
      // The encoder's map moves no decoder weight, and the decoder's no encoder weight.
      const moved = (rows: number[][]) => rows.some(([v]) => v !== 0);
      if (map === "compress") expect(moved(gw.rows.slice(summary.encoderWeights))).toBe(false);
      if (map === "decompress") expect(moved(gw.rows.slice(0, summary.encoderWeights))).toBe(false);
    });
  }
});

describe("sensitivity of a compressor", () => {
  it("gives a table per code, of how much each input moves it", async () => {
    const r = await neureco(["sensitivity", "--model", "curve", "--x", "x.csv", "--json"], dir);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as { outputNames: string[]; inputs: { input: string }[] };
    expect(json.outputNames).toEqual(["code1"]);
    expect(json.inputs.map((i) => i.input)).toEqual(COLUMNS);
    const text = await neureco(["sensitivity", "--model", "curve", "--x", "x.csv"], dir);
    expect(text.stdout).toMatch(/^code code1$/m);
    expect(text.stdout).toMatch(/mean \|dc\/dx\|/);
  });
});

describe("what does not apply to a compressor", () => {
  const build = (...more: string[]) =>
    neureco(["build", "--compress", "--x", "x.csv", "--out", "refused", ...more], dir);

  const notWithCompress: [string[], string][] = [
    [["--y", "x.csv"], "--y"],
    [["--valid-x", "x.csv", "--valid-y", "x.csv"], "--valid-y"],
    [["--classify"], "--classify"],
    [["--outputs-shifting", "mean"], "--outputs-shifting"],
    [["--outputs-scaling", "std"], "--outputs-scaling"],
    [["--links-maximum", "10"], "--links-maximum"],
    [["--checkpoint", "refused.checkpoint"], "--checkpoint"],
    [["--resume"], "--resume"],
  ];
  for (const [args, flag] of notWithCompress) {
    it(`build --compress refuses ${flag}, saying why (exit code 2)`, async () => {
      const r = await build(...args);
      expectOneLineError(r, 2, new RegExp(`^error: ${flag} does not apply with --compress: \\S`));
      expect(existsSync(join(dir, "refused.ednn"))).toBe(false);
    });
  }

  it("--code-size: with --compress only, and fewer codes than columns", async () => {
    expectOneLineError(
      await neureco(["build", "--x", "x.csv", "--y", "x.csv", "--out", "refused", "--code-size", "2"], dir),
      2,
      /^error: --code-size applies with --compress only/,
    );
    expectOneLineError(
      await build("--code-size", "4"),
      1,
      /^error: --code-size 4: a compressor of the 4 columns of x\.csv has from 1 to 3 codes/,
    );
    expect(existsSync(join(dir, "refused.ednn"))).toBe(false);
  });

  it("build without --y needs --compress; one column is not compressed", async () => {
    expectOneLineError(
      await neureco(["build", "--x", "x.csv", "--out", "refused"], dir),
      2,
      /^error: required option '--y <file>' not specified \(--compress builds a compressor from --x alone\)$/,
    );
    writeTable(
      join(dir, "one.csv"),
      ["u"],
      x.map((row) => [row[0]]),
    );
    expectOneLineError(
      await neureco(["build", "--compress", "--x", "one.csv", "--out", "refused"], dir),
      1,
      /^error: one\.csv: 1 column; a compressor needs at least 2/,
    );
  });

  const words = "curve holds a compressor of 4 columns to 1 code";
  const refusals: [string, string[], RegExp][] = [
    [
      "evaluate --uncertainty",
      ["evaluate", "--model", "curve", "--x", "x.csv", "--uncertainty"],
      new RegExp(`^error: ${words}: --uncertainty gives a regressor's error bars`),
    ],
    [
      "plot",
      ["plot", "--model", "curve", "--x", "x.csv", "--y", "x.csv", "--out", "curve.svg"],
      new RegExp(`^error: ${words}: plot draws a regressor's parity plot or a classifier's confusion matrix`),
    ],
    [
      "plot --sensitivity",
      ["plot", "--model", "curve", "--x", "x.csv", "--y", "x.csv", "--out", "curve.svg", "--sensitivity"],
      new RegExp(`^error: ${words}: plot draws`),
    ],
    [
      "derivative forward --logits",
      ["derivative", "forward", "--model", "curve", "--x", "x.csv", "--dw", "dw.csv", "--logits"],
      new RegExp(
        `^error: ${words}: --logits differentiates a classifier's logits, and applies to classifiers only`,
      ),
    ],
    [
      "derivative gradient --logits",
      [
        "derivative",
        "gradient",
        "--model",
        "curve",
        "--x",
        "x.csv",
        "--py",
        "x.csv",
        "--out-dw",
        "refused-dw.csv",
        "--out-dx",
        "refused-dx.csv",
        "--logits",
      ],
      new RegExp(`^error: ${words}: --logits differentiates a classifier's logits`),
    ],
    [
      "score --y",
      ["score", "--model", "curve", "--x", "x.csv", "--y", "x.csv"],
      new RegExp(`^error: ${words}: --y does not apply: a compressor is scored on how well it reconstructs`),
    ],
  ];
  for (const [name, args, pattern] of refusals) {
    it(`${name} refuses a compressor in one sentence`, async () => {
      expectOneLineError(await neureco(args, dir), 1, pattern);
    });
  }
  it("plot wrote no file", () => {
    expect(existsSync(join(dir, "curve.svg"))).toBe(false);
  });
});

describe("export of a compressor", () => {
  it("--format onnx writes two graphs that ONNX Runtime runs to compress's codes and decompress's rows", async () => {
    const ort = await import("onnxruntime-node");
    const r = await neureco(
      ["export", "--model", "curve", "--format", "onnx", "--dtype", "float64", "--out", "curve"],
      dir,
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(
      "wrote curve.compress.onnx (rows x to codes y) and curve.decompress.onnx (codes x to rows y) (float64, a dynamic batch dimension)\n",
    );
    const compressor = new Compressor();
    await compressor.load(join(dir, "curve"));
    const x = (await readCsv(join(dir, "x.csv"))).matrix;
    const codes = await compressor.compress(x);
    const rows = await compressor.decompress(codes);
    for (const [file, input, expected] of [
      ["curve.compress.onnx", x, codes],
      ["curve.decompress.onnx", codes, rows],
    ] as const) {
      const session = await ort.InferenceSession.create(readFileSync(join(dir, file)));
      const out = await session.run({
        x: new ort.Tensor("float64", Float64Array.from(input.data), [...input.shape]),
      });
      const y = out.y.data as Float64Array;
      const scale = Math.max(...Array.from(expected.data, Math.abs));
      expected.data.forEach((v, i) => expect(Math.abs(y[i] - v)).toBeLessThanOrEqual(1e-12 * scale));
      await session.release();
    }
    compressor.delete();
  });

  it("--format c writes compress and decompress as two C99 files that gcc compiles without a warning", async () => {
    const r = await neureco(["export", "--model", "curve", "--format", "c", "--out", "curve-model"], dir);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(
      /^wrote curve_model_compress\.c and curve_model_compress\.h \(compress\), curve_model_decompress\.c and curve_model_decompress\.h \(decompress\)/,
    );
    for (const name of ["curve_model_compress", "curve_model_decompress"]) {
      execFileSync(
        "gcc",
        ["-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-c", `${name}.c`, "-o", `${name}.o`],
        {
          cwd: dir,
        },
      );
      expect(readFileSync(join(dir, `${name}.h`), "utf8")).toContain(`void ${name}_evaluate(`);
    }
  });
});

describe("what applies to compressors only", () => {
  beforeAll(async () => {
    await writeFixtureModel(dir);
    // A linear classifier of two classes, saved through the library.
    const classifier = Classifier.fromDescription({
      structure: {
        inputs: 2,
        hidden: 0,
        outputs: 1,
        links: [
          [0, 2],
          [1, 2],
        ],
      },
      weights: Float64Array.from([1, -1, 0.5]),
      inputNormalization: { shift: new Float64Array(2), scale: Float64Array.from([1, 1]) },
      outputNormalization: { shift: new Float64Array(1), scale: Float64Array.from([1]) },
      inputNames: ["p", "q"],
      outputNames: [],
      classification: { label: "side", classes: ["left", "right"] },
    });
    await classifier.save(join(dir, "sides.ednn"));
    classifier.delete();
  });

  it("compress and decompress refuse a regressor and a classifier, naming the model", async () => {
    expectOneLineError(
      await neureco(["compress", "--model", "fixture", "--x", "x_test.csv"], dir),
      1,
      /^error: fixture holds a regressor of 5 inputs → 1 output: compress works on compressors only; neureco evaluate gives its predictions/,
    );
    expectOneLineError(
      await neureco(["decompress", "--model", "sides", "--codes", "codes.csv"], dir),
      1,
      /^error: sides holds a classifier of 2 classes \(left, right\): decompress works on compressors only; neureco evaluate gives its class probabilities/,
    );
  });

  it("derivative --map refuses a regressor; score without --y refuses it with exit code 2", async () => {
    expectOneLineError(
      await neureco(
        [
          "derivative",
          "forward",
          "--model",
          "fixture",
          "--x",
          "x_test.csv",
          "--dw",
          "dw.csv",
          "--map",
          "compress",
        ],
        dir,
      ),
      1,
      /^error: fixture holds a regressor of 5 inputs → 1 output: --map chooses which map of a compressor to differentiate, and applies to compressors only/,
    );
    expectOneLineError(
      await neureco(["score", "--model", "fixture", "--x", "x_test.csv"], dir),
      2,
      /^error: required option '--y <file>' not specified: fixture holds a regressor/,
    );
  });
});
