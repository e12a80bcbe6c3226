/**
 * evaluate, score, inspect, derivative and plot, run through the built binary
 * on a fixed model; results are checked against the library called in-process
 * and against identities the numbers must satisfy.
 */

import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Regressor, readCsv } from "@neureco/tabular";
import { beforeAll, describe, expect, it } from "vitest";
import {
  FIXTURE_WEIGHTS,
  writeFixtureModel,
  writeFixtureModelWithSd,
  writeTwoOutputModel,
} from "./fixture-model.js";
import {
  assertBuilt,
  CLI,
  expectClose,
  hasStackTrace,
  neureco,
  readCsvText,
  readTable,
  workspace,
  writeTable,
} from "./helpers.js";

let dir: string;
let model: string;
let expected: number[][];

beforeAll(async () => {
  assertBuilt();
  dir = workspace();
  model = await writeFixtureModel(dir);
  const regressor = new Regressor();
  await regressor.load(model);
  expected = (await regressor.evaluate((await readCsv(join(dir, "x_test.csv"))).matrix)).toArray();
  regressor.delete();
});

describe("evaluate", () => {
  it("writes the model's predictions as CSV with the output names as header, to stdout", async () => {
    const r = await neureco(["evaluate", "--model", "fixture.ednn", "--x", "x_test.csv"], dir);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toBe("HHV");
    const out = readCsvText(r.stdout);
    expectClose(out.rows, expected);
  });

  it("writes to --out, and the .ednn extension may be left out", async () => {
    const r = await neureco(
      ["evaluate", "--model", "fixture", "--x", "x_test.csv", "--out", "pred.csv"],
      dir,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expectClose(readTable(join(dir, "pred.csv")).rows, expected);
  });
});

describe("evaluate --uncertainty", () => {
  it("follows each output with its predictive standard deviation, as the library computes them", async () => {
    const withSd = await writeFixtureModelWithSd(dir);
    const regressor = new Regressor();
    await regressor.load(withSd);
    const { y, sd } = await regressor.evaluate((await readCsv(join(dir, "x_test.csv"))).matrix, {
      uncertainty: true,
    });
    regressor.delete();
    const r = await neureco(["evaluate", "--model", "with-sd", "--x", "x_test.csv", "--uncertainty"], dir);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toBe("HHV;HHV_sd");
    expectClose(
      readCsvText(r.stdout).rows,
      y.toArray().map((row, i) => [row[0], sd.get(i, 0)]),
    );
  });

  it("says clearly when the model carries no error bars", async () => {
    const r = await neureco(["evaluate", "--model", "fixture", "--x", "x_test.csv", "--uncertainty"], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("fixture carries no error bars: it was saved by an older version of neureco");
    expect(hasStackTrace(r.stderr)).toBe(false);
  });
});

describe("score", () => {
  it("--json gives rows, rmse, mae and r2 per output, equal to the scores of the predictions", async () => {
    const r = await neureco(
      ["score", "--model", "fixture.ednn", "--x", "x_test.csv", "--y", "y_test.csv", "--json"],
      dir,
    );
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as { rows: number; rmse: number[]; mae: number[]; r2: number[] };
    expect(Object.keys(json).sort()).toEqual(["mae", "r2", "rmse", "rows"]);
    const measured = readTable(join(dir, "y_test.csv")).rows.map((row) => row[0]);
    const residuals = measured.map((y, i) => expected[i][0] - y);
    const mean = measured.reduce((a, b) => a + b, 0) / measured.length;
    const ssRes = residuals.reduce((a, e) => a + e * e, 0);
    const ssTot = measured.reduce((a, y) => a + (y - mean) ** 2, 0);
    expect(json.rows).toBe(measured.length);
    expect(json.rmse[0]).toBeCloseTo(Math.sqrt(ssRes / measured.length), 10);
    expect(json.mae[0]).toBeCloseTo(residuals.reduce((a, e) => a + Math.abs(e), 0) / measured.length, 10);
    expect(json.r2[0]).toBeCloseTo(1 - ssRes / ssTot, 10);
  });

  it("prints a table with the output's name by default", async () => {
    const r = await neureco(
      ["score", "--model", "fixture.ednn", "--x", "x_test.csv", "--y", "y_test.csv"],
      dir,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/output\s+RMSE\s+MAE\s+R²/);
    expect(r.stdout).toMatch(/^HHV\s/m);
  });
});

describe("inspect", () => {
  it("--json holds the weights, names, inputs kept, neurons, links, normalisation and errors", async () => {
    const r = await neureco(["inspect", "--model", "fixture.ednn", "--json"], dir);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.weights).toEqual(FIXTURE_WEIGHTS);
    expect(json.weightCount).toBe(FIXTURE_WEIGHTS.length);
    expect(json.inputs).toEqual(["carbon", "hydrogen", "oxygen", "nitrogen", "sulfur"]);
    expect(json.outputs).toEqual(["HHV"]);
    expect(json.inputsKept).toEqual(["carbon", "hydrogen", "oxygen", "nitrogen"]);
    expect(json.neurons).toEqual({ inputs: 5, hidden: 2, outputs: 1 });
    expect(json.links).toHaveLength(8);
    expect(json.weightLabels[0]).toBe("carbon → h1");
    expect(json.normalization.inputs.shift).toHaveLength(5);
    expect(json.normalization.outputs.scale).toHaveLength(1);
    expect(json.errors).toEqual({ training: [0.2], validation: [0.25] });
  });

  it("prints the same for a person", async () => {
    const r = await neureco(["inspect", "--model", "fixture.ednn"], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/inputs kept\s+4 of 5 \(disconnected: sulfur\)/);
    expect(r.stdout).toMatch(/weights\s+11 \(8 links \+ 3 biases\)/);
  });
});

describe("derivative", () => {
  const p = FIXTURE_WEIGHTS.length;
  // Directions and cotangents: fixed, varied values (any would do).
  const dwValues = Array.from({ length: p }, (_, i) => Math.sin(i + 1));

  beforeAll(() => {
    const x = readTable(join(dir, "x_test.csv"));
    writeTable(
      join(dir, "dw.csv"),
      ["dw"],
      dwValues.map((v) => [v]),
    );
    writeTable(
      join(dir, "dx.csv"),
      x.columns,
      x.rows.map((row, i) => row.map((_, j) => Math.cos(i + 2 * j))),
    );
    writeTable(
      join(dir, "py.csv"),
      ["HHV"],
      x.rows.map((_, i) => [1 + (i % 3)]),
    );
  });

  it("forward mode matches the library's forwardDerivative", async () => {
    const r = await neureco(
      [
        "derivative",
        "forward",
        "--model",
        "fixture.ednn",
        "--x",
        "x_test.csv",
        "--dw",
        "dw.csv",
        "--dx",
        "dx.csv",
        "--out",
        "dy.csv",
      ],
      dir,
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const regressor = new Regressor();
    await regressor.load(model);
    const dy = await regressor.forwardDerivative({
      w: regressor.getWeights(),
      dw: dwValues,
      x: readTable(join(dir, "x_test.csv")).rows,
      dx: readTable(join(dir, "dx.csv")).rows,
    });
    regressor.delete();
    const out = readTable(join(dir, "dy.csv"));
    expect(out.columns).toEqual(["d_HHV"]);
    expectClose(out.rows, dy.toArray());
  });

  it("reverse mode is the transpose of forward mode: <py, dy> = <dw, gradient dw> + <dx, gradient dx>", async () => {
    const forward = await neureco(
      [
        "derivative",
        "forward",
        "--model",
        "fixture.ednn",
        "--x",
        "x_test.csv",
        "--dw",
        "dw.csv",
        "--dx",
        "dx.csv",
      ],
      dir,
    );
    expect(forward.code).toBe(0);
    const gradient = await neureco(
      [
        "derivative",
        "gradient",
        "--model",
        "fixture.ednn",
        "--x",
        "x_test.csv",
        "--py",
        "py.csv",
        "--out-dw",
        "gw.csv",
        "--out-dx",
        "gx.csv",
      ],
      dir,
    );
    expect(gradient.stderr).toBe("");
    expect(gradient.code).toBe(0);
    const dy = readCsvText(forward.stdout).rows;
    const py = readTable(join(dir, "py.csv")).rows;
    const gw = readTable(join(dir, "gw.csv"));
    const gx = readTable(join(dir, "gx.csv"));
    const dx = readTable(join(dir, "dx.csv")).rows;
    expect(gw.columns).toEqual(["dw"]);
    expect(gw.rows).toHaveLength(p);
    expect(gx.columns).toEqual(["d_carbon", "d_hydrogen", "d_oxygen", "d_nitrogen", "d_sulfur"]);
    const left = dy.reduce((a, row, i) => a + row[0] * py[i][0], 0);
    const right =
      gw.rows.reduce((a, row, k) => a + row[0] * dwValues[k], 0) +
      gx.rows.reduce((a, row, i) => a + row.reduce((b, v, j) => b + v * dx[i][j], 0), 0);
    expect(Math.abs(left - right)).toBeLessThan(1e-9 * Math.max(1, Math.abs(left)));
  });

  it("--w evaluates at other weights: with w = 0 and dw = e_last (the output bias), dy is the output scale", async () => {
    writeTable(
      join(dir, "zero.csv"),
      ["w"],
      FIXTURE_WEIGHTS.map(() => [0]),
    );
    writeTable(
      join(dir, "e-last.csv"),
      ["dw"],
      FIXTURE_WEIGHTS.map((_, i) => [i === p - 1 ? 1 : 0]),
    );
    const r = await neureco(
      [
        "derivative",
        "forward",
        "--model",
        "fixture.ednn",
        "--x",
        "x_test.csv",
        "--w",
        "zero.csv",
        "--dw",
        "e-last.csv",
      ],
      dir,
    );
    expect(r.code).toBe(0);
    const scale = JSON.parse((await neureco(["inspect", "--model", "fixture.ednn", "--json"], dir)).stdout)
      .normalization.outputs.scale[0];
    for (const row of readCsvText(r.stdout).rows) expect(row[0]).toBeCloseTo(scale, 12);
  });
});

describe("the repository's root script", () => {
  it("npm run --silent neureco -- … runs the built CLI, with paths relative to where it was typed", async () => {
    const repoRoot = join(dirname(CLI), "..", "..", "..");
    const r = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      execFile(
        "npm",
        [
          "--prefix",
          repoRoot,
          "run",
          "--silent",
          "neureco",
          "--",
          "evaluate",
          "--model",
          "fixture.ednn",
          "--x",
          "x_test.csv",
        ],
        { cwd: dir, shell: process.platform === "win32" },
        (error, stdout) =>
          error && typeof error.code !== "number"
            ? reject(error)
            : resolve({ code: error ? Number(error.code) : 0, stdout }),
      );
    });
    expect(r.code).toBe(0);
    expectClose(readCsvText(r.stdout).rows, expected);
  });
});

