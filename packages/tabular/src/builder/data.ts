/**
 * Checks the data handed to a build and prepares it: the validation rows,
 * the normalisation, and the normalised training, validation and full sets.
 */
import { Matrix } from "../matrix.js";
import { computeNormalization, type NormalizationStats, normalize } from "../normalization/index.js";
import type { ResolvedSettings } from "./settings.js";
import { representativeRows } from "./validation-split.js";

export interface BuildInput {
  readonly x: Matrix;
  readonly y: Matrix;
  readonly validationX?: Matrix;
  readonly validationY?: Matrix;
  readonly inputNames?: readonly string[];
  readonly outputNames?: readonly string[];
}

/** Bad build data; the message names the argument and, for a bad value, its row and column. */
export class BuildDataError extends RangeError {
  override name = "BuildDataError";
}

/** Fewest training rows a build accepts (after validation rows are set aside). */
export const MIN_TRAINING_ROWS = 3;

function fail(message: string): never {
  throw new BuildDataError(`buildModel: ${message}`);
}

function checkFinite(m: Matrix, name: string): void {
  const cols = m.shape[1];
  for (let k = 0; k < m.data.length; k++) {
    const v = m.data[k];
    if (!Number.isFinite(v)) {
      const what = Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
      // Counted from 1, as the CSV errors and an editor count.
      fail(
        `${name} holds ${what} at row ${Math.floor(k / cols) + 1}, column ${(k % cols) + 1} (counted from 1)`,
      );
    }
  }
}

function checkMatrix(m: unknown, name: string): asserts m is Matrix {
  if (!(m instanceof Matrix)) fail(`${name} must be a Matrix`);
  if (m.shape[0] === 0 || m.shape[1] === 0) fail(`${name} is empty (shape (${m.shape[0]}, ${m.shape[1]}))`);
  checkFinite(m, name);
}

/** Throws a BuildDataError naming the first problem with the data. */
export function checkBuildInput(input: BuildInput): void {
  checkMatrix(input.x, "x");
  checkMatrix(input.y, "y");
  const [n, m] = input.x.shape;
  const k = input.y.shape[1];
  if (input.y.shape[0] !== n)
    fail(`x has ${n} rows but y has ${input.y.shape[0]}: each input row needs its output row`);
  const { validationX: vx, validationY: vy } = input;
  if ((vx === undefined) !== (vy === undefined)) {
    fail(
      `validation data needs both validationX and validationY (got only ${vx ? "validationX" : "validationY"})`,
    );
  }
  if (vx && vy) {
    checkMatrix(vx, "validationX");
    checkMatrix(vy, "validationY");
    if (vx.shape[1] !== m) fail(`validationX has ${vx.shape[1]} columns but x has ${m}`);
    if (vy.shape[1] !== k) fail(`validationY has ${vy.shape[1]} columns but y has ${k}`);
    if (vx.shape[0] !== vy.shape[0])
      fail(`validationX has ${vx.shape[0]} rows but validationY has ${vy.shape[0]}`);
  }
  if (input.inputNames && input.inputNames.length !== m)
    fail(`inputNames has ${input.inputNames.length} names for ${m} inputs`);
  if (input.outputNames && input.outputNames.length !== k)
    fail(`outputNames has ${input.outputNames.length} names for ${k} outputs`);
}

/** Checks user-given validation indices against n rows. */
function checkIndices(indices: readonly number[], n: number): number[] {
  const seen = new Set<number>();
  indices.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0 || v >= n)
      fail(`validationIndices[${i}] = ${v} is not a row of x (0 … ${n - 1})`);
    if (seen.has(v)) fail(`validationIndices holds row ${v} twice`);
    seen.add(v);
  });
  return [...seen].sort((a, b) => a - b);
}

/** The given rows of `m`, in the order given. */
export function takeRows(m: Matrix, rows: readonly number[]): Matrix {
  const cols = m.shape[1];
  const out = new Float64Array(rows.length * cols);
  rows.forEach((r, i) => out.set(m.data.subarray(r * cols, (r + 1) * cols), i * cols));
  return new Matrix(out, rows.length, cols);
}

function stackRows(a: Matrix, b: Matrix): Matrix {
  const out = new Float64Array(a.data.length + b.data.length);
  out.set(a.data);
  out.set(b.data, a.data.length);
  return new Matrix(out, a.shape[0] + b.shape[0], a.shape[1]);
}

