import { Matrix } from "../matrix.js";

/** How the shift of `x_norm = (x − shift) / scale` is chosen (SPEC section 4). */
export type ShiftingMethod = "none" | "min" | "min_centered" | "mean" | "auto";
/** How the scale of `x_norm = (x − shift) / scale` is chosen (SPEC section 4). */
export type ScalingMethod = "none" | "max" | "max_centered" | "std" | "auto";

export const SHIFTING_METHODS: readonly ShiftingMethod[] = ["none", "min", "min_centered", "mean", "auto"];
export const SCALING_METHODS: readonly ScalingMethod[] = ["none", "max", "max_centered", "std", "auto"];

export interface NormalizationOptions {
  /** Default `"auto"`. */
  readonly shifting?: ShiftingMethod;
  /** Default `"auto"`. */
  readonly scaling?: ScalingMethod;
  /** One shift/scale per column (default true), or one for all columns computed over all values. */
  readonly perFeature?: boolean;
}

/** Per-column `shift` and `scale`: `x_norm[:, j] = (x[:, j] − shift[j]) / scale[j]`. Scales are never 0. */
export interface NormalizationStats {
  readonly shift: Float64Array;
  readonly scale: Float64Array;
}

/**
 * `auto` treats the mean as "far from 0" when |mean| > AUTO_MEAN_THRESHOLD × std
 * (population standard deviation): the values then sit on an offset larger
 * than their own spread, and subtracting the mean (then dividing by the
 * largest deviation above it) helps; otherwise the data is already around 0
 * and is only divided by its maximum.
 */
export const AUTO_MEAN_THRESHOLD = 1;

interface Summary {
  min: number;
  max: number;
  mean: number;
  std: number;
}

function summarize(values: Float64Array | number[], label: string): Summary {
  const n = values.length;
  if (n === 0) throw new RangeError(`normalization: ${label} has no values`);
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  for (let k = 0; k < n; k++) {
    const v = values[k];
    if (!Number.isFinite(v)) throw new RangeError(`normalization: ${label} holds a non-finite value (${v})`);
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  let mean = sum / n;
  // One correction pass removes most of the rounding error of the plain sum.
  let residual = 0;
  for (let k = 0; k < n; k++) residual += values[k] - mean;
  mean += residual / n;
  // Clamp: rounding must not put the mean outside [min, max] (a constant column keeps its value).
  mean = Math.min(max, Math.max(min, mean));
  let squares = 0;
  for (let k = 0; k < n; k++) squares += (values[k] - mean) ** 2;
  return { min, max, mean, std: Math.sqrt(squares / n) };
}

function isMeanFarFromZero(s: Summary): boolean {
  return Math.abs(s.mean) > AUTO_MEAN_THRESHOLD * s.std;
}

/** (min + max) / 2; exact for a constant column, halves first only if the sum overflows. */
function midpoint(min: number, max: number): number {
  const sum = min + max;
  return Number.isFinite(sum) ? sum / 2 : min / 2 + max / 2;
}

/** (max − min) / 2, halves first only if the difference overflows. */
function halfRange(min: number, max: number): number {
  const diff = max - min;
  return Number.isFinite(diff) ? diff / 2 : max / 2 - min / 2;
}

/**
 * `max` scaling uses max(x) − shift, as SPEC section 4 says. When that is ≤ 0,
 * or below MAX_SCALE_FLOOR × max|x − shift| (a column far below its shift
 * whose maximum barely exceeds it, e.g. shift none on [-1000, 0.5]), it uses
 * max|x − shift| instead, so normalised values stay within ±1/MAX_SCALE_FLOOR
 * rather than blowing up.
 */
export const MAX_SCALE_FLOOR = 1e-3;

function shiftOf(method: ShiftingMethod, s: Summary): number {
  switch (method) {
    case "none":
      return 0;
    case "min":
      return s.min;
    case "min_centered":
      return midpoint(s.min, s.max);
    case "mean":
      return s.mean;
    case "auto":
      return isMeanFarFromZero(s) ? s.mean : 0;
  }
}

const MIN_NORMAL = 2 ** -1022;

/** Scale for the given shift; a zero (constant column), subnormal or non-finite result becomes 1. */
function scaleOf(method: ScalingMethod, s: Summary, shift: number): number {
  let scale: number;
  switch (method) {
    case "none":
      scale = 1;
      break;
    case "max":
    case "auto": // auto scales by max whichever shift it picked
      {
        const largest = Math.max(Math.abs(s.max - shift), Math.abs(s.min - shift));
        scale = s.max - shift;
        if (!(scale > 0) || scale < MAX_SCALE_FLOOR * largest) scale = largest;
      }
      break;
    case "max_centered":
      scale = halfRange(s.min, s.max);
      break;
    case "std":
      scale = s.std;
      break;
  }
  // Below the smallest normal float64, rounding of x − shift dominates: treat as a constant column.
  return scale >= MIN_NORMAL && Number.isFinite(scale) ? scale : 1;
}

function checkMethods(options: NormalizationOptions): { shifting: ShiftingMethod; scaling: ScalingMethod } {
  const shifting = options.shifting ?? "auto";
  const scaling = options.scaling ?? "auto";
  if (!SHIFTING_METHODS.includes(shifting)) {
    throw new RangeError(
      `normalization: unknown shifting ${JSON.stringify(shifting)} (expected one of ${SHIFTING_METHODS.join(", ")})`,
    );
  }
  if (!SCALING_METHODS.includes(scaling)) {
    throw new RangeError(
      `normalization: unknown scaling ${JSON.stringify(scaling)} (expected one of ${SCALING_METHODS.join(", ")})`,
    );
  }
  return { shifting, scaling };
}

/** Computes the shift and scale of every column of `m` (finite values, at least one row). */
export function computeNormalization(m: Matrix, options: NormalizationOptions = {}): NormalizationStats {
  const { shifting, scaling } = checkMethods(options);
  const [rows, cols] = m.shape;
  const shift = new Float64Array(cols);
  const scale = new Float64Array(cols);
  if (rows === 0) throw new RangeError("normalization: the matrix has no rows");
  const fill = (s: Summary, j: number): void => {
    shift[j] = shiftOf(shifting, s) + 0; // "+ 0" turns -0 into 0, so JSON keeps the stats exact
    scale[j] = scaleOf(scaling, s, shift[j]);
  };
  if (options.perFeature ?? true) {
    const column = new Float64Array(rows);
    for (let j = 0; j < cols; j++) {
      for (let i = 0; i < rows; i++) column[i] = m.data[i * cols + j];
      fill(summarize(column, `column ${j}`), j);
    }
  } else if (cols > 0) {
    const all = summarize(m.data, "the matrix");
    for (let j = 0; j < cols; j++) fill(all, j);
  }
  return { shift, scale };
}

function checkWidth(m: Matrix, stats: NormalizationStats, what: string): void {
  if (m.shape[1] !== stats.shift.length || stats.scale.length !== stats.shift.length) {
    throw new RangeError(
      `${what}: the matrix has ${m.shape[1]} columns, the normalization has ${stats.shift.length} shifts and ${stats.scale.length} scales`,
    );
  }
}

/** `(x − shift) / scale`, column by column, as a new matrix. */
export function normalize(m: Matrix, stats: NormalizationStats): Matrix {
  checkWidth(m, stats, "normalize");
  const [rows, cols] = m.shape;
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++)
      out[i * cols + j] = (m.data[i * cols + j] - stats.shift[j]) / stats.scale[j];
  }
  return new Matrix(out, rows, cols);
}

