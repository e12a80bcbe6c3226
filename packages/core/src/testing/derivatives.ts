/**
 * Derivative conformance: for each primitive, forward mode (jvp) on the
 * backend under test against the exact derivative computed in float64 on the
 * reference backend (central finite differences for smooth primitives, f(v)
 * for linear ones, zero for comparisons), and reverse mode (vjp) against
 * forward mode through the dot-product identity ⟨J·v, u⟩ = ⟨v, Jᵀ·u⟩.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import type { Backend } from "../backend.js";
import { sizeOf } from "../graph.js";
import { jvp, type Tensor, tensor, vjp } from "../index.js";
import type { DType, PrimitiveName } from "../primitives.js";
import { PRIMITIVE_NAMES } from "../primitives.js";
import { randomValue, seedArb, seededRandom } from "./arbitraries.js";
import { DERIVATIVE_CASES, type DerivativeCase } from "./derivative-cases.js";
import { PRIMITIVE_CASES, type PrimitiveInstance } from "./primitive-cases.js";
import { type RefValue, roundToDType } from "./reference.js";
import { referenceBackend } from "./reference-backend.js";

export interface DerivativeTolerance {
  /** Relative error of a JVP against its expected value, and of the dot-product identity, in float64. */
  readonly float64: { readonly jvp: number; readonly dot: number };
  /** The same in float32. */
  readonly float32: { readonly jvp: number; readonly dot: number };
}

export const DEFAULT_DERIVATIVE_TOLERANCE: DerivativeTolerance = {
  float64: { jvp: 1e-6, dot: 1e-12 },
  float32: { jvp: 1e-3, dot: 1e-4 },
};

/** Step of the central finite differences (in float64, on the reference backend). */
const FD_STEP = 1e-5;

const describeShapes = (xs: readonly RefValue[]) => xs.map((x) => `[${x.shape.join(", ")}]`).join(" ");

/** max |a − e| / max(max |e|, 1e-3): a norm-wise relative error. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let diff = 0;
  let size = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    size = Math.max(size, Math.abs(expected[i]));
  }
  return diff / Math.max(size, 1e-3);
}

/** ⟨a, b⟩ and Σ |a_i b_i| (the scale of its rounding error). */
function dot(a: ArrayLike<number>, b: ArrayLike<number>): [number, number] {
  let sum = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    sum += a[i] * b[i];
    scale += Math.abs(a[i] * b[i]);
  }
  return [sum, scale];
}

const readAll = (ts: readonly Tensor[]) =>
  Promise.all(ts.map(async (t) => Float64Array.from(await t.read())));

/** Calls `body` with tensors of `values` on `backend`, then frees them. */
async function withTensors<R>(
  backend: Backend,
  values: readonly RefValue[],
  dtype: DType,
  body: (ts: Tensor[]) => Promise<R>,
): Promise<R> {
  const ts = values.map((x) => tensor(backend, x.data, x.shape, dtype));
  try {
    return await body(ts);
  } finally {
    for (const t of ts) t.dispose();
  }
}

/** f as a function of the differentiated inputs, the others held at `constants`. */
function functionOf<P extends PrimitiveName>(
  derivativeCase: DerivativeCase<P>,
  params: PrimitiveInstance<P>["params"],
  all: readonly Tensor[],
): (...primals: Tensor[]) => Tensor {
  const constant = new Set(derivativeCase.constantInputs ?? []);
  return (...primals) => {
    let k = 0;
    return derivativeCase.apply(
      all.map((t, i) => (constant.has(i) ? t : primals[k++])),
      params,
    );
  };
}

