/** Axis ranges and tick positions for the SVG plots. */

export interface Range {
  readonly min: number;
  readonly max: number;
}

/** The range of the finite values, widened a little (or around a single value) so points do not sit on the frame. */
export function paddedRange(values: Iterable<number>, padding = 0.05): Range {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min > max) return { min: 0, max: 1 };
  if (min === max) {
    const half = Math.abs(min) > 0 ? Math.abs(min) * 0.1 : 1;
    return { min: min - half, max: max + half };
  }
  const pad = (max - min) * padding;
  return { min: min - pad, max: max + pad };
}

/** About `count` round tick values (1, 2 or 5 × 10^k apart) inside the range. */
export function linearTicks(range: Range, count = 5): number[] {
  const span = range.max - range.min;
  if (!(span > 0)) return [range.min];
  const rough = span / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  const ticks: number[] = [];
  for (let v = Math.ceil(range.min / step) * step; v <= range.max + step * 1e-9; v += step) {
    // Snap to the step's precision so labels read 0.3, not 0.30000000000000004.
    ticks.push(Number((Math.round(v / step) * step).toPrecision(12)));
  }
  return ticks;
}

/**
 * Ticks of a log axis, as log10 values: the powers of ten inside the range,
 * or, when it spans less than two of them, round values between its ends.
 */
export function logAxisTicks(logRange: Range): number[] {
  const decades: number[] = [];
  for (let k = Math.ceil(logRange.min); k <= Math.floor(logRange.max); k++) decades.push(k);
  if (decades.length >= 2) return decades;
  const values = linearTicks({ min: 10 ** logRange.min, max: 10 ** logRange.max }, 4);
  return values.filter((v) => v > 0).map(Math.log10);
}

/** A tick label: short, with exponent notation for very large or small values. */
export function formatTick(v: number): string {
  if (v === 0) return "0";
  const abs = Math.abs(v);
  if (abs >= 1e5 || abs < 1e-3) return v.toExponential(0);
  return String(Number(v.toPrecision(6)));
}
