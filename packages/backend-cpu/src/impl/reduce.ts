/**
 * Reductions over a set of axes, reduced axes kept with size 1. The axes are
 * first grouped into runs of kept and reduced dims; the common layouts
 * (one reduced run between two kept runs, which covers last-axis and
 * first-axis reductions) take a direct loop, anything else a general walk.
 */
import { type HostArray, type Shape, sizeOf } from "@neureco/core";

export type ReduceOp = "sum" | "max";

interface Run {
  size: number;
  reduced: boolean;
}

function runsOf(shape: Shape, axes: readonly number[]): Run[] {
  const runs: Run[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 1) continue;
    const reduced = axes.includes(i);
    const last = runs[runs.length - 1];
    if (last !== undefined && last.reduced === reduced) last.size *= shape[i];
    else runs.push({ size: shape[i], reduced });
  }
  return runs;
}

/** Reduces x viewed as [outer, reduced, inner] into acc viewed as [outer, inner]. */
function reduceMiddle(
  op: ReduceOp,
  x: HostArray,
  outer: number,
  reduced: number,
  inner: number,
  acc: HostArray,
): void {
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      const start = o * reduced;
      let r = acc[o];
      if (op === "sum") for (let i = 0; i < reduced; i++) r += x[start + i];
      else
        for (let i = 0; i < reduced; i++) {
          const v = x[start + i];
          if (v > r || Number.isNaN(v)) r = v;
        }
      acc[o] = r;
    }
    return;
  }
  for (let o = 0; o < outer; o++) {
    const accRow = o * inner;
    for (let r = 0; r < reduced; r++) {
      const xRow = (o * reduced + r) * inner;
      if (op === "sum") for (let j = 0; j < inner; j++) acc[accRow + j] += x[xRow + j];
      else
        for (let j = 0; j < inner; j++) {
          const v = x[xRow + j];
          if (v > acc[accRow + j] || Number.isNaN(v)) acc[accRow + j] = v;
        }
    }
  }
}

/** Any layout: walk x in order, keeping the offset into acc with an odometer over the runs. */
function reduceGeneral(op: ReduceOp, x: HostArray, runs: readonly Run[], acc: HostArray): void {
  const rank = runs.length;
  const accStrides = new Array<number>(rank);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) {
    accStrides[i] = runs[i].reduced ? 0 : s;
    if (!runs[i].reduced) s *= runs[i].size;
  }
  const counter = new Int32Array(rank);
  let offset = 0;
  const n = x.length;
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (op === "sum") acc[offset] += v;
    else if (v > acc[offset] || Number.isNaN(v)) acc[offset] = v;
    for (let d = rank - 1; d >= 0; d--) {
      offset += accStrides[d];
      if (++counter[d] < runs[d].size) break;
      offset -= accStrides[d] * runs[d].size;
      counter[d] = 0;
    }
  }
}

/**
 * Writes the reduction of `x` (shape `shape`) over `axes` into `out`. Sums
 * accumulate in float64 whatever the output dtype. The max over an empty
 * axis is -Infinity; NaN propagates.
 */
export function reduceImpl(
  op: ReduceOp,
  x: HostArray,
  shape: Shape,
  axes: readonly number[],
  out: HostArray,
): void {
  const init = op === "sum" ? 0 : Number.NEGATIVE_INFINITY;
  const acc = op === "sum" && !(out instanceof Float64Array) ? new Float64Array(out.length) : out;
  acc.fill(init);
  if (sizeOf(shape) > 0) {
    const runs = runsOf(shape, axes);
    const reducedRuns = runs.filter((r) => r.reduced);
    if (reducedRuns.length <= 1) {
      const at = runs.findIndex((r) => r.reduced);
      const outer = at < 0 ? 1 : runs.slice(0, at).reduce((p, r) => p * r.size, 1);
      const reduced = at < 0 ? 1 : runs[at].size;
      const inner = at < 0 ? x.length : runs.slice(at + 1).reduce((p, r) => p * r.size, 1);
      reduceMiddle(op, x, outer, reduced, inner, acc);
    } else {
      reduceGeneral(op, x, runs, acc);
    }
  }
  if (acc !== out) out.set(acc);
}
