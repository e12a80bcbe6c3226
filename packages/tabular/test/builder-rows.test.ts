/**
 * A build's rows read a block at a time (rows.ts): every view gives the
 * values `normalize` gives, bit for bit, whatever the blocks; what is
 * computed over blocks (the prior's variances, the Z-order, the validation
 * rows) equals what the whole normalised matrix gives; and the data put on
 * the backend from a view equals the data put there from the rows taken
 * whole.
 */
import { cpu } from "@neureco/backend-cpu";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { prepareData } from "../src/builder/data.js";
import { DeviceData } from "../src/builder/objective.js";
import { priorMetric } from "../src/builder/prior.js";
import { builderRandom } from "../src/builder/random.js";
import {
  concatRows,
  forEachBlock,
  matrixRows,
  pickRows,
  type RowSource,
  readAllRows,
  selectedRows,
} from "../src/builder/rows.js";
import { resolveSettings } from "../src/builder/settings.js";
import { representativeRows, representativeRowsOf, zOrder } from "../src/builder/validation-split.js";
import { Matrix } from "../src/matrix.js";
import { computeNormalization, normalize } from "../src/normalization/index.js";

/** n × c values of mixed scales (column j around 10^j), from `seed`. */
function randomMatrix(n: number, c: number, seed: number): Matrix {
  const random = builderRandom(seed);
  return new Matrix(
    Float64Array.from({ length: n * c }, (_, i) => (random() - 0.3) * 10 ** (i % c)),
    n,
    c,
  );
}

function rowsOfMatrix(m: Matrix, rows: readonly number[]): Float64Array {
  const c = m.shape[1];
  const out = new Float64Array(rows.length * c);
  rows.forEach((r, i) => out.set(m.data.subarray(r * c, (r + 1) * c), i * c));
  return out;
}

/** The source read in blocks of `block` rows, joined. */
function readInBlocks(source: RowSource, block: number): { x: Float64Array; y: Float64Array } {
  const x = new Float64Array(source.rows * source.inputs);
  const y = new Float64Array(source.rows * source.outputs);
  forEachBlock(
    source,
    (b, first) => {
      x.set(b.x, first * source.inputs);
      y.set(b.y, first * source.outputs);
    },
    block,
  );
  return { x, y };
}

const shapes = fc.record({
  n: fc.integer({ min: 2, max: 60 }),
  m: fc.integer({ min: 1, max: 4 }),
  k: fc.integer({ min: 1, max: 3 }),
  block: fc.integer({ min: 1, max: 70 }),
  seed: fc.integer({ min: 0, max: 1000 }),
});

