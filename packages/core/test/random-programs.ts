import type { Backend } from "../src/backend.js";
import * as op from "../src/ops.js";
import type { Tensor } from "../src/tensor.js";
import { seededRandom } from "../src/testing/arbitraries.js";

/**
 * Random smooth compositions of the op API, for property tests of the
 * derivatives. A program maps (x, w) to an output whose shape depends on the
 * steps drawn; every step is differentiable away from measure-zero kinks.
 */
export interface RandomProgram {
  readonly xShape: [number, number];
  readonly wShape: [number, number];
  readonly f: (x: Tensor, w: Tensor) => Tensor;
  readonly description: string;
}

type Step = (v: Tensor, x: Tensor, w: Tensor, r: () => number) => Tensor;

const pick = <T>(items: readonly T[], r: () => number): T => items[Math.floor(r() * items.length)];

const STEPS: Record<string, Step> = {
  tanh: (v) => op.tanh(v),
  sigmoid: (v) => op.sigmoid(v),
  softExp: (v) => op.exp(op.mul(op.tanh(v), 0.5)),
  logOnePlusSquare: (v) => op.log(op.add(op.square(v), 1)),
  sqrtOnePlusSquare: (v) => op.sqrt(op.add(op.square(v), 1)),
  divide: (v) => op.div(v, op.add(op.square(v), 2)),
  scaleBySumOfW: (v, _x, w) => op.mul(v, op.tanh(op.sum(w))),
  matmulW: (v, _x, w) =>
    v.shape[1] === w.shape[0] ? op.matmul(v, w) : op.matmul(v, op.ones(v, [v.shape[1], w.shape[0]])),
  subRowMax: (v) => op.sub(v, op.max(v, 1, true)),
  centre: (v) => op.sub(v, op.mean(v, 0, true)),
  transposeTwice: (v) => op.transpose(op.mul(op.transpose(v), 1.5)),
  sliceConcat: (v) => {
    const c = v.shape[1];
    if (c < 2) return op.concat([v, op.neg(v)], 1);
    const left = op.slice(v, [0, 0], [v.shape[0], 1]);
    const right = op.slice(v, [0, 1], [v.shape[0], c - 1]);
    return op.concat([op.tanh(right), left], 1);
  },
  gatherScatter: (v, _x, _w, r) => {
    const c = v.shape[1];
    const idx = Array.from({ length: c + 1 }, () => Math.floor(r() * c));
    return op.scatterAdd(op.gather(v, idx, 1), idx, 1, c);
  },
  selectSmooth: (v) => op.where(op.greater(v, 0.05), op.tanh(v), op.mul(v, 0.3)),
  reluShifted: (v) => op.relu(op.add(v, 0.37)),
  mixX: (v, x) => (v.shape[0] === x.shape[0] ? op.add(v, op.sum(op.mul(x, x), 1, true)) : v),
};

export function randomProgram(seed: number): RandomProgram {
  const r = seededRandom(seed);
  const n = 1 + Math.floor(r() * 4);
  const m = 1 + Math.floor(r() * 4);
  const h = 1 + Math.floor(r() * 4);
  const names = Array.from({ length: 2 + Math.floor(r() * 5) }, () => pick(Object.keys(STEPS), r));
  const stepSeeds = names.map(() => Math.floor(r() * 2 ** 31));
  return {
    xShape: [n, m],
    wShape: [m, h],
    description: `x(${n}x${m}) w(${m}x${h}): matmul, ${names.join(", ")}`,
    f: (x, w) => {
      let v = op.matmul(x, w);
      names.forEach((name, k) => {
        v = STEPS[name](v, x, w, seededRandom(stepSeeds[k]));
      });
      return v;
    },
  };
}

export function randomData(backend: Backend, shape: readonly number[], r: () => number, scale = 1): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return op.tensor(
    backend,
    Array.from({ length: size }, () => scale * (2 * r() - 1)),
    shape,
  );
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
