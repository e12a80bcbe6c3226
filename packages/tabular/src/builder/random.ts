/**
 * The builder's pseudo-random generator: its only source of randomness, so
 * that a seed makes a build reproducible bit for bit.
 *
 * It is mulberry32, as is `seededRandom` of `@neureco/core/testing`, but the
 * two are different streams on purpose and carry different names: the
 * builder mixes its seed with 0x9e3779b9 first (a build with seed s is not
 * drawn from the numbers a test draws with seed s), and the builder cannot
 * import core's testing entry at run time (it needs vitest and fast-check).
 * Changing anything here changes every seeded build.
 */
export type Random = () => number;

/** The builder's generator, with its state: a checkpoint records it so that a resumed build draws what the uninterrupted one would. */
export interface BuilderRandom extends Random {
  /** The 32-bit state; `builderRandomAt(state)` continues from it. */
  readonly state: number;
}

function mulberry32(initial: number): BuilderRandom {
  let state = initial >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Object.defineProperty(next, "state", { get: () => state }) as BuilderRandom;
}

/** The builder's generator of floats in [0, 1) for a build `seed` (any number; its floor is used). */
export function builderRandom(seed: number): BuilderRandom {
  return mulberry32((Math.floor(seed) ^ 0x9e3779b9) >>> 0);
}

/** The generator continued from a recorded `state` (`BuilderRandom.state`). */
export function builderRandomAt(state: number): BuilderRandom {
  return mulberry32(state);
}

/** A standard normal draw (Box–Muller). */
export function normalDraw(random: Random): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
