/**
 * The typed-array loops on shapes larger than the conformance suite draws:
 * blocked transpose across tile edges, matmul paths, reductions of every
 * layout, strided copies of slices and broadcasts.
 */
import {
  assertClose,
  REFERENCE,
  type RefValue,
  randomValue,
  seedArb,
  seededRandom,
} from "@neureco/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { broadcastImpl, sliceImpl, transposeImpl } from "../src/impl/layout.js";
import { matmulImpl } from "../src/impl/matmul.js";
import { reduceImpl } from "../src/impl/reduce.js";

const refMatmul = (a: RefValue, b: RefValue) => REFERENCE.matmul([a, b], {});
const refSum = (x: RefValue, axes: readonly number[]) => REFERENCE.sum([x], { axes });

const bigDim = fc.integer({ min: 0, max: 70 });
const shape3 = fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 4 });

describe("typed-array implementations on larger shapes", () => {
  it("rank-2 and batched transposes", () => {
    fc.assert(
      fc.property(bigDim, bigDim, fc.boolean(), seedArb, (rows, cols, batched, seed) => {
        const shape = batched ? [3, rows, cols] : [rows, cols];
        const perm = batched ? [0, 2, 1] : [1, 0];
        const x = randomValue(shape, "real", seededRandom(seed));
        const out = new Float64Array(x.data.length);
        transposeImpl(x.data, shape, perm, out);
        assertClose(out, REFERENCE.transpose([x], { perm }), 0, `transpose ${shape}`);
      }),
      { numRuns: 40 },
    );
  });

  it("matmul, float64 and float32, including matrix × column", () => {
    fc.assert(
      fc.property(
        bigDim,
        bigDim,
        fc.constantFrom(1, 2, 17, 40),
        fc.boolean(),
        seedArb,
        (n, k, m, f32, seed) => {
          const random = seededRandom(seed);
          const a = randomValue([n, k], "real", random);
          const b = randomValue([k, m], "real", random);
          const round = (v: Float64Array) => (f32 ? Float32Array.from(v) : v);
          const out = f32 ? new Float32Array(n * m) : new Float64Array(n * m);
          matmulImpl(round(a.data), round(b.data), n, k, m, out);
          const exact = refMatmul(
            { data: Float64Array.from(round(a.data)), shape: a.shape },
            { data: Float64Array.from(round(b.data)), shape: b.shape },
          );
          const scale = refMatmul(
            { data: a.data.map(Math.abs), shape: a.shape },
            { data: b.data.map(Math.abs), shape: b.shape },
          );
          assertClose(out, exact, f32 ? 1e-6 : 1e-13, `matmul ${n}×${k}×${m}`, scale);
        },
      ),
      { numRuns: 40 },
    );
  });

  /** matmulImpl(a, b) equals, bit for bit, each output summed over k in order in float64 and rounded once. */
  function expectSameBitsAsInOrderSum(
    a: Float64Array | Float32Array,
    b: Float64Array | Float32Array,
    n: number,
    k: number,
    m: number,
  ): void {
    const make = () => (a instanceof Float32Array ? new Float32Array(n * m) : new Float64Array(n * m));
    const out = make();
    matmulImpl(a, b, n, k, m, out);
    const expected = make();
    for (let i = 0; i < n; i++)
      for (let j = 0; j < m; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * m + j];
        expected[i * m + j] = s;
      }
    expect(Array.from(out)).toEqual(Array.from(expected));
  }

  it("matmul sums each output over k in order, in float64, rounded once: the same bits on every path", () => {
    // Sizes on both sides of the tiled path's threshold, with edges past whole tiles.
    const dims = fc.integer({ min: 1, max: 37 });
    fc.assert(
      fc.property(
        dims,
        fc.integer({ min: 1, max: 90 }),
        dims,
        fc.boolean(),
        seedArb,
        (n, k, m, f32, seed) => {
          const random = seededRandom(seed);
          const a = Float64Array.from({ length: n * k }, () => 2 * random() - 1);
          const b = Float64Array.from({ length: k * m }, () => 2 * random() - 1);
          const round = (v: Float64Array) => (f32 ? Float32Array.from(v) : v);
          const [ar, br] = [round(a), round(b)];
          expectSameBitsAsInOrderSum(ar, br, n, k, m);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("matmul of a matrix by its own transpose (a Gram matrix, computed half and mirrored) has the same bits as the full product", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 8, max: 37 }),
        fc.integer({ min: 64, max: 90 }),
        fc.boolean(),
        fc.boolean(),
        seedArb,
        (n, k, f32, nearlyGram, seed) => {
          const random = seededRandom(seed);
          const round = (v: Float64Array) => (f32 ? Float32Array.from(v) : v);
          const a = round(Float64Array.from({ length: n * k }, () => 2 * random() - 1));
          const b = f32 ? new Float32Array(k * n) : new Float64Array(k * n);
          for (let i = 0; i < n; i++) for (let p = 0; p < k; p++) b[p * n + i] = a[i * k + p];
          // One entry off: not a Gram matrix any more, and not symmetric.
          if (nearlyGram) b[Math.floor(random() * k * n)] += 0.5;
          expectSameBitsAsInOrderSum(a, b, n, k, n);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("sum and max over any set of axes", () => {
    fc.assert(
      fc.property(
        shape3,
        fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
        seedArb,
        (shape, mask, seed) => {
          const axes = shape.flatMap((_, i) => (mask[i] ? [i] : []));
          const x = randomValue(shape, "real", seededRandom(seed));
          const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
          const size = outShape.reduce((p, d) => p * d, 1);
          const sum = new Float64Array(size);
          reduceImpl("sum", x.data, shape, axes, sum);
          const scale = refSum({ data: x.data.map(Math.abs), shape }, axes);
          assertClose(sum, refSum(x, axes), 1e-13, `sum ${shape} over ${axes}`, scale);
          const max = new Float64Array(size);
          reduceImpl("max", x.data, shape, axes, max);
          assertClose(max, REFERENCE.max([x], { axes }), 0, `max ${shape} over ${axes}`);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("slices and broadcasts", () => {
    fc.assert(
      fc.property(
        shape3,
        fc.array(fc.nat(), { minLength: 8, maxLength: 8 }),
        seedArb,
        (shape, cuts, seed) => {
          const x = randomValue(shape, "real", seededRandom(seed));
          const begin = shape.map((d, i) => cuts[i] % (d + 1));
          const size = shape.map((d, i) => cuts[i + 4] % (d - begin[i] + 1));
          const sliced = new Float64Array(size.reduce((p, d) => p * d, 1));
          sliceImpl(x.data, shape, begin, size, sliced);
          assertClose(
            sliced,
            REFERENCE.slice([x], { begin, size }),
            0,
            `slice ${shape} at ${begin} size ${size}`,
          );

          const target = shape.map((d, i) => (cuts[i] % 2 === 0 ? d : d + 3));
          const source = shape.map((d, i) => (cuts[i] % 2 === 0 ? d : 1));
          const y = randomValue(source, "real", seededRandom(seed + 1));
          const broadcast = new Float64Array(target.reduce((p, d) => p * d, 1));
          broadcastImpl(y.data, source, target, broadcast);
          assertClose(
            broadcast,
            REFERENCE.broadcast([y], { shape: target }),
            0,
            `broadcast ${source} to ${target}`,
          );
        },
      ),
      { numRuns: 60 },
    );
  });
});
