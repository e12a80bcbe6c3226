import { grad, jvp, sum, type Tensor, tensor } from "@neureco/core";
import { referenceBackend, seededRandom } from "@neureco/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { networkFunction } from "../src/network/forward.js";
import {
  type NetworkStructure,
  planLayers,
  validateStructure,
  weightCount,
} from "../src/network/structure.js";

const backend = referenceBackend();

/** A random valid structure: every link goes forward, some inputs may be unused. */
function randomStructure(seed: number): NetworkStructure {
  const r = seededRandom(seed);
  const inputs = 1 + Math.floor(r() * 4);
  const hidden = Math.floor(r() * 5);
  const outputs = 1 + Math.floor(r() * 3);
  const links: [number, number][] = [];
  for (let to = inputs; to < inputs + hidden + outputs; to++) {
    for (let from = 0; from < Math.min(to, inputs + hidden); from++) if (r() < 0.5) links.push([from, to]);
  }
  return { inputs, hidden, outputs, links };
}

/** One sample through the network, neuron by neuron: the obvious definition. */
function naive(s: NetworkStructure, w: ArrayLike<number>, x: ArrayLike<number>): number[] {
  const value = new Float64Array(s.inputs + s.hidden + s.outputs);
  for (let i = 0; i < s.inputs; i++) value[i] = x[i];
  for (let n = s.inputs; n < value.length; n++) {
    let z = w[s.links.length + n - s.inputs];
    s.links.forEach(([from, to], li) => {
      if (to === n) z += w[li] * value[from];
    });
    value[n] = n < s.inputs + s.hidden ? Math.tanh(z) : z;
  }
  return [...value.subarray(s.inputs + s.hidden)];
}

const host = (t: Tensor) => [...t.readSync()];

describe("network function", () => {
  it("matches a neuron-by-neuron evaluation on random structures", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e9 }), (seed) => {
        const s = randomStructure(seed);
        const r = seededRandom(seed + 1);
        const n = 1 + Math.floor(r() * 4);
        const p = weightCount(s);
        const w = Array.from({ length: p }, () => 2 * r() - 1);
        const x = Array.from({ length: n * s.inputs }, () => 2 * r() - 1);
        const y = host(networkFunction(s)(tensor(backend, w, [1, p]), tensor(backend, x, [n, s.inputs])));
        for (let i = 0; i < n; i++) {
          const expected = naive(s, w, x.slice(i * s.inputs, (i + 1) * s.inputs));
          expected.forEach((v, k) => {
            expect(y[i * s.outputs + k]).toBeCloseTo(v, 13);
          });
        }
      }),
      { numRuns: 50 },
    );
  });

  it("with one weight row per sample, the gradient of sum(y) is the per-row Jacobian", () => {
    const s: NetworkStructure = {
      inputs: 2,
      hidden: 2,
      outputs: 1,
      links: [
        [0, 2],
        [1, 2],
        [0, 3],
        [2, 3],
        [3, 4],
        [1, 4],
      ],
    };
    const p = weightCount(s);
    const r = seededRandom(3);
    const n = 3;
    const w = Array.from({ length: p }, () => 2 * r() - 1);
    const x = Array.from({ length: n * 2 }, () => 2 * r() - 1);
    const f = networkFunction(s);
    const xt = tensor(backend, x, [n, 2]);
    const wRows = tensor(backend, Array.from({ length: n }, () => w).flat(), [n, p]);
    const [jac] = grad((wr: Tensor) => sum(f(wr, xt)))(wRows);
    const J = host(jac);
    // Column j of row i by forward mode on shared weights, one direction at a time.
    for (let j = 0; j < p; j++) {
      const e = Array.from({ length: p }, (_, k) => (k === j ? 1 : 0));
      const [, dy] = jvp(
        (wv: Tensor) => f(wv, xt),
        [tensor(backend, w, [1, p])],
        [tensor(backend, e, [1, p])],
      );
      host(dy).forEach((v, i) => {
        expect(J[i * p + j]).toBeCloseTo(v, 14);
      });
    }
  });

  it("rejects backward, duplicated and out-of-range links", () => {
    expect(() => validateStructure({ inputs: 2, hidden: 1, outputs: 1, links: [[2, 2]] })).toThrow(
      /goes backwards/,
    );
    expect(() =>
      validateStructure({
        inputs: 2,
        hidden: 1,
        outputs: 1,
        links: [
          [0, 2],
          [0, 2],
        ],
      }),
    ).toThrow(/duplicated/);
    expect(() => validateStructure({ inputs: 2, hidden: 1, outputs: 1, links: [[3, 4]] })).toThrow(
      /starts at neither/,
    );
    expect(() => planLayers({ inputs: 0, hidden: 0, outputs: 1, links: [] })).toThrow(/at least one input/);
  });
});
