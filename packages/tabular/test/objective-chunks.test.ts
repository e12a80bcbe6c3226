/**
 * The normal equations, the errors and the residuals over chunks of rows
 * (objective.ts): the same JᵀJ, Jᵀr and Σr² (per output too) as one pass
 * over all rows, to rounding, and the same residuals bit for bit, on random
 * networks and data; a build on more rows than one chunk reproduces with a
 * seed.
 */
import { cpu } from "@neureco/backend-cpu";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildModel } from "../src/builder/index.js";
import { addHiddenNeuron, linearNetwork, type WeightedNetwork } from "../src/builder/network-edit.js";
import { DeviceData, NORMAL_EQUATIONS_CHUNK, Objective } from "../src/builder/objective.js";
import { builderRandom, normalDraw } from "../src/builder/random.js";
import { matrixRows } from "../src/builder/rows.js";
import { Matrix } from "../src/matrix.js";

/** A linear network of m inputs and k outputs plus `hidden` tanh neurons reading every input, weights drawn from `seed`. */
function randomNetwork(m: number, k: number, hidden: number, seed: number): WeightedNetwork {
  const random = builderRandom(seed);
  let network = linearNetwork(m, k);
  for (let h = 0; h < hidden; h++) {
    network = addHiddenNeuron(network, {
      sources: Array.from({ length: m }, (_, i) => ({
        from: { kind: "input", index: i } as const,
        weight: normalDraw(random),
      })),
      bias: normalDraw(random),
      outputWeights: Array.from({ length: k }, () => normalDraw(random)),
    });
  }
  return {
    structure: network.structure,
    weights: Float64Array.from(network.weights, () => normalDraw(random)),
  };
}

function randomData(n: number, m: number, k: number, seed: number): { x: Matrix; y: Matrix } {
  const random = builderRandom(seed + 1);
  return {
    x: new Matrix(
      Float64Array.from({ length: n * m }, () => 2 * random() - 1),
      n,
      m,
    ),
    y: new Matrix(
      Float64Array.from({ length: n * k }, () => normalDraw(random)),
      n,
      k,
    ),
  };
}

const close = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < b.length; i++)
    expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(1e-12 * Math.max(scale, 1));
};

describe("normal equations over chunks of rows", () => {
  it("equal one pass over all rows (random networks, 1–3 outputs, chunks of 1 row up)", async () => {
    const backend = cpu();
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 4 }),
          fc.integer({ min: 1, max: 3 }),
          fc.integer({ min: 0, max: 3 }),
          fc.integer({ min: 1, max: 60 }),
          fc.integer({ min: 1, max: 25 }),
          fc.integer({ min: 0, max: 1e6 }),
          async (m, k, hidden, n, chunk, seed) => {
            const network = randomNetwork(m, k, hidden, seed);
            const { x, y } = randomData(n, m, k, seed);
            const whole = DeviceData.upload(backend, "float64", matrixRows(x, y), {
              chunkStackedRows: n * k,
            });
            const chunked = DeviceData.upload(backend, "float64", matrixRows(x, y), {
              chunkStackedRows: chunk,
            });
            try {
              expect(whole.chunks).toHaveLength(1);
              expect(chunked.chunks).toHaveLength(Math.ceil(n / Math.max(1, Math.floor(chunk / k))));
              const onWhole = new Objective(backend, network.structure, whole);
              const onChunks = new Objective(backend, network.structure, chunked);
              const a = await onWhole.normalEquations(network.weights);
              const b = await onChunks.normalEquations(network.weights);
              close(b.jtj, a.jtj);
              close(b.jtr, a.jtr);
              close([b.sse], [a.sse]);
              close(await onChunks.sseByOutput(network.weights), await onWhole.sseByOutput(network.weights));
              expect(await onChunks.residuals(network.weights)).toEqual(
                await onWhole.residuals(network.weights),
              );
            } finally {
              whole.dispose();
              chunked.dispose();
            }
          },
        ),
        { seed: 11, numRuns: 60 },
      );
    } finally {
      backend.destroy();
    }
  });

  it("a build on more training rows than one chunk reproduces bit for bit with a seed", async () => {
    const n = Math.ceil((NORMAL_EQUATIONS_CHUNK * 3) / 2) + 500; // two thirds train: above one chunk
    const random = builderRandom(7);
    const x = Float64Array.from({ length: n * 2 }, () => 2 * random() - 1);
    const y = Float64Array.from(
      { length: n },
      (_, i) => Math.tanh(x[2 * i] + 0.5 * x[2 * i + 1]) + 0.05 * normalDraw(random),
    );
    const data = { x: new Matrix(x, n, 2), y: new Matrix(y, n, 1) };
    const first = await buildModel(data, { seed: 1 });
    const second = await buildModel(data, { seed: 1 });
    expect(Array.from(second.model.weights)).toEqual(Array.from(first.model.weights));
    expect(first.model.structure.hidden).toBeGreaterThan(0);
  });
});
