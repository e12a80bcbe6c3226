/**
 * The fusion conformance suite, for backends with a graph compiler
 * (`Backend.compile`): row-separable graphs — a dense network, its loss
 * gradient (reverse mode), its forward derivative, Gram matrices XᵀX and
 * products XᵀY over the rows, reductions and per-row layout — must compile,
 * and their compiled results must match the same graphs interpreted by the
 * reference backend, on random networks and row counts.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jit, jvp, valueAndGrad } from "../ad.js";
import type { Backend, CompiledGraph } from "../backend.js";
import type { Graph } from "../graph.js";
import * as ops from "../ops.js";
import type { DType } from "../primitives.js";
import type { Tensor } from "../tensor.js";
import { seededRandom } from "./arbitraries.js";
import { assertClose, type Tolerance } from "./conformance.js";
import { referenceBackend } from "./reference-backend.js";

export interface FusionConformanceOptions {
  readonly name: string;
  /** A backend with `compile`; the suite wraps it to see what compiles. */
  readonly createBackend: () => Backend | Promise<Backend>;
  readonly dtypes: readonly DType[];
  /** Allowed error, relative to the largest magnitude of each output. */
  readonly tolerance: Tolerance;
  /** fast-check runs of the random-network properties (default 20). */
  readonly numRuns?: number;
}

type Activation = "tanh" | "sigmoid" | "relu" | "exp" | "none";
const ACTIVATIONS: readonly Activation[] = ["tanh", "sigmoid", "relu", "exp", "none"];

function activate(name: Activation, x: Tensor): Tensor {
  switch (name) {
    case "none":
      return x;
    case "tanh":
      return ops.tanh(x);
    case "sigmoid":
      return ops.sigmoid(x);
    case "relu":
      return ops.relu(x);
    case "exp":
      return ops.exp(ops.mul(x, 0.5));
  }
}

interface Network {
  readonly sizes: readonly number[];
  readonly activations: readonly Activation[];
}

/** Forward pass of a dense network; params = [W0, b0, W1, b1, ...]. */
function forward(net: Network, params: readonly Tensor[], x: Tensor): Tensor {
  let h = x;
  for (let layer = 0; layer + 1 < net.sizes.length; layer++) {
    h = ops.add(ops.matmul(h, params[2 * layer]), params[2 * layer + 1]);
    if (layer + 2 < net.sizes.length) h = activate(net.activations[layer], h);
  }
  return h;
}

/** A graph case: tensors built on a backend from the case's seeded values. */
type Case = (backend: Backend, dtype: DType) => Tensor[];

