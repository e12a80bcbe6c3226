/**
 * One generator of random instances per primitive: input values (float64, in
 * the primitive's domain) and parameters. The table is keyed by
 * PrimitiveName, so adding a primitive without a case does not type-check.
 */
import fc from "fast-check";
import type {
  BinaryElementwise,
  DType,
  PrimitiveName,
  PrimitiveParams,
  UnaryElementwise,
} from "../primitives.js";
import {
  type Domain,
  dimArb,
  randomValue,
  seedArb,
  seededRandom,
  shapeArb,
  tiedWith,
} from "./arbitraries.js";
import { type RefValue, refMatmul, refScatterAdd, refSum } from "./reference.js";

export interface PrimitiveInstance<P extends PrimitiveName> {
  readonly inputs: readonly RefValue[];
  readonly params: PrimitiveParams[P];
}

export interface PrimitiveCase<P extends PrimitiveName> {
  /** Random instances; `dtypes` are those the backend under test supports (for `cast` and `fill`). */
  instances(dtypes: readonly DType[]): fc.Arbitrary<PrimitiveInstance<P>>;
  /** True when a correct backend reproduces the reference bit for bit (copies, comparisons). */
  readonly exact: boolean;
  /** dtype of the output when it is not the inputs' dtype. */
  outputDType?(params: PrimitiveParams[P]): DType;
  /**
   * Scale of the rounding error of each output element, for reductions where
   * cancellation makes |result| a poor scale (for example sum of |x|).
   */
  errorScale?(inputs: readonly RefValue[], params: PrimitiveParams[P]): RefValue;
}

export type PrimitiveCaseTable = { readonly [P in PrimitiveName]: PrimitiveCase<P> };

type NoParams = Record<string, never>;
const NO_PARAMS: NoParams = {};

const absolute = (x: RefValue): RefValue => ({ data: x.data.map(Math.abs), shape: x.shape });

function unaryCase<P extends UnaryElementwise>(domain: Domain, exact = false): PrimitiveCase<P> {
  return {
    exact,
    instances: () =>
      fc.tuple(shapeArb(), seedArb).map(([shape, seed]) => ({
        inputs: [randomValue(shape, domain, seededRandom(seed))],
        params: NO_PARAMS,
      })),
  };
}

function binaryCase<P extends BinaryElementwise>(
  second: Domain,
  options: { exact?: boolean; ties?: boolean } = {},
): PrimitiveCase<P> {
  return {
    exact: options.exact ?? false,
    instances: () =>
      fc.tuple(shapeArb(), seedArb).map(([shape, seed]) => {
        const random = seededRandom(seed);
        const a = randomValue(shape, "real", random);
        const b = randomValue(shape, second, random);
        return { inputs: [a, options.ties ? tiedWith(a, b, random) : b], params: NO_PARAMS };
      }),
  };
}

/** A subset of the axes of a rank-`rank` shape, sorted. */
const axesOf = (mask: readonly boolean[], rank: number): number[] =>
  mask.slice(0, rank).flatMap((on, i) => (on ? [i] : []));

const maskArb = fc.array(fc.boolean(), { minLength: 4, maxLength: 4 });

