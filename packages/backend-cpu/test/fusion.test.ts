/**
 * The fusing compiler: fused execution must equal interpreted execution
 * (same storage and kernels, compiler removed) on row-separable graphs, and
 * graphs it cannot fuse must fall back to the interpreter.
 */

import type { Backend, CompiledGraph, DType, Graph, Tensor } from "@neureco/core";
import * as nc from "@neureco/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_FUSED_SCALARS } from "../src/fusion/compile.js";
import { compileGraph, type FusedGraph, type FusionOptions, planFusion } from "../src/fusion/index.js";
import { MAX_LOCALS } from "../src/fusion/js-loop.js";
import { cpu } from "../src/index.js";
import { CpuStorage } from "../src/storage.js";
import { interpretedBackend } from "./interpreted-backend.js";

/** A CPU backend whose compiler records what it compiled, and the same backend without it. */
function backends(options?: FusionOptions) {
  const storage = new CpuStorage();
  const interpreted = interpretedBackend(storage);
  const compiled: (CompiledGraph | undefined)[] = [];
  const fused: Backend = {
    ...interpreted,
    compile: (graph: Graph) => {
      const result = compileGraph(graph, storage, options);
      compiled.push(result);
      return result;
    },
  };
  return { fused, interpreted, storage, compiled };
}

const TOLERANCE: Record<DType, number> = { float64: 1e-13, float32: 1e-5 };

/** |a − b| ≤ tol · (|b| + max|b|): relative to each output's scale. */
function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: number,
  what: string,
): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const b = expected[i];
    if (Number.isNaN(b)) {
      expect(Number.isNaN(a), `${what}[${i}]: expected NaN, got ${a}`).toBe(true);
      continue;
    }
    if (a === b) continue;
    const bound = tol * (Math.abs(b) + scale);
    if (!(Math.abs(a - b) <= bound))
      expect.fail(`${what}[${i}]: ${a} vs ${b} (|diff| ${Math.abs(a - b)} > ${bound})`);
  }
}

/** Deterministic pseudo-random values in [-1, 1). */
function values(count: number, seed: number): Float64Array {
  let s = (seed * 2654435761) >>> 0 || 1;
  return Float64Array.from({ length: count }, () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2147483648 - 1;
  });
}

type Activation = "tanh" | "sigmoid" | "relu" | "exp" | "none";
const activate = (name: Activation, x: Tensor): Tensor =>
  name === "none"
    ? x
    : name === "tanh"
      ? nc.tanh(x)
      : name === "sigmoid"
        ? nc.sigmoid(x)
        : name === "relu"
          ? nc.relu(x)
          : nc.exp(nc.mul(x, 0.5));

interface Network {
  readonly sizes: readonly number[];
  readonly activations: readonly Activation[];
}

/** Forward pass of a dense network; params = [W0, b0, W1, b1, ...]. */
function forward(net: Network, params: readonly Tensor[], x: Tensor): Tensor {
  let h = x;
  for (let layer = 0; layer + 1 < net.sizes.length; layer++) {
    h = nc.add(nc.matmul(h, params[2 * layer]), params[2 * layer + 1]);
    if (layer + 2 < net.sizes.length) h = activate(net.activations[layer], h);
  }
  return h;
}

function makeParams(backend: Backend, net: Network, dtype: DType, seed: number): Tensor[] {
  const params: Tensor[] = [];
  for (let layer = 0; layer + 1 < net.sizes.length; layer++) {
    const [n, m] = [net.sizes[layer], net.sizes[layer + 1]];
    params.push(nc.tensor(backend, values(n * m, seed + 2 * layer), [n, m], dtype));
    params.push(nc.tensor(backend, values(m, seed + 2 * layer + 1), [m], dtype));
  }
  return params;
}