describe("row sources", () => {
  it("selected rows are the normalised rows, bit for bit, in blocks of any size", () => {
    fc.assert(
      fc.property(shapes, ({ n, m, k, block, seed }) => {
        const x = randomMatrix(n, m, seed);
        const y = randomMatrix(n, k, seed + 1);
        const nx = computeNormalization(x);
        const ny = computeNormalization(y);
        const chosen = Array.from({ length: n }, (_, i) => i).filter((i) => (i * 7 + seed) % 3 !== 0);
        const source = selectedRows(x, y, nx, ny, Int32Array.from(chosen));
        expect(source.rows).toBe(chosen.length);
        const read = readInBlocks(source, block);
        expect(read.x).toEqual(rowsOfMatrix(normalize(x, nx), chosen));
        expect(read.y).toEqual(rowsOfMatrix(normalize(y, ny), chosen));
        const picked = pickRows(source, [chosen.length - 1, 0]);
        expect(picked.x.data).toEqual(rowsOfMatrix(normalize(x, nx), [chosen.at(-1) as number, chosen[0]]));
      }),
    );
  });

  it("concatenated rows read across the join as the stacked rows", () => {
    fc.assert(
      fc.property(shapes, ({ n, m, k, block, seed }) => {
        const a = { x: randomMatrix(n, m, seed), y: randomMatrix(n, k, seed + 1) };
        const b = { x: randomMatrix(n + 3, m, seed + 2), y: randomMatrix(n + 3, k, seed + 3) };
        const joined = concatRows(matrixRows(a.x, a.y), matrixRows(b.x, b.y));
        const read = readInBlocks(joined, block);
        expect(read.x).toEqual(Float64Array.from([...a.x.data, ...b.x.data]));
        expect(read.y).toEqual(Float64Array.from([...a.y.data, ...b.y.data]));
      }),
    );
  });

  it("the prior's variances over blocks equal those of the whole columns", () => {
    const n = 20_000; // more than two scan blocks
    const x = normalize(randomMatrix(n, 3, 4), computeNormalization(randomMatrix(n, 3, 4)));
    const y = randomMatrix(n, 2, 5);
    const metric = priorMetric(matrixRows(x, y));
    const variance = (m: Matrix, j: number) => {
      const c = m.shape[1];
      let mean = 0;
      for (let i = 0; i < n; i++) mean += m.data[i * c + j] / n;
      let v = 0;
      for (let i = 0; i < n; i++) v += (m.data[i * c + j] - mean) ** 2 / n;
      return v;
    };
    expect(metric.inputVariance).toEqual([0, 1, 2].map((j) => variance(x, j)));
    expect(metric.outputVariance).toBe(variance(y, 0) / 2 + variance(y, 1) / 2);
  });

  it("the Z-order and the validation rows (farthest-point order) of a view equal those of the normalised matrix", () => {
    const n = 3000;
    const x = randomMatrix(n, 3, 6);
    const y = randomMatrix(n, 1, 7);
    const nx = computeNormalization(x);
    const source = selectedRows(x, y, nx, computeNormalization(y));
    const xn = normalize(x, nx);
    expect(zOrder(source)).toEqual(zOrder(xn));
    expect(representativeRowsOf(source, 20)).toEqual(representativeRows(xn, 20));
  });

  it("prepared sets hold the normalised training and validation rows, and all rows in order", () => {
    const n = 50;
    const x = randomMatrix(n, 2, 8);
    const y = randomMatrix(n, 1, 9);
    const data = prepareData({ x, y }, resolveSettings({}));
    const xn = normalize(x, data.inputNormalization);
    const held = new Set(data.validationRows);
    const train = Array.from({ length: n }, (_, i) => i).filter((i) => !held.has(i));
    expect(readAllRows(data.train).x.data).toEqual(rowsOfMatrix(xn, train));
    expect(readAllRows(data.valid).x.data).toEqual(rowsOfMatrix(xn, data.validationRows));
    expect(readAllRows(data.all).x.data).toEqual(xn.data);
  });

  it("data put on the backend from a view equals the rows taken whole, chunk by chunk", async () => {
    const backend = cpu();
    try {
      const n = 37;
      const x = randomMatrix(n, 3, 10);
      const y = randomMatrix(n, 2, 11);
      const rows = Int32Array.from({ length: 20 }, (_, i) => (i * 5) % n);
      const view = selectedRows(x, y, computeNormalization(x), computeNormalization(y), rows);
      const taken = readAllRows(view);
      const a = DeviceData.upload(backend, "float64", view, { chunkStackedRows: 8 });
      const b = DeviceData.upload(backend, "float64", matrixRows(taken.x, taken.y), { chunkStackedRows: 8 });
      expect(a.chunks.length).toBe(5);
      for (let c = 0; c < a.chunks.length; c++) {
        for (const key of ["x", "y", "xStacked", "yStacked", "mask"] as const)
          expect(await a.chunks[c][key].read()).toEqual(await b.chunks[c][key].read());
      }
      // Joined, the chunks already there serve both sets' rows in order, and are freed with the join.
      const joined = DeviceData.join(a, b);
      expect(joined.rows).toBe(40);
      expect(joined.chunks).toEqual([...a.chunks, ...b.chunks]);
      expect(readAllRows(joined.source).x.data).toEqual(
        Float64Array.from([...taken.x.data, ...taken.x.data]),
      );
      joined.dispose();
      await expect(a.chunks[0].x.read()).rejects.toThrow();
      await expect(b.chunks[0].x.read()).rejects.toThrow();
    } finally {
      backend.destroy();
    }
  });
});