export const PRIMITIVE_CASES: PrimitiveCaseTable = {
  add: binaryCase("real"),
  sub: binaryCase("real", { ties: true }),
  mul: binaryCase("real"),
  div: binaryCase("nonzero"),
  greater: binaryCase("real", { exact: true, ties: true }),
  equal: binaryCase("real", { exact: true, ties: true }),
  neg: unaryCase("real", true),
  exp: unaryCase("real"),
  log: unaryCase("positive"),
  sqrt: unaryCase("positive"),
  tanh: unaryCase("real"),
  sigmoid: unaryCase("real"),
  relu: unaryCase("real", true),
  select: {
    exact: true,
    instances: () =>
      fc.tuple(shapeArb(), seedArb).map(([shape, seed]) => {
        const random = seededRandom(seed);
        return {
          inputs: [
            randomValue(shape, "condition", random),
            randomValue(shape, "real", random),
            randomValue(shape, "real", random),
          ],
          params: NO_PARAMS,
        };
      }),
  },
  matmul: {
    exact: false,
    instances: () =>
      fc.tuple(dimArb(), dimArb(), dimArb(), seedArb).map(([n, k, m, seed]) => {
        const random = seededRandom(seed);
        return {
          inputs: [randomValue([n, k], "real", random), randomValue([k, m], "real", random)],
          params: NO_PARAMS,
        };
      }),
    errorScale: ([a, b]) => refMatmul(absolute(a), absolute(b)),
  },
  sum: {
    exact: false,
    instances: () =>
      fc.tuple(shapeArb(), maskArb, seedArb).map(([shape, mask, seed]) => ({
        inputs: [randomValue(shape, "real", seededRandom(seed))],
        params: { axes: axesOf(mask, shape.length) },
      })),
    errorScale: ([x], { axes }) => refSum(absolute(x), axes),
  },
  max: {
    exact: true,
    // The max over an empty axis is not meaningful: reduced axes have size ≥ 1.
    instances: () =>
      fc.tuple(shapeArb(), maskArb, seedArb).map(([rawShape, mask, seed]) => {
        const axes = axesOf(mask, rawShape.length);
        const shape = rawShape.map((d, i) => (axes.includes(i) ? Math.max(d, 1) : d));
        return { inputs: [randomValue(shape, "real", seededRandom(seed))], params: { axes } };
      }),
  },
  broadcast: {
    exact: true,
    instances: () =>
      fc.tuple(shapeArb(), maskArb, seedArb).map(([shape, mask, seed]) => {
        const inShape = shape.map((d, i) => (mask[i] ? 1 : d));
        return { inputs: [randomValue(inShape, "real", seededRandom(seed))], params: { shape } };
      }),
  },
  reshape: {
    exact: true,
    // Input: a shuffle of some dims; output: the same dims with neighbours merged.
    instances: () =>
      shapeArb().chain((dims) =>
        fc
          .tuple(
            fc.shuffledSubarray(dims, { minLength: dims.length, maxLength: dims.length }),
            fc.array(fc.boolean(), { minLength: dims.length, maxLength: dims.length }),
            seedArb,
          )
          .map(([inShape, merge, seed]) => {
            const shape: number[] = [];
            dims.forEach((d, i) => {
              if (i > 0 && merge[i]) shape[shape.length - 1] *= d;
              else shape.push(d);
            });
            return { inputs: [randomValue(inShape, "real", seededRandom(seed))], params: { shape } };
          }),
      ),
  },
  transpose: {
    exact: true,
    instances: () =>
      shapeArb().chain((shape) => {
        const axes = shape.map((_, i) => i);
        return fc
          .tuple(fc.shuffledSubarray(axes, { minLength: axes.length, maxLength: axes.length }), seedArb)
          .map(([perm, seed]) => ({
            inputs: [randomValue(shape, "real", seededRandom(seed))],
            params: { perm },
          }));
      }),
  },
  slice: {
    exact: true,
    instances: () =>
      shapeArb().chain((shape) =>
        fc
          .tuple(
            fc.tuple(
              ...shape.map((d) =>
                fc
                  .integer({ min: 0, max: d })
                  .chain((b) => fc.tuple(fc.constant(b), fc.integer({ min: 0, max: d - b }))),
              ),
            ),
            seedArb,
          )
          .map(([ranges, seed]) => ({
            inputs: [randomValue(shape, "real", seededRandom(seed))],
            params: { begin: ranges.map(([b]) => b), size: ranges.map(([, s]) => s) },
          })),
      ),
  },
  concat: {
    exact: true,
    instances: () =>
      fc
        .tuple(shapeArb(), fc.nat(), fc.array(dimArb(), { minLength: 1, maxLength: 3 }), seedArb)
        .map(([shape, rawAxis, sizes, seed]) => {
          const axis = rawAxis % shape.length;
          const random = seededRandom(seed);
          return {
            inputs: sizes.map((s) =>
              randomValue(
                shape.map((d, i) => (i === axis ? s : d)),
                "real",
                random,
              ),
            ),
            params: { axis },
          };
        }),
  },
  gather: {
    exact: true,
    instances: () =>
      shapeArb().chain((shape) =>
        fc.integer({ min: 0, max: shape.length - 1 }).chain((axis) =>
          fc
            .tuple(
              shape[axis] === 0
                ? fc.constant<number[]>([])
                : fc.array(fc.integer({ min: 0, max: shape[axis] - 1 }), { maxLength: 8 }),
              seedArb,
            )
            .map(([indices, seed]) => ({
              inputs: [randomValue(shape, "real", seededRandom(seed))],
              params: { axis, indices },
            })),
        ),
      ),
  },
  scatterAdd: {
    exact: false,
    instances: () =>
      fc.tuple(shapeArb(), fc.nat(), dimArb(1)).chain(([shape, rawAxis, size]) => {
        const axis = rawAxis % shape.length;
        return fc
          .tuple(
            fc.array(fc.integer({ min: 0, max: size - 1 }), {
              minLength: shape[axis],
              maxLength: shape[axis],
            }),
            seedArb,
          )
          .map(([indices, seed]) => ({
            inputs: [randomValue(shape, "real", seededRandom(seed))],
            params: { axis, indices, size },
          }));
      }),
    // The same scatter on |x|: the scale of the sums each output element receives.
    errorScale: ([x], { axis, indices, size }) => refScatterAdd(absolute(x), axis, indices, size),
  },
  fill: {
    exact: true,
    instances: (dtypes) =>
      fc
        .tuple(shapeArb(), fc.double({ min: -10, max: 10, noNaN: true }), fc.constantFrom(...dtypes))
        .map(([shape, value, dtype]) => ({ inputs: [], params: { shape, value, dtype } })),
    outputDType: (params) => params.dtype,
  },
  cast: {
    exact: true,
    instances: (dtypes) =>
      fc.tuple(shapeArb(), fc.constantFrom(...dtypes), seedArb).map(([shape, dtype, seed]) => ({
        inputs: [randomValue(shape, "real", seededRandom(seed))],
        params: { dtype },
      })),
    outputDType: (params) => params.dtype,
  },
};