/** Runs `build(backend)` (a list of tensors) on both backends and compares. */
function compareOnBoth(
  options: FusionOptions | undefined,
  dtype: DType,
  build: (backend: Backend) => Tensor[],
): { fusedCount: number } {
  const { fused, interpreted, compiled } = backends(options);
  const expected = build(interpreted).map((t) => t.readSync());
  const actual = build(fused).map((t) => t.readSync());
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, k) => {
    expect(a.constructor).toBe(expected[k].constructor);
    expectClose(a, expected[k], TOLERANCE[dtype], `output ${k}`);
  });
  return { fusedCount: compiled.filter((c) => c !== undefined).length };
}

/** Loss gradient w.r.t. every parameter and the inputs, through jit(valueAndGrad). */
function lossAndGradients(net: Network, rows: number, dtype: DType, seed: number) {
  return (backend: Backend): Tensor[] => {
    const params = makeParams(backend, net, dtype, seed);
    const x = nc.tensor(backend, values(rows * net.sizes[0], seed + 100), [rows, net.sizes[0]], dtype);
    const y = nc.tensor(
      backend,
      values(rows * net.sizes[net.sizes.length - 1], seed + 101),
      [rows, net.sizes[net.sizes.length - 1]],
      dtype,
    );
    const loss = (...args: Tensor[]) =>
      nc.sum(nc.square(nc.sub(forward(net, args.slice(0, -1), args[args.length - 1]), y)));
    const vg = nc.valueAndGrad(loss);
    const step = nc.jit((...args: Tensor[]) => {
      const [value, grads] = vg(...args);
      return [value, ...grads];
    });
    step(...params, x); // a first call, so that the checked one reuses the compiled graph
    return step(...params, x);
  };
}

/** Forward-mode derivative of the outputs w.r.t. the parameters and the inputs. */
function forwardDerivative(net: Network, rows: number, dtype: DType, seed: number) {
  return (backend: Backend): Tensor[] => {
    const params = makeParams(backend, net, dtype, seed);
    const x = nc.tensor(backend, values(rows * net.sizes[0], seed + 100), [rows, net.sizes[0]], dtype);
    const tangents = [...params, x].map((t, i) =>
      nc.tensor(backend, values(t.size, seed + 200 + i), t.shape, dtype),
    );
    const [out, tangentOut] = nc.jvp(
      (...args: Tensor[]) => forward(net, args.slice(0, -1), args[args.length - 1]),
      [...params, x],
      tangents,
    );
    return [out, tangentOut];
  };
}

const BENCH_NET: Network = { sizes: [8, 16, 1], activations: ["tanh"] };

