/**
 * The second pass of a fused reduction: one thread per result element adds
 * (or takes the max of) the workgroups' partial sums in workgroup order, and
 * a symmetric result (a Gram matrix kept as its packed upper triangle) is
 * written out whole.
 */
import { ELEMENT_ENTRY, elementGrid, type Program, uniformWords, wgslPrelude } from "../program.js";
import type { ReductionLayout } from "./row-pass.js";

// Uniforms: result elements, workgroups, partial sums per workgroup, the
// reduction's offset among them, the side of a symmetric result (0: none).
export function combineProgram(
  reduction: ReductionLayout,
  groups: number,
  partialsPerGroup: number,
  maxPerDimension: number,
): Program {
  const k = reduction.symmetric;
  const outputs = k === undefined ? reduction.size : k * k;
  const element =
    k === undefined
      ? "let e = t;"
      : // Packed index of (lo, hi), lo ≤ hi: lo·(2k − lo + 1)/2 + (hi − lo); the product is even.
        `let k = p(4u);
  let lo = min(t / k, t % k);
  let hi = max(t / k, t % k);
  let e = lo * (2u * k + 1u - lo) / 2u + (hi - lo);`;
  const combine = reduction.op === "sum" ? "s = s + x;" : "s = select(s, x, x > s || x != x);";
  return {
    name: "fused-combine",
    cacheKey: `fused-combine:${reduction.op}:${k === undefined ? "full" : "symmetric"}`,
    wgsl: () => `${wgslPrelude(5, ["f32"])}
${ELEMENT_ENTRY} {
  let t = linearIndex(gid, nwg);
  if (t >= p(0u)) { return; }
  ${element}
  let groups = p(1u);
  let stride = p(2u);
  let at = p(3u) + e;
  var s = in0[at];
  for (var g = 1u; g < groups; g++) {
    let x = in0[g * stride + at];
    ${combine}
  }
  out[t] = s;
}`,
    uniforms: uniformWords([outputs, groups, partialsPerGroup, reduction.offset, k ?? 0]),
    dispatch: elementGrid(outputs, maxPerDimension),
  };
}