function randomTensor(backend: Backend, shape: readonly number[], dtype: DType, seed: number): Tensor {
  const next = seededRandom(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return ops.tensor(
    backend,
    Float64Array.from({ length: size }, () => 2 * next() - 1),
    shape,
    dtype,
  );
}

function networkParams(backend: Backend, net: Network, dtype: DType, seed: number): Tensor[] {
  const params: Tensor[] = [];
  for (let layer = 0; layer + 1 < net.sizes.length; layer++) {
    const [n, m] = [net.sizes[layer], net.sizes[layer + 1]];
    params.push(randomTensor(backend, [n, m], dtype, seed + 2 * layer));
    params.push(randomTensor(backend, [m], dtype, seed + 2 * layer + 1));
  }
  return params;
}

/** The squared-error loss and its gradient w.r.t. every parameter and the inputs. */
function lossGradientCase(net: Network, rows: number, seed: number): Case {
  return (backend, dtype) => {
    const params = networkParams(backend, net, dtype, seed);
    const x = randomTensor(backend, [rows, net.sizes[0]], dtype, seed + 100);
    const y = randomTensor(backend, [rows, net.sizes[net.sizes.length - 1]], dtype, seed + 101);
    const loss = (...args: Tensor[]) =>
      ops.sum(ops.square(ops.sub(forward(net, args.slice(0, -1), args[args.length - 1]), y)));
    const step = jit((...args: Tensor[]) => {
      const [value, grads] = valueAndGrad(loss)(...args);
      return [value, ...grads];
    });
    return step(...params, x);
  };
}

/** The outputs and their derivative along random tangents of every parameter and the inputs. */
function forwardDerivativeCase(net: Network, rows: number, seed: number): Case {
  return (backend, dtype) => {
    const params = networkParams(backend, net, dtype, seed);
    const x = randomTensor(backend, [rows, net.sizes[0]], dtype, seed + 100);
    const primals = [...params, x];
    const tangents = primals.map((t, i) => randomTensor(backend, t.shape, dtype, seed + 200 + i));
    const f = jit((...args: Tensor[]) => {
      const half = args.length / 2;
      const run = (...p: Tensor[]) => forward(net, p.slice(0, -1), p[p.length - 1]);
      return jvp(run, args.slice(0, half), args.slice(half));
    });
    return f(...primals, ...tangents);
  };
}

/** Reductions over the rows: HᵀH (symmetric), XᵀH, column sums and maxima, beside a row output. */
function reductionsCase(inputs: number, hidden: number, rows: number, seed: number): Case {
  return (backend, dtype) => {
    const x = randomTensor(backend, [rows, inputs], dtype, seed);
    const w = randomTensor(backend, [inputs, hidden], dtype, seed + 1);
    const f = jit((x: Tensor, w: Tensor) => {
      const h = ops.tanh(ops.matmul(x, w));
      const ht = ops.transpose(h, [1, 0]);
      return [
        h,
        ops.matmul(ht, h),
        ops.matmul(ops.transpose(x, [1, 0]), h),
        ops.sum(ops.square(h), [0]),
        ops.max(h, [0]),
        ops.sum(ops.mul(h, h)),
      ];
    });
    return f(x, w);
  };
}

/** Per-row layout: slices, concatenation, reshapes, transposes, gathers, scatters, selections. */
function layoutCase(rows: number, seed: number): Case {
  return (backend, dtype) => {
    const x = randomTensor(backend, [rows, 4], dtype, seed);
    const w = randomTensor(backend, [2, 3], dtype, seed + 1);
    const f = jit((x: Tensor, w: Tensor) => {
      const parts = ops.concat([ops.slice(x, [0, 2], [rows, 2]), ops.slice(x, [0, 0], [rows, 2])], 1);
      const turned = ops.transpose(ops.reshape(parts, [rows, 2, 2]), [0, 2, 1]);
      const rowMax = ops.max(turned, 2, true);
      const picked = ops.gather(ops.reshape(rowMax, [rows, 2]), [1, 0, 1], 1);
      const spread = ops.scatterAdd(picked, [0, 2, 0], 1, 4);
      const mixed = ops.where(
        ops.greater(spread, 0),
        ops.sqrt(ops.add(ops.mul(spread, spread), 1)),
        ops.neg(spread),
      );
      const z = ops.matmul(ops.slice(mixed, [0, 0], [rows, 2]), w);
      return [z, ops.sum(ops.log(ops.add(ops.square(z), 1)), [0, 1]), ops.div(z, ops.add(ops.relu(z), 2))];
    });
    return f(x, w);
  };
}

/** `backend` with its compiler wrapped to record what it returned. */
function recording(backend: Backend): { backend: Backend; compiled: (CompiledGraph | undefined)[] } {
  const compiled: (CompiledGraph | undefined)[] = [];
  const compile = backend.compile?.bind(backend);
  return {
    compiled,
    backend: {
      name: backend.name,
      dtypes: backend.dtypes,
      kernels: backend.kernels,
      upload: (data, shape, dtype) => backend.upload(data, shape, dtype),
      read: (info) => backend.read(info),
      ...(backend.readSync ? { readSync: backend.readSync.bind(backend) } : {}),
      dispose: (id) => backend.dispose(id),
      compile: (graph: Graph) => {
        const result = compile?.(graph);
        compiled.push(result);
        return result;
      },
      destroy: () => backend.destroy(),
    },
  };
}

/** Runs `build` on the backend and the reference; compares every output relative to its scale. */
async function compareWithReference(
  backend: Backend,
  build: Case,
  dtype: DType,
  tol: number,
  what: string,
): Promise<number> {
  const { backend: watched, compiled } = recording(backend);
  const reference = referenceBackend();
  try {
    const actual = build(watched, dtype);
    const expected = build(reference, dtype);
    expect(actual.length, `${what}: outputs`).toBe(expected.length);
    for (let k = 0; k < actual.length; k++) {
      const want = await expected[k].read();
      const got = await actual[k].read();
      let scale = 0;
      for (const v of want) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
      assertClose(
        got,
        { data: Float64Array.from(want), shape: expected[k].shape },
        tol,
        `${what}: output ${k}`,
        {
          data: new Float64Array(want.length).fill(scale),
          shape: expected[k].shape,
        },
      );
    }
    for (const t of actual) t.dispose();
    return compiled.filter((c) => c !== undefined).length;
  } finally {
    reference.destroy();
  }
}

export function runFusionConformance(options: FusionConformanceOptions): void {
  const numRuns = options.numRuns ?? 20;
  describe(`${options.name}: fused graphs`, () => {
    let backend: Backend;
    beforeAll(async () => {
      backend = await options.createBackend();
    });
    afterAll(() => backend.destroy());

    for (const dtype of options.dtypes) {
      const tol = options.tolerance[dtype];

      it(`compiles and matches the reference: the 8-16-1 tanh network's loss gradient (${dtype})`, async () => {
        const net: Network = { sizes: [8, 16, 1], activations: ["tanh"] };
        for (const rows of [2, 63, 64, 65, 300]) {
          const fused = await compareWithReference(
            backend,
            lossGradientCase(net, rows, rows),
            dtype,
            tol,
            `${rows} rows`,
          );
          expect(fused, `${rows} rows: compiled graphs`).toBeGreaterThan(0);
        }
      });

      it(`compiles and matches the reference: reductions over the rows (${dtype})`, async () => {
        for (const [inputs, hidden, rows] of [
          [3, 5, 2],
          [4, 20, 130],
          [9, 40, 257],
        ]) {
          const what = `${inputs} inputs, ${hidden} hidden, ${rows} rows`;
          const fused = await compareWithReference(
            backend,
            reductionsCase(inputs, hidden, rows, inputs + hidden),
            dtype,
            tol,
            what,
          );
          expect(fused, `${what}: compiled graphs`).toBeGreaterThan(0);
        }
      });

      it(`compiles and matches the reference: per-row layout (${dtype})`, async () => {
        for (const rows of [2, 70]) {
          const fused = await compareWithReference(
            backend,
            layoutCase(rows, rows),
            dtype,
            tol,
            `${rows} rows`,
          );
          expect(fused).toBeGreaterThan(0);
        }
      });

      it(`matches the reference on random networks, activations, row counts, both modes (${dtype}, property)`, async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 2, maxLength: 4 }),
            fc.array(fc.constantFrom(...ACTIVATIONS), { minLength: 3, maxLength: 3 }),
            fc.constantFrom(2, 3, 17, 64, 65, 129),
            fc.boolean(),
            fc.integer({ min: 1, max: 1000 }),
            async (sizes, activations, rows, reverse, seed) => {
              const net: Network = { sizes, activations };
              const build = reverse
                ? lossGradientCase(net, rows, seed)
                : forwardDerivativeCase(net, rows, seed);
              const fused = await compareWithReference(
                backend,
                build,
                dtype,
                tol,
                JSON.stringify({ sizes, activations, rows, reverse }),
              );
              expect(fused).toBeGreaterThan(0);
            },
          ),
          { numRuns },
        );
      });
    }
  });
}
