import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { grad, jit, jvp, valueAndGrad, vjp } from "../src/ad.js";
import * as op from "../src/ops.js";
import type { Tensor } from "../src/tensor.js";
import { seedArb, seededRandom } from "../src/testing/arbitraries.js";
import { relativeError } from "../src/testing/derivatives.js";
import { referenceBackend } from "../src/testing/reference-backend.js";
import { dot, randomData, randomProgram } from "./random-programs.js";

const backend = referenceBackend();
const host = (t: Tensor) => Float64Array.from(t.readSync());

/** f evaluated at (x + s·dx, w + s·dw), flattened. */
function shifted(
  f: (x: Tensor, w: Tensor) => Tensor,
  x: Tensor,
  w: Tensor,
  dx: Tensor,
  dw: Tensor,
  s: number,
) {
  return host(f(op.add(x, op.mul(dx, s)), op.add(w, op.mul(dw, s))));
}

describe("forward mode against central finite differences", () => {
  it("holds on random compositions (float64, relative error ≤ 1e-6)", () => {
    fc.assert(
      fc.property(seedArb, seedArb, (programSeed, dataSeed) => {
        const p = randomProgram(programSeed);
        const r = seededRandom(dataSeed);
        const [x, w, dx, dw] = [p.xShape, p.wShape, p.xShape, p.wShape].map((s) => randomData(backend, s, r));
        const [, dy] = jvp(p.f, [x, w], [dx, dw]);
        const h = 1e-5;
        const plus = shifted(p.f, x, w, dx, dw, h);
        const minus = shifted(p.f, x, w, dx, dw, -h);
        const fd = plus.map((v, i) => (v - minus[i]) / (2 * h));
        const err = relativeError(host(dy), fd);
        if (!(err <= 1e-6)) throw new Error(`${p.description}: relative error ${err}`);
      }),
      { numRuns: 60 },
    );
  });
});

describe("reverse mode: the dot-product identity <J·v, u> = <v, Jᵀ·u>", () => {
  it("holds on random compositions to 1e-12 relative (a few rounding units where both sides vanish)", () => {
    fc.assert(
      fc.property(seedArb, seedArb, (programSeed, dataSeed) => {
        const p = randomProgram(programSeed);
        const r = seededRandom(dataSeed);
        const [x, w, vx, vw] = [p.xShape, p.wShape, p.xShape, p.wShape].map((s) => randomData(backend, s, r));
        const [y, jv] = jvp(p.f, [x, w], [vx, vw]);
        const u = randomData(backend, y.shape, r);
        const [, pullback] = vjp(p.f, [x, w]);
        const [ux, uw] = pullback(u);
        const left = dot(host(jv), host(u));
        const right = dot(host(vx), host(ux)) + dot(host(vw), host(uw));
        // Relative to the two sides, with a floor of a few rounding units of
        // ‖v‖·‖u‖: where J·v is exactly zero (a function constant along v),
        // both sides are pure rounding noise and only that floor is meaningful.
        const norm = (t: Tensor) => Math.sqrt(dot(host(t), host(t)));
        const vNorm = Math.hypot(norm(vx), norm(vw));
        const floor = 64 * Number.EPSILON * vNorm * norm(u);
        const allowed = 1e-12 * (Math.abs(left) + Math.abs(right)) + floor;
        if (!(Math.abs(left - right) <= allowed)) throw new Error(`${p.description}: ${left} vs ${right}`);
      }),
      { numRuns: 60 },
    );
  });
});

describe("Hessian-vector products (jvp of grad)", () => {
  it("match central finite differences of the gradient", () => {
    fc.assert(
      fc.property(seedArb, seedArb, (programSeed, dataSeed) => {
        const p = randomProgram(programSeed);
        const r = seededRandom(dataSeed);
        const [x, w, vw] = [p.xShape, p.wShape, p.wShape].map((s) => randomData(backend, s, r));
        const loss = (wv: Tensor) => op.sum(op.square(p.f(x, wv)));
        const gradW = (wv: Tensor) => grad(loss)(wv)[0];
        const [, hv] = jvp(gradW, [w], [vw]);
        const h = 1e-5;
        const gp = host(gradW(op.add(w, op.mul(vw, h))));
        const gm = host(gradW(op.sub(w, op.mul(vw, h))));
        const fd = gp.map((v, i) => (v - gm[i]) / (2 * h));
        const err = relativeError(host(hv), fd);
        if (!(err <= 1e-5)) throw new Error(`${p.description}: relative error ${err}`);
      }),
      { numRuns: 40 },
    );
  });
});

