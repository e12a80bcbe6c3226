/** [n, k] · [k, m] -> [n, m] on row-major typed arrays. */
import type { HostArray } from "@neureco/core";

export function matmulImpl(
  a: HostArray,
  b: HostArray,
  n: number,
  k: number,
  m: number,
  out: HostArray,
): void {
  if (m === 1) {
    // Matrix times a column: one dot product per row.
    for (let i = 0; i < n; i++) {
      let s = 0;
      const row = i * k;
      for (let p = 0; p < k; p++) s += a[row + p] * b[p];
      out[i] = s;
    }
    return;
  }
  // i-k-j order: the inner loop runs along rows of b and out. Rows accumulate
  // in float64 (in `out` itself when it is float64) and are rounded once.
  const accumulateInOut = out instanceof Float64Array;
  const acc = accumulateInOut ? out : new Float64Array(m);
  for (let i = 0; i < n; i++) {
    const base = accumulateInOut ? i * m : 0;
    acc.fill(0, base, base + m);
    const row = i * k;
    for (let p = 0; p < k; p++) {
      const aip = a[row + p];
      const bRow = p * m;
      for (let j = 0; j < m; j++) acc[base + j] += aip * b[bRow + j];
    }
    if (!accumulateInOut) out.set(acc, i * m);
  }
}
