import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addProduct,
  cholesky,
  choleskyInverse,
  choleskyInverseDiagonal,
  choleskySolve,
  dot,
  euclideanNorm,
  leadingEigenvectors,
  matVec,
  orthogonalise,
} from "../src/builder/linalg.js";
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

/** An orthonormal basis of R^d from random vectors (Gram–Schmidt), rows of the result. */
function randomOrthonormal(d: number, seed: number): Float64Array[] {
  const random = builderRandom(seed);
  const basis: Float64Array[] = [];
  while (basis.length < d) {
    const v = Float64Array.from({ length: d }, () => 2 * random() - 1);
    orthogonalise(v, basis);
    const norm = Math.hypot(...v);
    if (norm < 1e-3) continue;
    basis.push(v.map((x) => x / norm));
  }
  return basis;
}

/** Q·diag(λ)·Qᵀ for the rows q of `basis`. */
function withEigenpairs(basis: readonly Float64Array[], lambdas: readonly number[]): Float64Array {
  const d = basis.length;
  const s = new Float64Array(d * d);
  basis.forEach((q, k) => {
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) s[i * d + j] += lambdas[k] * q[i] * q[j];
  });
  return s;
}

describe("products and eigenvectors of the curvature directions", () => {
  it("addProduct adds a·b and matVec computes a·v", () => {
    const d = 3;
    const a = Float64Array.from([1, 2, 0, -1, 3, 1, 0, 0, 2]);
    const b = Float64Array.from([2, 0, 1, 1, 1, 0, 0, -1, 1]);
    const out = new Float64Array(d * d).fill(1);
    addProduct(out, a, b, d);
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++) {
        let s = 1;
        for (let k = 0; k < d; k++) s += a[i * d + k] * b[k * d + j];
        expect(out[i * d + j]).toBe(s);
      }
    expect(Array.from(matVec(a, d, [1, -1, 2]))).toEqual([1 - 2, -1 - 3 + 2, 4]);
  });

  it("leadingEigenvectors finds the eigenvectors of the largest eigenvalues, largest first", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 12 }), fc.integer({ min: 1, max: 1e6 }), (d, seed) => {
        const basis = randomOrthonormal(d, seed);
        // Distinct, well separated eigenvalues (13 is prime to every d here), in no particular order of the basis.
        const lambdas = basis.map((_, k) => 2 ** ((k * 13) % d));
        const s = withEigenpairs(basis, lambdas);
        const order = lambdas.map((l, k) => ({ l, k })).sort((p, q) => q.l - p.l);
        const count = Math.min(3, d);
        const found = leadingEigenvectors(s, d, count, 0);
        expect(found).toHaveLength(count);
        found.forEach((v, c) => {
          const q = basis[order[c].k];
          expect(Math.hypot(...v)).toBeCloseTo(1, 12);
          expect(Math.abs(dot(v, q))).toBeCloseTo(1, 6);
        });
      }),
      { numRuns: 30 },
    );
  });

  it("leadingEigenvectors stops at eigenvalues below minShare of the trace, and on a zero matrix", () => {
    const basis = randomOrthonormal(4, 7);
    const s = withEigenpairs(basis, [10, 1, 1e-4, 0]);
    const trace = 10 + 1 + 1e-4;
    expect(leadingEigenvectors(s, 4, 4, 0.5 / trace)).toHaveLength(2);
    expect(leadingEigenvectors(s, 4, 4, 20 / trace)).toHaveLength(0);
    expect(leadingEigenvectors(new Float64Array(16), 4, 4, 0)).toEqual([]);
  });
});

describe("euclideanNorm", () => {
  it("is Math.hypot(...v) bit for bit, over lengths and scales, zeros, infinities and NaN", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noDefaultInfinity: true, noNaN: true, min: -1e6, max: 1e6 }), {
          maxLength: 300,
        }),
        fc.integer({ min: -300, max: 300 }),
        (values, exponent) => {
          const v = values.map((x) => x * 2 ** exponent);
          expect(Object.is(euclideanNorm(v), Math.hypot(...v))).toBe(true);
        },
      ),
      { seed: 5, numRuns: 500 },
    );
    for (const v of [
      [],
      [0, -0],
      [3, 4],
      [Number.POSITIVE_INFINITY, Number.NaN],
      [Number.NaN, 1],
      [1e-320, 2e-320],
    ])
      expect(Object.is(euclideanNorm(v), Math.hypot(...v))).toBe(true);
  });

  it("takes vectors too long to spread into arguments", () => {
    const v = new Float64Array(500_000).fill(3);
    expect(euclideanNorm(v)).toBeCloseTo(3 * Math.sqrt(500_000), 6);
  });
});