export interface PreparedData {
  readonly inputNormalization: NormalizationStats;
  readonly outputNormalization: NormalizationStats;
  /** Rows of x held out for validation; empty when validation data was given. */
  readonly validationRows: readonly number[];
  /** Normalised sets. */
  readonly train: { readonly x: Matrix; readonly y: Matrix };
  readonly valid: { readonly x: Matrix; readonly y: Matrix };
  /** Training and validation rows together (for the final refit). */
  readonly all: { readonly x: Matrix; readonly y: Matrix };
}

/** What a resumed build reuses from its checkpoint, so its weights keep their meaning. */
export interface FixedPreparation {
  readonly inputNormalization: NormalizationStats;
  readonly outputNormalization: NormalizationStats;
  readonly validationRows: readonly number[];
}

export function prepareData(
  input: BuildInput,
  settings: ResolvedSettings,
  fixed?: FixedPreparation,
): PreparedData {
  checkBuildInput(input);
  const { x, y } = input;
  const n = x.shape[0];
  const inputNormalization =
    fixed?.inputNormalization ??
    computeNormalization(x, {
      shifting: settings.inputsShifting,
      scaling: settings.inputsScaling,
      perFeature: settings.inputsNormalizePerFeature,
    });
  const outputNormalization =
    fixed?.outputNormalization ??
    computeNormalization(y, {
      shifting: settings.outputsShifting,
      scaling: settings.outputsScaling,
      perFeature: settings.outputsNormalizePerFeature,
    });
  if (inputNormalization.shift.length !== x.shape[1] || outputNormalization.shift.length !== y.shape[1]) {
    fail(
      `the checkpoint's model has ${inputNormalization.shift.length} inputs and ${outputNormalization.shift.length} outputs, the data ${x.shape[1]} and ${y.shape[1]}`,
    );
  }
  const xn = normalize(x, inputNormalization);
  const yn = normalize(y, outputNormalization);

  if (input.validationX && input.validationY) {
    if (n < MIN_TRAINING_ROWS) fail(`too few rows: x has ${n}, a build needs at least ${MIN_TRAINING_ROWS}`);
    const vx = normalize(input.validationX, inputNormalization);
    const vy = normalize(input.validationY, outputNormalization);
    return {
      inputNormalization,
      outputNormalization,
      validationRows: [],
      train: { x: xn, y: yn },
      valid: { x: vx, y: vy },
      all: { x: stackRows(xn, vx), y: stackRows(yn, vy) },
    };
  }
  const minRows = MIN_TRAINING_ROWS + 1;
  if (n < minRows)
    fail(
      `too few rows: x has ${n}, a build needs at least ${minRows} (${MIN_TRAINING_ROWS} to train on, 1 to validate)`,
    );
  let validationRows: number[];
  // A resumed build keeps its checkpoint's rows; one beyond the data means other data (a checkpoint
  // without `origin` is not checked otherwise). A frozen structure may be retrained on other data:
  // it then holds out rows of its own.
  const beyond = fixed?.validationRows.find((r) => r >= n);
  if (beyond !== undefined && !settings.freezeStructure) {
    fail(
      `the checkpoint holds out row ${beyond + 1} (counted from 1) for validation, but x has ${n} rows: resume with the data the build started with`,
    );
  }
  if (fixed && fixed.validationRows.length > 0 && beyond === undefined)
    validationRows = [...fixed.validationRows];
  else if (settings.validationIndices) validationRows = checkIndices(settings.validationIndices, n);
  else validationRows = representativeRows(xn, settings.validPercentage);
  if (validationRows.length === 0) fail("validationIndices is empty: at least one row must be held out");
  const held = new Set(validationRows);
  const trainRows = [];
  for (let i = 0; i < n; i++) if (!held.has(i)) trainRows.push(i);
  if (trainRows.length < MIN_TRAINING_ROWS) {
    fail(
      `too few rows: ${trainRows.length} left to train on after holding out ${validationRows.length} for validation, at least ${MIN_TRAINING_ROWS} needed`,
    );
  }
  return {
    inputNormalization,
    outputNormalization,
    validationRows,
    train: { x: takeRows(xn, trainRows), y: takeRows(yn, trainRows) },
    valid: { x: takeRows(xn, validationRows), y: takeRows(yn, validationRows) },
    all: { x: xn, y: yn },
  };
}
