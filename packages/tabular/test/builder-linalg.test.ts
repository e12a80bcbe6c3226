import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cholesky, choleskyInverse, choleskyInverseDiagonal, choleskySolve } from "../src/builder/linalg.js";
import { builderRandom } from "../src/builder/random.js";

/** A random symmetric positive-definite p × p matrix: BᵀB + shift·I, as JᵀJ plus a penalty. */
function randomSpd(p: number, seed: number, shift: number): Float64Array {
  const random = builderRandom(seed);
  const rows = p + 3;
  const b = Float64Array.from({ length: rows * p }, () => 2 * random() - 1);
  const a = new Float64Array(p * p);
  for (let i = 0; i < p; i++)
    for (let j = 0; j < p; j++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += b[r * p + i] * b[r * p + j];
      a[i * p + j] = s + (i === j ? shift : 0);
    }
  return a;
}

const spd = fc.record({
  p: fc.integer({ min: 1, max: 40 }),
  seed: fc.integer({ min: 1, max: 1e6 }),
  shift: fc.constantFrom(1e-6, 1e-2, 1),
});

describe("Cholesky algebra of the Gauss–Newton systems", () => {
  it("cholesky factors A: L is lower triangular with a positive diagonal and L·Lᵀ = A", () => {
    fc.assert(
      fc.property(spd, ({ p, seed, shift }) => {
        const a = randomSpd(p, seed, shift);
        const l = cholesky(a, p) as Float64Array;
        let scale = 0;
        for (const v of a) scale = Math.max(scale, Math.abs(v));
        for (let i = 0; i < p; i++) {
          expect(l[i * p + i]).toBeGreaterThan(0);
          for (let j = 0; j < p; j++) {
            if (j > i) expect(l[i * p + j]).toBe(0);
            let s = 0;
            for (let k = 0; k < p; k++) s += l[i * p + k] * l[j * p + k];
            expect(Math.abs(s - a[i * p + j])).toBeLessThan(1e-12 * scale * p);
          }
        }
      }),
      { numRuns: 40 },
    );
  });

  it("choleskyInverse is the inverse: A·A⁻¹ = I, symmetric", () => {
    fc.assert(
      fc.property(spd, ({ p, seed, shift }) => {
        const a = randomSpd(p, seed, shift);
        const l = cholesky(a, p);
        expect(l).not.toBeNull();
        const inv = choleskyInverse(l as Float64Array, p);
        let norm = 0;
        for (const v of inv) norm = Math.max(norm, Math.abs(v));
        for (let i = 0; i < p; i++)
          for (let j = 0; j < p; j++) {
            expect(inv[i * p + j]).toBe(inv[j * p + i]);
            let s = 0;
            for (let k = 0; k < p; k++) s += a[i * p + k] * inv[k * p + j];
            // Error relative to the size of the inverse (A is as ill-conditioned as shift makes it).
            expect(Math.abs(s - (i === j ? 1 : 0))).toBeLessThan(1e-9 * Math.max(1, norm));
          }
      }),
      { numRuns: 40 },
    );
  });

  it("choleskyInverseDiagonal is the whole inverse's diagonal, bit for bit, and solves agree with it", () => {
    fc.assert(
      fc.property(spd, ({ p, seed, shift }) => {
        const a = randomSpd(p, seed, shift);
        const l = cholesky(a, p) as Float64Array;
        const inv = choleskyInverse(l, p);
        const diagonal = choleskyInverseDiagonal(l, p);
        for (let i = 0; i < p; i++) {
          expect(diagonal[i]).toBe(inv[i * p + i]);
          // [A⁻¹]_ii = e_iᵀ·A⁻¹·e_i, by a solve that never forms the inverse.
          const e = new Float64Array(p);
          e[i] = 1;
          const x = choleskySolve(l, p, e);
          expect(Math.abs(x[i] - diagonal[i])).toBeLessThanOrEqual(1e-9 * Math.abs(x[i]));
        }
      }),
      { numRuns: 40 },
    );
  });

  it("cholesky refuses a matrix that is not positive definite", () => {
    expect(cholesky(Float64Array.from([1, 2, 2, 1]), 2)).toBeNull();
    expect(cholesky(Float64Array.from([0]), 1)).toBeNull();
  });
});