/** `x_norm · scale + shift`, the inverse of `normalize`. */
export function denormalize(m: Matrix, stats: NormalizationStats): Matrix {
  checkWidth(m, stats, "denormalize");
  const [rows, cols] = m.shape;
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) out[i * cols + j] = m.data[i * cols + j] * stats.scale[j] + stats.shift[j];
  }
  return new Matrix(out, rows, cols);
}

/** The JSON form of `NormalizationStats`: plain arrays of finite numbers (exact, see `normalizationToJSON`). */
export interface NormalizationStatsJSON {
  shift: number[];
  scale: number[];
}

/**
 * JSON-ready copy. Exact: JSON writes every finite float64 as its shortest
 * round-tripping decimal, and computed stats hold no -0, NaN or Infinity.
 */
export function normalizationToJSON(stats: NormalizationStats): NormalizationStatsJSON {
  return { shift: Array.from(stats.shift, (v) => v + 0), scale: Array.from(stats.scale) };
}

/** Validates and rebuilds stats from their JSON form; `source` names the origin in errors. */
export function normalizationFromJSON(json: unknown, source = "normalization"): NormalizationStats {
  const obj = json as Partial<Record<"shift" | "scale", unknown>> | null;
  if (obj === null || typeof obj !== "object" || !Array.isArray(obj.shift) || !Array.isArray(obj.scale)) {
    throw new TypeError(`${source}: expected { shift: number[], scale: number[] }`);
  }
  const { shift, scale } = obj as { shift: unknown[]; scale: unknown[] };
  if (shift.length !== scale.length) {
    throw new RangeError(`${source}: ${shift.length} shifts but ${scale.length} scales`);
  }
  shift.forEach((v, j) => {
    if (typeof v !== "number" || !Number.isFinite(v))
      throw new TypeError(`${source}: shift[${j}] is not a finite number`);
  });
  scale.forEach((v, j) => {
    if (typeof v !== "number" || !Number.isFinite(v) || v === 0) {
      throw new TypeError(`${source}: scale[${j}] is not a finite non-zero number`);
    }
  });
  return { shift: Float64Array.from(shift as number[]), scale: Float64Array.from(scale as number[]) };
}