describe.each(["js", "wasm"] as const)("fused row loops (%s)", (loop) => {
  const options: FusionOptions = { loop };

  for (const dtype of ["float64", "float32"] as const) {
    for (const rows of [0, 1, 2, 7, 8, 16, 100]) {
      it(`fuses the 8-16-1 tanh network's loss gradient, ${dtype}, ${rows} rows, and matches the interpreter`, () => {
        const { fusedCount } = compareOnBoth(
          options,
          dtype,
          lossAndGradients(BENCH_NET, rows, dtype, rows + 1),
        );
        expect(fusedCount).toBeGreaterThan(0);
      });
    }
  }

  it("fuses jvp of a network (forward mode w.r.t. weights and inputs)", () => {
    const net: Network = { sizes: [3, 5, 4, 2], activations: ["sigmoid", "relu"] };
    for (const dtype of ["float64", "float32"] as const) {
      const { fusedCount } = compareOnBoth(options, dtype, forwardDerivative(net, 9, dtype, 3));
      expect(fusedCount).toBeGreaterThan(0);
    }
  });

  it("matches the interpreter on random networks, activations and row counts (property)", () => {
    const activation = fc.constantFrom<Activation>("tanh", "sigmoid", "relu", "exp", "none");
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 2, maxLength: 4 }),
        fc.array(activation, { minLength: 3, maxLength: 3 }),
        fc.constantFrom(0, 1, 2, 3, 5, 17, 64),
        fc.constantFrom<DType>("float64", "float32"),
        fc.boolean(),
        fc.integer({ min: 1, max: 1000 }),
        (sizes, activations, rows, dtype, reverse, seed) => {
          const net: Network = { sizes, activations };
          const build = reverse
            ? lossAndGradients(net, rows, dtype, seed)
            : forwardDerivative(net, rows, dtype, seed);
          const { fusedCount } = compareOnBoth(options, dtype, build);
          // With 0 or 1 rows a weight matrix may take the row role; any plan must still be exact.
          if (rows >= 2) expect(fusedCount).toBeGreaterThan(0);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("fuses per-row layout ops, reductions off the row axis and max over rows", () => {
    for (const dtype of ["float64", "float32"] as const) {
      const { fusedCount } = compareOnBoth(options, dtype, (backend) => {
        const x = nc.tensor(backend, values(6 * 4, 1), [6, 4], dtype);
        const w = nc.tensor(backend, values(2 * 3, 2), [2, 3], dtype);
        const f = nc.jit((x: Tensor, w: Tensor) => {
          const parts = nc.concat([nc.slice(x, [0, 2], [6, 2]), nc.slice(x, [0, 0], [6, 2])], 1);
          const cube = nc.reshape(parts, [6, 2, 2]);
          const turned = nc.transpose(cube, [0, 2, 1]);
          const rowMax = nc.max(turned, 2, true);
          const picked = nc.gather(nc.reshape(rowMax, [6, 2]), [1, 0, 1], 1);
          const spread = nc.scatterAdd(picked, [0, 2, 0], 1, 4);
          const mixed = nc.where(
            nc.greater(spread, 0),
            nc.sqrt(nc.add(nc.mul(spread, spread), 1)),
            nc.neg(spread),
          );
          const z = nc.matmul(nc.slice(mixed, [0, 0], [6, 2]), w);
          return [
            z,
            nc.max(z, 0),
            nc.sum(nc.log(nc.add(nc.square(z), 1)), [0, 1]),
            nc.div(z, nc.add(nc.relu(z), 2)),
          ];
        });
        f(x, w);
        return f(x, w);
      });
      expect(fusedCount).toBeGreaterThan(0);
    }
  });

  /** Σ over rows of the outer product of each row with itself: k² accumulations and as many products. */
  const outerProductSum = (k: number, rows: number) => (backend: Backend) => {
    const x = nc.tensor(backend, values(rows * k, 3), [rows, k]);
    const f = nc.jit((x: Tensor) => [
      nc.sum(nc.mul(nc.reshape(x, [rows, k, 1]), nc.reshape(x, [rows, 1, k])), [0]),
    ]);
    return f(x);
  };

  it("runs programs with more scalars than a function may hold locals: WebAssembly, its tail rows in JavaScript", () => {
    // 110² = 12,100 accumulations and products: more than MAX_LOCALS, less than MAX_FUSED_SCALARS.
    expect(2 * 110 * 110).toBeGreaterThan(MAX_LOCALS);
    expect(2 * 110 * 110).toBeLessThan(MAX_FUSED_SCALARS);
    // 7 rows: not a multiple of the rows a WebAssembly iteration takes, so the tail runs in JavaScript.
    const { fusedCount } = compareOnBoth(options, "float64", outerProductSum(110, 7));
    // As a JavaScript loop alone it would run unoptimised: the compiler declines it.
    expect(fusedCount).toBe(loop === "wasm" ? 1 : 0);
  });

  it("declines programs of more than MAX_FUSED_SCALARS scalars, which then run interpreted and correctly", () => {
    expect(2 * 300 * 300).toBeGreaterThan(MAX_FUSED_SCALARS);
    const { fusedCount } = compareOnBoth(options, "float64", outerProductSum(300, 7));
    expect(fusedCount).toBe(0);
  });

  it("infers the row axis when the row count equals a weight dimension", () => {
    // 8 rows and an 8 × 8 weight matrix: only the data input carries rows.
    const net: Network = { sizes: [8, 8, 1], activations: ["tanh"] };
    const { fusedCount } = compareOnBoth(options, "float64", lossAndGradients(net, 8, "float64", 5));
    expect(fusedCount).toBeGreaterThan(0);
  });

  it("declines graphs that are not row-separable, which then run interpreted and correctly", () => {
    const notSeparable: ((x: Tensor) => Tensor[])[] = [
      // centring needs the mean over all rows before any row can be finished
      (x) => [nc.sub(x, nc.mean(x, 0, true))],
      // a row × row product couples every pair of rows
      (x) => [nc.matmul(x, nc.transpose(x))],
      // reverses the row order
      (x) => [nc.gather(x, [4, 3, 2, 1, 0], 0)],
      // a transposed row value as an output
      (x) => [nc.transpose(nc.tanh(x))],
    ];
    for (const f of notSeparable) {
      const { fusedCount } = compareOnBoth(options, "float64", (backend) => {
        const x = nc.tensor(backend, values(5 * 3, 9), [5, 3], "float64");
        const g = nc.jit(f);
        return g(x);
      });
      expect(fusedCount).toBe(0);
    }
  });

  it("frees every intermediate buffer and hands out each output once", () => {
    const { fused, storage } = backends(options);
    const x = nc.tensor(fused, values(12, 3), [4, 3], "float64");
    const w = nc.tensor(fused, values(6, 4), [3, 2], "float64");
    const f = nc.jit((x: Tensor, w: Tensor) => {
      const h = nc.tanh(nc.matmul(x, w));
      return [h, h, x, nc.sum(h, 0)];
    });
    const live = storage.liveCount;
    const outs = f(x, w);
    expect(storage.liveCount).toBe(live + 4);
    expect(new Set(outs.map((o) => o.info().dataId)).size).toBe(4);
    expect(Array.from(outs[2].readSync())).toEqual(Array.from(x.readSync()));
    for (const o of outs) o.dispose();
    expect(storage.liveCount).toBe(live);
  });

  it("compiles structurally identical graphs once, and tells fill values apart exactly", () => {
    const { fused, storage } = backends(options);
    const shape = [4, 2];
    const trace = (value: number) =>
      nc.traceFunction([{ shape, dtype: "float64" }], (x) => [nc.mul(x, nc.full(x, shape, value))]).graph;
    const graph = trace(2);
    // One loop over x's rows, the fill folded into it as a constant: nothing
    // runs before or after it, and the product is written row by row.
    expect(planFusion(graph)).toMatchObject({
      rows: shape[0],
      dtype: "float64",
      rowInputs: [{ valueId: 0, rowSize: shape[1] }],
      freeInputs: [],
      rowOutputs: [{ valueId: graph.outputs[0], rowSize: shape[1] }],
      accumulators: [],
      before: [],
      after: [],
    });
    const first = compileGraph(graph, storage, options);
    if (!first) throw new Error("x · 2 was not fused");
    expect(first.execution().loop).toBe(loop);
    const x = values(shape[0] * shape[1], 12);
    const [out] = first.run([{ dataId: fused.upload(x, shape, "float64"), shape, dtype: "float64" }]);
    const product = fused.readSync?.({ dataId: out, shape, dtype: "float64" });
    expect(Array.from(product ?? [])).toEqual(Array.from(x, (v) => v * 2));
    expect(compileGraph(trace(2), storage, options)).toBe(first);
    const distinct = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0].map((v) =>
      compileGraph(trace(v), storage, options),
    );
    expect(new Set(distinct).size).toBe(distinct.length);
  });

  it("accumulates a Gram matrix ZᵀZ over its upper triangle only, with the bits of the full accumulation", () => {
    const [rows, m, k] = [37, 5, 9];
    const gram = (z: Tensor) => nc.matmul(nc.transpose(z), z);
    // −(−z) is a new value with z's numbers: its product with z is the same sum, accumulated in full.
    const full = (z: Tensor) => nc.matmul(nc.transpose(z), nc.neg(nc.neg(z)));
    const hidden = (x: Tensor, w: Tensor) => nc.tanh(nc.matmul(x, w));
    const types = [
      { shape: [rows, m], dtype: "float64" as const },
      { shape: [m, k], dtype: "float64" as const },
    ];
    const symmetricOf = (f: (z: Tensor) => Tensor) =>
      planFusion(nc.traceFunction(types, (x, w) => [f(hidden(x, w))]).graph)?.accumulators.map(
        (a) => a.symmetric,
      );
    expect(symmetricOf(gram)).toEqual([k]);
    expect(symmetricOf(full)).toEqual([undefined]);

    for (const dtype of ["float64", "float32"] as const) {
      const run = (backend: Backend) => {
        const x = nc.tensor(backend, values(rows * m, 7), [rows, m], dtype);
        const w = nc.tensor(backend, values(m * k, 8), [m, k], dtype);
        return nc.jit((x: Tensor, w: Tensor) => [gram(hidden(x, w)), full(hidden(x, w))])(x, w);
      };
      const { fusedCount } = compareOnBoth(options, dtype, run);
      expect(fusedCount).toBe(1);
      const [packed, whole] = run(backends(options).fused).map((t) => Array.from(t.readSync()));
      expect(packed).toEqual(whole);
      for (let p = 0; p < k; p++)
        for (let j = 0; j < k; j++) expect(packed[p * k + j]).toBe(packed[j * k + p]);
    }
  });

  it("returns no plan for a graph without row work", () => {
    const { fused } = backends(options);
    const w = nc.tensor(fused, values(6, 4), [3, 2], "float64");
    const { graph } = nc.traceFunction([w], (a) => [nc.sum(nc.tanh(a), [0, 1])]);
    // A 3 × 2 matrix alone: treated as 3 rows of 2, it is still fusable,
    // but a scalar graph has nothing to fuse.
    const { graph: scalarGraph } = nc.traceFunction([{ shape: [], dtype: "float64" }], (a) => [nc.exp(a)]);
    expect(planFusion(scalarGraph)).toBeUndefined();
    // The matrix's rows are the loop's: each row's tanh values are summed
    // into one accumulator (the sum node), and the reshape of that sum to a
    // scalar runs after the loop.
    const [rows, columns] = w.shape;
    const sumNode = graph.nodes.findIndex((node) => node.prim === "sum");
    const plan = planFusion(graph);
    expect(plan).toMatchObject({
      rows,
      dtype: "float64",
      rowInputs: [{ valueId: 0, rowSize: columns }],
      freeInputs: [],
      rowOutputs: [],
      accumulators: [{ valueId: graph.inputs.length + sumNode, size: 1, op: "sum" }],
      before: [],
      after: graph.nodes.map((_, k) => k).filter((k) => k > sumNode),
    });
    const unary = plan?.program.instructions.filter((i) => i.kind === "unary");
    expect(unary?.map((i) => i.kind === "unary" && i.op)).toEqual(Array(columns).fill("tanh"));
    expect(plan?.program.accumulations).toHaveLength(1);
  });
});

describe("cpu() backend", () => {
  it("compiles row-separable graphs", () => {
    const backend = cpu();
    expect(backend.compile).toBeTypeOf("function");
    const shape = [4, 2];
    const { graph } = nc.traceFunction([{ shape, dtype: "float64" }], (x) => [nc.tanh(x)]);
    const compiled = backend.compile?.(graph) as FusedGraph | undefined;
    if (!compiled) throw new Error("tanh(x) was not compiled");
    // 4 rows of 2 tanh: far below the work from which "auto" generates WebAssembly.
    expect(compiled.execution().loop).toBe("js");
    const type = { shape, dtype: "float64" as const };
    const x = { dataId: backend.upload(values(8, 13), shape, "float64"), ...type };
    const [fusedOut] = compiled.run([x]);
    const kernelOut = backend.kernels.tanh([x], {}, type);
    const read = (dataId: nc.DataId) => Array.from(backend.readSync?.({ dataId, ...type }) ?? []);
    expect(read(fusedOut)).toEqual(read(kernelOut));
    expect(read(fusedOut)).toHaveLength(8);
    backend.destroy();
  });
});