async function checkDerivatives<P extends PrimitiveName>(
  backend: Backend,
  reference: Backend,
  prim: P,
  raw: PrimitiveInstance<P>,
  seed: number,
  dtype: DType,
  tolerance: DerivativeTolerance,
): Promise<void> {
  const derivativeCase: DerivativeCase<P> = DERIVATIVE_CASES[prim];
  const random = seededRandom(seed);
  const instance = derivativeCase.prepare ? derivativeCase.prepare(raw, random) : raw;
  const { params } = instance;
  const inputs = instance.inputs.map((x) => ({ data: roundToDType(x.data, dtype), shape: x.shape }));
  const constant = new Set(derivativeCase.constantInputs ?? []);
  const differentiated = inputs.map((_, i) => i).filter((i) => !constant.has(i));
  const tangents = differentiated.map((i) => ({
    data: roundToDType(randomValue(inputs[i].shape, "real", random).data, dtype),
    shape: inputs[i].shape,
  }));
  const what = `${prim} (${dtype}, inputs ${describeShapes(inputs)}, params ${JSON.stringify(params)})`;

  // On the backend under test: J·v, and Jᵀ·u for a random u.
  const { jv, u, jtu, outDType } = await withTensors(backend, inputs, dtype, async (all) => {
    const f = functionOf(derivativeCase, params, all);
    const primals = differentiated.map((i) => all[i]);
    return withTensors(backend, tangents, dtype, async (vs) => {
      const [y, jvTensor] = jvp(f, primals, vs);
      const cotangent = {
        data: roundToDType(randomValue(y.shape, "real", random).data, y.dtype),
        shape: y.shape,
      };
      const [jvHost] = await readAll([jvTensor]);
      const jtuHost = await withTensors(backend, [cotangent], y.dtype, async ([uTensor]) => {
        const [, pullback] = vjp(f, primals);
        const cts = pullback(uTensor);
        const host = await readAll(cts);
        for (const t of cts) t.dispose();
        return host;
      });
      const dtypeOut = y.dtype;
      for (const t of [y, jvTensor]) t.dispose();
      return { jv: jvHost, u: cotangent.data, jtu: jtuHost, outDType: dtypeOut };
    });
  });
  const tol = tolerance[outDType === "float32" || dtype === "float32" ? "float32" : "float64"];

  // The exact JVP, in float64 on the reference backend.
  const evaluate = (values: readonly RefValue[]) =>
    withTensors(reference, values, "float64", async (all) => {
      const y = functionOf(derivativeCase, params, all)(...differentiated.map((i) => all[i]));
      const [host] = await readAll([y]);
      y.dispose();
      return host;
    });
  const shifted = (step: number) =>
    inputs.map((x, i) => {
      const k = differentiated.indexOf(i);
      return k < 0 ? x : { data: x.data.map((v, j) => v + step * tangents[k].data[j]), shape: x.shape };
    });
  let expected: Float64Array;
  switch (derivativeCase.kind) {
    case "constant":
      expected = new Float64Array(jv.length);
      break;
    case "linear":
      expected = await evaluate(
        inputs.map((x, i) => (differentiated.includes(i) ? tangents[differentiated.indexOf(i)] : x)),
      );
      break;
    case "smooth": {
      const plus = await evaluate(shifted(FD_STEP));
      const minus = await evaluate(shifted(-FD_STEP));
      expected = plus.map((p, j) => (p - minus[j]) / (2 * FD_STEP));
      break;
    }
  }
  if (jv.length !== expected.length)
    throw new Error(`${what}: jvp has ${jv.length} elements, expected ${expected.length}`);
  const jvpError = relativeError(jv, expected);
  if (!(jvpError <= tol.jvp)) {
    throw new Error(
      `${what}: jvp differs from the ${derivativeCase.kind} expectation by ${jvpError} (relative)`,
    );
  }

  if (jtu.length !== tangents.length)
    throw new Error(`${what}: vjp gave ${jtu.length} cotangents, expected ${tangents.length}`);
  const [left, leftScale] = dot(jv, u);
  let right = 0;
  let rightScale = 0;
  tangents.forEach((v, k) => {
    if (jtu[k].length !== sizeOf(v.shape)) throw new Error(`${what}: cotangent ${k} has the wrong size`);
    const [d, s] = dot(v.data, jtu[k]);
    right += d;
    rightScale += s;
  });
  const scale = leftScale + rightScale;
  if (!(Math.abs(left - right) <= tol.dot * scale)) {
    throw new Error(`${what}: <J·v, u> = ${left} but <v, Jᵀ·u> = ${right}`);
  }
}

/** Registers the derivative blocks; `getBackend` returns the suite's backend once it exists. */
export function describeDerivativeConformance(
  getBackend: () => Backend,
  options: {
    readonly dtypes: readonly DType[];
    readonly numRuns: number;
    readonly tolerance: DerivativeTolerance;
  },
): void {
  describe("derivatives", () => {
    const reference = referenceBackend();
    for (const prim of PRIMITIVE_NAMES) {
      const derivativeCase = DERIVATIVE_CASES[prim];
      if (derivativeCase === undefined) {
        it(`${prim}: has a derivative case`, () => {
          throw new Error(`no derivative conformance case for primitive ${prim}`);
        });
        continue;
      }
      for (const dtype of options.dtypes) {
        it(`${prim}: jvp matches the ${derivativeCase.kind} derivative and vjp its transpose (${dtype})`, async () => {
          await runDerivativeCase(getBackend(), reference, prim, dtype, options);
        });
      }
    }
  });
}

async function runDerivativeCase<P extends PrimitiveName>(
  backend: Backend,
  reference: Backend,
  prim: P,
  dtype: DType,
  options: {
    readonly dtypes: readonly DType[];
    readonly numRuns: number;
    readonly tolerance: DerivativeTolerance;
  },
): Promise<void> {
  await fc.assert(
    fc.asyncProperty(PRIMITIVE_CASES[prim].instances(options.dtypes), seedArb, (instance, seed) =>
      checkDerivatives(backend, reference, prim, instance, seed, dtype, options.tolerance),
    ),
    { numRuns: options.numRuns },
  );
}
