import { describe, expect, it } from "vitest";
import { PRIMITIVE_ARITY, PRIMITIVE_NAMES } from "../src/primitives.js";
import { DERIVATIVE_CASES } from "../src/testing/derivative-cases.js";
import { PRIMITIVE_CASES } from "../src/testing/primitive-cases.js";

// Compile-time: the arity table must have an entry for every primitive
// (`tsc` over this file fails if the directive below stops being needed).
const { cast: _cast, ...withoutCast } = PRIMITIVE_ARITY;
// @ts-expect-error `cast` is missing
const incomplete: typeof PRIMITIVE_ARITY = withoutCast;
void incomplete;

describe("PRIMITIVE_NAMES", () => {
  it("is the keys of the arity table, each once", () => {
    expect([...PRIMITIVE_NAMES]).toEqual(Object.keys(PRIMITIVE_ARITY));
    expect(new Set(PRIMITIVE_NAMES).size).toBe(PRIMITIVE_NAMES.length);
    expect(Object.isFrozen(PRIMITIVE_NAMES)).toBe(true);
  });

  it("names every primitive that has a conformance case and a derivative case", () => {
    const sorted = (names: readonly string[]) => [...names].sort();
    expect(sorted(PRIMITIVE_NAMES)).toEqual(sorted(Object.keys(PRIMITIVE_CASES)));
    expect(sorted(PRIMITIVE_NAMES)).toEqual(sorted(Object.keys(DERIVATIVE_CASES)));
  });
});
