/** Small helpers for the plain-SVG plots of the examples. */

/** The size of every plot and the margins that hold its axes, in SVG units. */
export const FRAME = {
  width: 360,
  height: 240,
  margin: { left: 48, right: 12, top: 12, bottom: 36 },
} as const;

/** A tick mark: where it stands on its axis and what it reads. */
export interface Tick {
  readonly at: number;
  readonly label: string;
}

export interface Scale {
  (value: number): number;
  readonly domain: readonly [number, number];
}

/** A linear map from [lo, hi] (padded when empty) to [from, to]. */
export function linearScale(lo: number, hi: number, from: number, to: number): Scale {
  let a = lo;
  let b = hi;
  if (!(b > a)) {
    const pad = Math.abs(a) > 0 ? Math.abs(a) * 0.05 : 1;
    a -= pad;
    b += pad;
  }
  const f = (value: number) => from + ((value - a) / (b - a)) * (to - from);
  return Object.assign(f, { domain: [a, b] as const });
}

/** About `count` round tick values covering [lo, hi]. */
export function ticks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((k) => k * power).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push(Number(v.toPrecision(12)));
  return out;
}

/** An SVG polyline `points` attribute. */
export function polyline(xs: readonly number[], ys: readonly number[]): string {
  return xs.map((x, i) => `${x.toFixed(1)},${ys[i].toFixed(1)}`).join(" ");
}

export function formatTick(v: number): string {
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0)
    ? v.toExponential(0)
    : String(Number(v.toPrecision(4)));
}

/** Round values (1, 2, 5 × 10^k, or every digit when the range is narrow) for a log axis over [lo, hi] (values, not logs). */
export function logTicks(lo: number, hi: number): number[] {
  const pick = (mantissas: number[]) => {
    const out: number[] = [];
    for (let k = Math.floor(Math.log10(lo)); k <= Math.ceil(Math.log10(hi)); k++) {
      for (const m of mantissas) {
        const v = Number((m * 10 ** k).toPrecision(6));
        if (v >= lo && v <= hi) out.push(v);
      }
    }
    return out;
  };
  const coarse = pick([1, 2, 5]);
  return coarse.length >= 3 ? coarse : pick([1, 2, 3, 4, 5, 6, 7, 8, 9]);
}
