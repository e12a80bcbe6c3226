import { seededRandom } from "@neureco/core/testing";
import { describe, expect, it } from "vitest";
import { builderRandom } from "../src/builder/random.js";

const draws = (random: () => number, n: number) => Array.from({ length: n }, random);

describe("builderRandom", () => {
  it("is mulberry32 of the seed mixed with 0x9e3779b9: another stream than core testing's seededRandom", () => {
    for (const seed of [0, 1, 5, 0x7fffffff, 2 ** 32 + 3, -7]) {
      const builder = draws(builderRandom(seed), 20);
      expect(builder).toEqual(draws(seededRandom(seed ^ 0x9e3779b9), 20));
      expect(builder).not.toEqual(draws(seededRandom(seed), 20));
    }
  });

  it("uses the floor of a fractional seed, and gives floats in [0, 1)", () => {
    expect(draws(builderRandom(4.7), 10)).toEqual(draws(builderRandom(4), 10));
    expect(draws(builderRandom(-1.5), 10)).toEqual(draws(builderRandom(-2), 10));
    for (const v of draws(builderRandom(9), 1000)) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(1);
    }
  });
});
