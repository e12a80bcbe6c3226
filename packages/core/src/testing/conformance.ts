/**
 * The backend conformance suite: registers vitest blocks that run every
 * primitive of a backend's kernel table on random shapes and parameters and
 * compare with the float64 reference, plus the buffer life cycle.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Backend, DataId, HostArray, TensorInfo } from "../backend.js";
import { type DType, PRIMITIVE_NAMES, type PrimitiveName } from "../primitives.js";
import { randomValue, seedArb, seededRandom, shapeArb } from "./arbitraries.js";
import {
  DEFAULT_DERIVATIVE_TOLERANCE,
  type DerivativeTolerance,
  describeDerivativeConformance,
} from "./derivatives.js";
import { PRIMITIVE_CASES, type PrimitiveCase, type PrimitiveInstance } from "./primitive-cases.js";
import { REFERENCE, type RefValue, roundToDType } from "./reference.js";

export interface Tolerance {
  /** Relative error allowed in float64 results (absolute below magnitude 1). */
  readonly float64: number;
  /** Relative error allowed in float32 results (absolute below magnitude 1). */
  readonly float32: number;
}

export interface BackendConformanceOptions {
  readonly name: string;
  readonly createBackend: () => Backend | Promise<Backend>;
  /** dtypes to test; each must be in the backend's `dtypes`. */
  readonly dtypes: readonly DType[];
  readonly tolerance: Tolerance;
  /** fast-check runs per primitive and dtype (default 25). */
  readonly numRuns?: number;
  /** fast-check runs of the derivative checks per primitive and dtype (default 10). */
  readonly derivativeRuns?: number;
  readonly derivativeTolerance?: DerivativeTolerance;
}

export function hostArray(data: ArrayLike<number>, dtype: DType): HostArray {
  switch (dtype) {
    case "float64":
      return Float64Array.from(data);
    case "float32":
      return Float32Array.from(data);
    default:
      throw new Error(`unknown dtype ${String(dtype)}`);
  }
}

const ARRAY_TYPE_OF: Record<DType, string> = { float64: "Float64Array", float32: "Float32Array" };

const describeShape = (shape: readonly number[]) => `[${shape.join(", ")}]`;

/**
 * Throws unless `actual` matches `expected` element by element:
 * |actual - expected| ≤ tol · max(1, scale), where scale is |expected| or the
 * given error scale. tol = 0 demands exact equality.
 */
export function assertClose(
  actual: ArrayLike<number>,
  expected: RefValue,
  tol: number,
  what: string,
  errorScale?: RefValue,
): void {
  if (actual.length !== expected.data.length) {
    throw new Error(`${what}: ${actual.length} elements, expected ${expected.data.length}`);
  }
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected.data[i];
    if (a === e || (Number.isNaN(a) && Number.isNaN(e))) continue;
    const scale = Math.max(1, Math.abs(errorScale ? errorScale.data[i] : e));
    if (!(Math.abs(a - e) <= tol * scale)) {
      throw new Error(
        `${what}: element ${i} of shape ${describeShape(expected.shape)} is ${a}, expected ${e} (tolerance ${tol} × ${scale})`,
      );
    }
  }
}

/** A promise of `f()` that also rejects when `f` throws synchronously. */
const settle = <T>(f: () => Promise<T>): Promise<T> => Promise.resolve().then(f);

function checkArrayType(array: HostArray, dtype: DType, what: string): void {
  if (array.constructor.name !== ARRAY_TYPE_OF[dtype]) {
    throw new Error(`${what}: read back a ${array.constructor.name}, expected a ${ARRAY_TYPE_OF[dtype]}`);
  }
}

/** Runs one instance of primitive `prim` in `dtype` on `backend` and compares with the reference. */
async function checkInstance<P extends PrimitiveName>(
  backend: Backend,
  prim: P,
  primCase: PrimitiveCase<P>,
  instance: PrimitiveInstance<P>,
  dtype: DType,
  tolerance: Tolerance,
): Promise<void> {
  const inputs = instance.inputs.map((x) => ({ data: roundToDType(x.data, dtype), shape: x.shape }));
  const infos: TensorInfo[] = inputs.map((x) => ({
    dataId: backend.upload(hostArray(x.data, dtype), x.shape, dtype),
    shape: x.shape,
    dtype,
  }));
  let outId: DataId | undefined;
  try {
    const expected = REFERENCE[prim](inputs, instance.params);
    const outDType = primCase.outputDType ? primCase.outputDType(instance.params) : dtype;
    const what = `${prim} (${dtype} → ${outDType}, inputs ${inputs.map((x) => describeShape(x.shape)).join(" ")}, params ${JSON.stringify(instance.params)})`;
    outId = backend.kernels[prim](infos, instance.params, { shape: expected.shape, dtype: outDType });
    const actual = await backend.read({ dataId: outId, shape: expected.shape, dtype: outDType });
    checkArrayType(actual, outDType, what);
    const tol = primCase.exact ? 0 : tolerance[outDType];
    assertClose(actual, expected, tol, what, primCase.errorScale?.(inputs, instance.params));
    // Kernels must not mutate their inputs.
    for (let i = 0; i < infos.length; i++) {
      assertClose(await backend.read(infos[i]), inputs[i], 0, `${what}: input ${i} after the kernel`);
    }
  } finally {
    for (const info of infos) backend.dispose(info.dataId);
    if (outId !== undefined) backend.dispose(outId);
  }
}