describe("backends", () => {
  it("--backend webgpu gives the CPU's predictions to float32 precision on a real adapter", async () => {
    const r = await neureco(
      ["evaluate", "--model", "fixture.ednn", "--x", "x_test.csv", "--backend", "webgpu"],
      dir,
    );
    expect(r.code, r.stderr).toBe(0);
    const rows = readCsvText(r.stdout).rows;
    expect(rows).toHaveLength(expected.length);
    rows.forEach((row, i) =>
      expect(Math.abs(row[0] - expected[i][0])).toBeLessThan(1e-4 * Math.abs(expected[i][0])),
    );
  });

  it("--backend webgpu without a usable driver fails with one clear line", async () => {
    const r = await neureco(
      ["evaluate", "--model", "fixture.ednn", "--x", "x_test.csv", "--backend", "webgpu"],
      dir,
      undefined,
      { ...process.env, VK_ICD_FILENAMES: "/nonexistent/icd.json" },
    );
    expect(r.code).toBe(1);
    // Dawn itself may print driver warnings first; ours is the last line.
    const last = r.stderr.trimEnd().split("\n").at(-1);
    expect(last).toMatch(/^error: WebGPU is unavailable: .* Run with --backend cpu instead\.$/);
    expect(hasStackTrace(r.stderr)).toBe(false);
  });
});