describe("grad, valueAndGrad and jit", () => {
  const r = seededRandom(7);
  const x = randomData(backend, [5, 3], r);
  const w = randomData(backend, [3, 2], r);
  const loss = (wv: Tensor, xv: Tensor) => op.mean(op.square(op.tanh(op.matmul(xv, wv))));

  it("valueAndGrad returns the value and the same gradients as vjp", () => {
    const [value, [gw, gx]] = valueAndGrad(loss)(w, x);
    const [y, pullback] = vjp(loss, [w, x]);
    expect(host(value)[0]).toBe(host(y)[0]);
    const [pw, px] = pullback(op.onesLike(y));
    expect(relativeError(host(gw), host(pw))).toBeLessThan(1e-14);
    expect(relativeError(host(gx), host(px))).toBeLessThan(1e-14);
  });

  it("the analytic gradient of a mean squared tanh layer", () => {
    const [gw] = grad(loss)(w, x);
    // d/dW mean(tanh(XW)^2) = Xᵀ (2 tanh(XW) (1 − tanh²(XW))) / (n·k)
    const t = host(op.tanh(op.matmul(x, w)));
    const xs = host(x);
    const expected = new Float64Array(6);
    for (let i = 0; i < 5; i++)
      for (let j = 0; j < 3; j++)
        for (let k = 0; k < 2; k++) {
          const tv = t[i * 2 + k];
          expected[j * 2 + k] += (xs[i * 3 + j] * 2 * tv * (1 - tv * tv)) / 10;
        }
    expect(relativeError(host(gw), expected)).toBeLessThan(1e-14);
  });

  it("jit traces once per signature and gives the eager results", () => {
    let traces = 0;
    const f = jit((a: Tensor, b: Tensor) => {
      traces++;
      return op.tanh(op.matmul(a, b));
    });
    const eager = host(op.tanh(op.matmul(x, w)));
    expect(host(f(x, w))).toEqual(eager);
    expect(host(f(x, w))).toEqual(eager);
    expect(traces).toBe(1);
    f(randomData(backend, [2, 3], r), w);
    expect(traces).toBe(2);
  });

  it("jit of a gradient equals the gradient", () => {
    const g = jit((wv: Tensor, xv: Tensor) => grad(loss)(wv, xv));
    const [a] = g(w, x);
    const [b] = grad(loss)(w, x);
    expect(host(a)).toEqual(host(b));
  });
});

describe("clear errors", () => {
  const a = op.tensor(backend, [1, 2, 3, 4, 5, 6], [2, 3]);
  const b = op.tensor(backend, [1, 2, 3, 4], [2, 2]);

  it("names the primitive and the shapes that do not match", () => {
    expect(() => op.matmul(a, a)).toThrow(/matmul: inner dimensions differ: \(2, 3\) · \(2, 3\)/);
    expect(() => op.add(a, b)).toThrow(/add: shapes \(2, 3\) and \(2, 2\) cannot be broadcast together/);
    expect(() => op.tensor(backend, [1, 2, 3], [2, 2])).toThrow(/3 values do not fill shape \(2, 2\)/);
  });

  it("rejects unknown dtypes", () => {
    // @ts-expect-error: an unknown dtype from untyped JavaScript
    expect(() => op.tensor(backend, [1], [1], "int8")).toThrow(/unknown dtype "int8"/);
  });

  it("rejects mixed dtypes", () => {
    const f32 = op.tensor(backend, [1, 2, 3, 4, 5, 6], [2, 3], "float32");
    expect(() => op.add(a, f32)).toThrow(/mixed dtypes float64, float32/);
  });

  it("rejects use after dispose", () => {
    const c = op.tensor(backend, [1, 2], [2]);
    c.dispose();
    c.dispose();
    expect(() => op.exp(c)).toThrow(/was disposed/);
    expect(() => c.readSync()).toThrow(/was disposed/);
  });

  it("rejects tangents whose shape differs from the primal", () => {
    expect(() => jvp(op.tanh, [a], [b])).toThrow(
      /tangent 0 has shape \(2, 2\) float64, expected \(2, 3\) float64/,
    );
  });

  it("rejects grad of a non-scalar function", () => {
    expect(() => grad(op.tanh)(a)).toThrow(/must return one value/);
  });
});
