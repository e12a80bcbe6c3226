/**
 * fast-check generators shared by the conformance suites: shapes, and values
 * drawn from a seeded generator within a primitive's domain.
 */
import fc from "fast-check";
import { sizeOf } from "../graph.js";
import type { Shape } from "../primitives.js";
import type { RefValue } from "./reference.js";

export const MAX_DIM = 6;

export const dimArb = (min = 0): fc.Arbitrary<number> => fc.integer({ min, max: MAX_DIM });

export const shapeArb = (minRank = 1, maxRank = 4, minDim = 0): fc.Arbitrary<number[]> =>
  fc.array(dimArb(minDim), { minLength: minRank, maxLength: maxRank });

export const seedArb: fc.Arbitrary<number> = fc.integer({ min: 0, max: 0x7fffffff });

/**
 * mulberry32: a small deterministic generator of floats in [0, 1), for
 * tests. (The tabular builder draws from its own stream, `builderRandom`,
 * which mixes the seed first: the same seed gives other numbers there.)
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Where a primitive's inputs may lie. `real` values are sometimes multiples of
 * 0.5 so that ties (max, greater, equal) occur; `condition` mixes zeros and
 * non-zeros for `select`.
 */
export type Domain = "real" | "positive" | "nonzero" | "condition";

function drawValue(domain: Domain, random: () => number): number {
  switch (domain) {
    case "real": {
      const v = -3 + 6 * random();
      return random() < 0.25 ? Math.round(v * 2) / 2 : v;
    }
    case "positive":
      return 0.1 + 3.9 * random();
    case "nonzero":
      return (random() < 0.5 ? -1 : 1) * (0.5 + 2.5 * random());
    case "condition": {
      const choices = [0, 0, 1, -1, 0.5];
      return choices[Math.floor(random() * choices.length)];
    }
  }
}

export function randomValue(shape: Shape, domain: Domain, random: () => number): RefValue {
  const data = new Float64Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = drawValue(domain, random);
  return { data, shape: [...shape] };
}

/** A copy of `b` where about a third of the elements are taken from `a` (to exercise ties). */
export function tiedWith(a: RefValue, b: RefValue, random: () => number): RefValue {
  const data = b.data.slice();
  for (let i = 0; i < data.length; i++) if (random() < 0.35) data[i] = a.data[i];
  return { data, shape: [...b.shape] };
}