describe("several outputs", () => {
  it("score, evaluate and plot handle a model with two outputs", async () => {
    const path = await writeTwoOutputModel(dir);
    const y = readTable(join(dir, "y_test.csv"));
    writeTable(
      join(dir, "y2.csv"),
      ["HHV", "twice"],
      y.rows.map((row) => [row[0], 2 * row[0]]),
    );
    const scored = await neureco(
      ["score", "--model", path, "--x", "x_test.csv", "--y", "y2.csv", "--json"],
      dir,
    );
    expect(scored.code).toBe(0);
    const json = JSON.parse(scored.stdout);
    expect(json.rmse).toHaveLength(2);
    expect(json.r2).toHaveLength(2);
    const evaluated = await neureco(["evaluate", "--model", path, "--x", "x_test.csv"], dir);
    expect(readCsvText(evaluated.stdout).columns).toEqual(["HHV", "twice"]);
    const plotted = await neureco(
      ["plot", "--model", path, "--x", "x_test.csv", "--y", "y2.csv", "--out", "two.svg"],
      dir,
    );
    expect(plotted.code).toBe(0);
    expect(readFileSync(join(dir, "two.svg"), "utf8").match(/<g class="parity">/g)).toHaveLength(2);
  });
});

describe("plot", () => {
  it("writes an SVG parity plot with one point per row", async () => {
    const r = await neureco(
      ["plot", "--model", "fixture.ednn", "--x", "x_test.csv", "--y", "y_test.csv", "--out", "parity.svg"],
      dir,
    );
    expect(r.code).toBe(0);
    const svg = readFileSync(join(dir, "parity.svg"), "utf8");
    expect(svg).toMatch(/<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    expect(svg.match(/<circle /g)).toHaveLength(readTable(join(dir, "y_test.csv")).rows.length);
    expect(svg).toContain("HHV");
  });
});

describe("errors: one line on stderr, a non-zero exit code, no stack trace", () => {
  const expectOneLineError = (
    r: { code: number | null; stderr: string; stdout: string },
    code: number,
    pattern: RegExp,
  ) => {
    expect(r.code).toBe(code);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(pattern);
    expect(hasStackTrace(r.stderr)).toBe(false);
  };

  it("unknown option", async () => {
    const r = await neureco(["evaluate", "--model", "fixture.ednn", "--x", "x_test.csv", "--bogus"], dir);
    expectOneLineError(r, 2, /^error: unknown option '--bogus'/);
  });

  it("unknown option close to a known one: the suggestion stays on the same line", async () => {
    const r = await neureco(["evaluate", "--mdoel", "fixture.ednn", "--x", "x_test.csv"], dir);
    expectOneLineError(r, 2, /unknown option '--mdoel'.*Did you mean --model/);
  });

  it("short options are not accepted", async () => {
    const r = await neureco(["evaluate", "--model", "fixture.ednn", "--x", "x_test.csv", "-h"], dir);
    expectOneLineError(r, 2, /unknown option '-h'/);
  });

  it("missing required option", async () => {
    const r = await neureco(["evaluate", "--model", "fixture.ednn"], dir);
    expectOneLineError(r, 2, /required option '--x <file>' not specified/);
  });

  it("invalid option value", async () => {
    const r = await neureco(
      ["evaluate", "--model", "fixture.ednn", "--x", "x_test.csv", "--backend", "tpu"],
      dir,
    );
    expectOneLineError(r, 2, /'tpu' is invalid.*cpu, webgpu/);
  });

  it("missing CSV file", async () => {
    const r = await neureco(["evaluate", "--model", "fixture.ednn", "--x", "nowhere.csv"], dir);
    expectOneLineError(r, 1, /nowhere\.csv.*no such file/);
  });

  it("an --out that cannot be written: the reason once, naming the path (evaluate and plot)", async () => {
    writeFileSync(join(dir, "blocker"), "a file, not a folder\n");
    for (const command of [
      ["evaluate", "--model", "fixture.ednn", "--x", "x_test.csv", "--out", "blocker/pred.csv"],
      [
        "plot",
        "--model",
        "fixture.ednn",
        "--x",
        "x_test.csv",
        "--y",
        "y_test.csv",
        "--out",
        "blocker/parity.svg",
      ],
    ]) {
      const r = await neureco(command, dir);
      const target = command[command.length - 1];
      expectOneLineError(
        r,
        1,
        new RegExp(
          `^error: cannot write "${target.replace(".", "\\.")}": "blocker" is a file, not a directory$`,
          "m",
        ),
      );
      expect(r.stderr.match(/cannot write/g)).toHaveLength(1);
    }
  });

  it("missing model file", async () => {
    const r = await neureco(["evaluate", "--model", "missing-model", "--x", "x_test.csv"], dir);
    expectOneLineError(r, 1, /missing-model\.ednn.*no such file/);
  });

  it("a file that is not a model", async () => {
    const r = await neureco(["inspect", "--model", "x_test.csv"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/x_test\.csv/);
    expect(hasStackTrace(r.stderr)).toBe(false);
  });

  it("bad CSV cell: the message names the file, line and column", async () => {
    const lines = readFileSync(join(dir, "x_test.csv"), "utf8").split("\n");
    const cells = lines[3].split(";");
    cells[2] = "abc";
    lines[3] = cells.join(";");
    writeFileSync(join(dir, "bad.csv"), lines.join("\n"));
    const r = await neureco(["evaluate", "--model", "fixture.ednn", "--x", "bad.csv"], dir);
    expectOneLineError(r, 1, /bad\.csv, line 4, column "oxygen" \(3\): "abc" is not a number/);
  });

  it("inputs with a column fewer than the model has inputs", async () => {
    const x = readTable(join(dir, "x_test.csv"));
    writeTable(
      join(dir, "x4.csv"),
      x.columns.slice(0, 4),
      x.rows.map((row) => row.slice(0, 4)),
    );
    const r = await neureco(["evaluate", "--model", "fixture.ednn", "--x", "x4.csv"], dir);
    expectOneLineError(
      r,
      1,
      /x4\.csv: the columns do not match the inputs of fixture\.ednn: missing "sulfur"$/m,
    );
    // Without a header the columns are matched by count.
    writeFileSync(
      join(dir, "x4-no-header.csv"),
      `${x.rows.map((row) => row.slice(0, 4).join(";")).join("\n")}\n`,
    );
    const bare = await neureco(["evaluate", "--model", "fixture.ednn", "--x", "x4-no-header.csv"], dir);
    expectOneLineError(
      bare,
      1,
      /x4-no-header\.csv: 4 columns, expected 5 \(the inputs of fixture\.ednn: carbon, hydrogen/,
    );
  });

  it("outputs with fewer rows than the inputs", async () => {
    const y = readTable(join(dir, "y_test.csv"));
    writeTable(join(dir, "y-short.csv"), y.columns, y.rows.slice(0, 10));
    const r = await neureco(
      ["score", "--model", "fixture.ednn", "--x", "x_test.csv", "--y", "y-short.csv"],
      dir,
    );
    expectOneLineError(r, 1, /y-short\.csv: 10 data rows, expected 80/);
  });

  it("a weight direction of the wrong length", async () => {
    writeTable(join(dir, "dw-short.csv"), ["dw"], [[1], [2], [3]]);
    const r = await neureco(
      ["derivative", "forward", "--model", "fixture.ednn", "--x", "x_test.csv", "--dw", "dw-short.csv"],
      dir,
    );
    expectOneLineError(r, 1, /dw-short\.csv: 3 data rows, expected 11/);
  });

  it("--verbose adds the stack trace", async () => {
    const r = await neureco(["evaluate", "--model", "fixture.ednn", "--x", "nowhere.csv", "--verbose"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n")[0]).toMatch(/^error: .*nowhere\.csv/);
    expect(hasStackTrace(r.stderr)).toBe(true);
  });

  it("an unknown command", async () => {
    const r = await neureco(["train"], dir);
    expectOneLineError(r, 2, /unknown command 'train'/);
  });
});

describe("--help", () => {
  const commands: [string[], RegExp][] = [
    [
      [],
      /Usage: neureco .*\n[\s\S]*build[\s\S]*evaluate[\s\S]*score[\s\S]*inspect[\s\S]*derivative[\s\S]*plot/,
    ],
    [
      ["build"],
      /--x <file>[\s\S]*--valid-percentage[\s\S]*--inputs-shifting[\s\S]*--classify[\s\S]*--links-maximum[\s\S]*--resume[\s\S]*--backend/,
    ],
    [["evaluate"], /--model <file>[\s\S]*--out <file>/],
    [["score"], /--y <file>[\s\S]*--json/],
    [["inspect"], /--model <file>[\s\S]*--json/],
    [["derivative"], /forward[\s\S]*gradient/],
    [["derivative", "forward"], /--dw <file>[\s\S]*--dx <file>[\s\S]*--w <file>[\s\S]*--logits/],
    [["derivative", "gradient"], /--py <file>[\s\S]*--out-dw <file>[\s\S]*--out-dx <file>[\s\S]*--logits/],
    [["plot"], /--out <file>[\s\S]*--checkpoint <file>[\s\S]*--sensitivity/],
  ];
  for (const [command, pattern] of commands) {
    it(`neureco ${[...command, "--help"].join(" ")}`, async () => {
      const r = await neureco([...command, "--help"], dir);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe("");
      expect(r.stdout).toMatch(pattern);
    });
  }
});
