/**
 * Checks the data handed to a build and prepares it: the validation rows,
 * the normalisation, and the training, validation and full sets (rows.ts).
 */
import { Matrix } from "../matrix.js";
import { computeNormalization, type NormalizationStats } from "../normalization/index.js";
import type { Likelihood } from "./likelihood.js";
import { concatRows, type RowSource, selectedRows } from "./rows.js";
import type { ResolvedSettings } from "./settings.js";
import { representativeRowsOf } from "./validation-split.js";

export interface BuildInput {
  readonly x: Matrix;
  readonly y: Matrix;
  readonly validationX?: Matrix;
  readonly validationY?: Matrix;
  readonly inputNames?: readonly string[];
  readonly outputNames?: readonly string[];
  /**
   * What y holds (likelihood.ts; default gaussian). Categorical: class
   * indicators, one-hot over classes 1 … k − 1 (class 0: a row of zeros);
   * they are not normalised.
   */
  readonly likelihood?: Likelihood;
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
  if (input.likelihood === "categorical") {
    checkClassIndicators(input.y, "y");
    if (input.validationY) checkClassIndicators(input.validationY, "validationY");
  }
  if (input.inputNames && input.inputNames.length !== m)
    fail(`inputNames has ${input.inputNames.length} names for ${m} inputs`);
  if (input.outputNames && input.outputNames.length !== k)
    fail(`outputNames has ${input.outputNames.length} names for ${k} outputs`);
}

/** Checks user-given validation indices against n rows. */
/** Each row of `y` one-hot or all zeros (see `BuildInput.likelihood`). */
function checkClassIndicators(y: Matrix, name: string): void {
  const [n, k] = y.shape;
  for (let i = 0; i < n; i++) {
    let ones = 0;
    for (let j = 0; j < k; j++) {
      const v = y.data[i * k + j];
      if (v !== 0 && v !== 1)
        fail(
          `${name} holds ${v} at row ${i + 1}, column ${j + 1} (counted from 1): class indicators are 0 or 1`,
        );
      ones += v;
    }
    if (ones > 1) fail(`${name} row ${i + 1} (counted from 1) marks ${ones} classes: a row has one class`);
  }
}

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

export interface PreparedData {
  readonly inputNormalization: NormalizationStats;
  readonly outputNormalization: NormalizationStats;
  /** Rows of x held out for validation; empty when validation data was given. */
  readonly validationRows: readonly number[];
  /** The sets, normalised as they are read (rows.ts): nothing of the data is copied whole. */
  readonly train: RowSource;
  readonly valid: RowSource;
  /** Training and validation rows together (for the final refit). */
  readonly all: RowSource;
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
    computeNormalization(
      y,
      // Class indicators are used as they are.
      input.likelihood === "categorical"
        ? { shifting: "none", scaling: "none" }
        : {
            shifting: settings.outputsShifting,
            scaling: settings.outputsScaling,
            perFeature: settings.outputsNormalizePerFeature,
          },
    );
  if (inputNormalization.shift.length !== x.shape[1] || outputNormalization.shift.length !== y.shape[1]) {
    fail(
      `the checkpoint's model has ${inputNormalization.shift.length} inputs and ${outputNormalization.shift.length} outputs, the data ${x.shape[1]} and ${y.shape[1]}`,
    );
  }
  const rowsOf = (xs: Matrix, ys: Matrix, rows: Int32Array | null = null) =>
    selectedRows(xs, ys, inputNormalization, outputNormalization, rows);

  if (input.validationX && input.validationY) {
    if (n < MIN_TRAINING_ROWS) fail(`too few rows: x has ${n}, a build needs at least ${MIN_TRAINING_ROWS}`);
    const train = rowsOf(x, y);
    const valid = rowsOf(input.validationX, input.validationY);
    return {
      inputNormalization,
      outputNormalization,
      validationRows: [],
      train,
      valid,
      all: concatRows(train, valid),
    };
  }
  const minRows = MIN_TRAINING_ROWS + 1;
  if (n < minRows)
    fail(
      `too few rows: x has ${n}, a build needs at least ${minRows} (${MIN_TRAINING_ROWS} to train on, 1 to validate)`,
    );
  const all = rowsOf(x, y);
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
  else validationRows = representativeRowsOf(all, settings.validPercentage);
  if (validationRows.length === 0) fail("validationIndices is empty: at least one row must be held out");
  const held = new Uint8Array(n);
  for (const r of validationRows) held[r] = 1;
  const trainRows = new Int32Array(n - validationRows.length);
  for (let i = 0, t = 0; i < n; i++) if (!held[i]) trainRows[t++] = i;
  if (trainRows.length < MIN_TRAINING_ROWS) {
    fail(
      `too few rows: ${trainRows.length} left to train on after holding out ${validationRows.length} for validation, at least ${MIN_TRAINING_ROWS} needed`,
    );
  }
  return {
    inputNormalization,
    outputNormalization,
    validationRows,
    train: rowsOf(x, y, trainRows),
    valid: rowsOf(x, y, Int32Array.from(validationRows)),
    all,
  };
}