export function runBackendConformance(options: BackendConformanceOptions): void {
  const numRuns = options.numRuns ?? 25;

  describe(`${options.name}: backend conformance`, () => {
    let backend: Backend;
    beforeAll(async () => {
      backend = await options.createBackend();
    });
    afterAll(() => {
      backend.destroy();
    });

    it("declares the dtypes under test and a kernel for every primitive", () => {
      for (const dtype of options.dtypes) expect(backend.dtypes).toContain(dtype);
      const missing = PRIMITIVE_NAMES.filter((prim) => typeof backend.kernels[prim] !== "function");
      expect(missing).toEqual([]);
    });

    describe("buffers", () => {
      for (const dtype of options.dtypes) {
        it(`upload then read returns the same values (${dtype})`, async () => {
          await fc.assert(
            fc.asyncProperty(shapeArb(), seedArb, async (shape, seed) => {
              const value = randomValue(shape, "real", seededRandom(seed));
              const host = hostArray(value.data, dtype);
              const dataId = backend.upload(host, shape, dtype);
              const expected = { data: Float64Array.from(host), shape };
              host.fill(42); // the backend must have copied, not aliased
              const info = { dataId, shape, dtype };
              const first = await backend.read(info);
              checkArrayType(first, dtype, "read");
              assertClose(first, expected, 0, "read");
              first.fill(-1); // nor may it hand out its own storage
              assertClose(await backend.read(info), expected, 0, "second read");
              if (backend.readSync) {
                const synced = backend.readSync(info);
                checkArrayType(synced, dtype, "readSync");
                assertClose(synced, expected, 0, "readSync");
              }
              backend.dispose(dataId);
            }),
            { numRuns },
          );
        });

        it(`disposing twice is a no-op and reading a disposed buffer fails (${dtype})`, async () => {
          const info = { dataId: backend.upload(hostArray([1, 2, 3], dtype), [3], dtype), shape: [3], dtype };
          backend.dispose(info.dataId);
          expect(() => backend.dispose(info.dataId)).not.toThrow();
          await expect(settle(() => backend.read(info))).rejects.toThrow(/dispos/i);
          expect(() => backend.kernels.neg([info], {}, { shape: [3], dtype })).toThrow(/dispos/i);
        });
      }
    });

    describe("primitives", () => {
      for (const prim of PRIMITIVE_NAMES) {
        describe(prim, () => {
          const primCase = PRIMITIVE_CASES[prim];
          if (primCase === undefined) {
            it("has a conformance case", () => {
              throw new Error(`no conformance case for primitive ${prim}`);
            });
            return;
          }
          for (const dtype of options.dtypes) {
            it(`matches the reference (${dtype})`, async () => {
              await runPrimitive(backend, prim, dtype, options, numRuns);
            });
          }
        });
      }
    });

    describeDerivativeConformance(() => backend, {
      dtypes: options.dtypes,
      numRuns: options.derivativeRuns ?? 10,
      tolerance: options.derivativeTolerance ?? DEFAULT_DERIVATIVE_TOLERANCE,
    });

    it("destroy frees the backend and later calls fail", async () => {
      const own = await options.createBackend();
      const dtype = options.dtypes[0];
      const dataId = own.upload(hostArray([1, 2], dtype), [2], dtype);
      own.destroy();
      expect(() => own.upload(hostArray([1], dtype), [1], dtype)).toThrow();
      await expect(settle(() => own.read({ dataId, shape: [2], dtype }))).rejects.toThrow();
    });
  });
}

async function runPrimitive<P extends PrimitiveName>(
  backend: Backend,
  prim: P,
  dtype: DType,
  options: BackendConformanceOptions,
  numRuns: number,
): Promise<void> {
  const primCase: PrimitiveCase<P> = PRIMITIVE_CASES[prim];
  await fc.assert(
    fc.asyncProperty(primCase.instances(options.dtypes), (instance) =>
      checkInstance(backend, prim, primCase, instance, dtype, options.tolerance),
    ),
    { numRuns },
  );
}
