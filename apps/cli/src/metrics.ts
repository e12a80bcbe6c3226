/** Regression scores per output column: RMSE, MAE and R². */

export interface Scores {
  readonly rows: number;
  readonly rmse: number[];
  readonly mae: number[];
  /** 1 − SS_res / SS_tot; NaN when the measured column is constant (SS_tot = 0). */
  readonly r2: number[];
}

/** A matrix as the scores need it: row-major values and a shape. */
export interface Columns {
  readonly data: ArrayLike<number>;
  readonly shape: readonly [number, number];
}

/** Scores `predicted` against `measured` (same shape, at least one row), column by column. */
export function score(predicted: Columns, measured: Columns): Scores {
  const [rows, cols] = measured.shape;
  if (predicted.shape[0] !== rows || predicted.shape[1] !== cols) {
    throw new RangeError(
      `score: predicted has shape (${predicted.shape[0]}, ${predicted.shape[1]}), measured (${rows}, ${cols})`,
    );
  }
  if (rows === 0) throw new RangeError("score: no rows to score");
  const rmse: number[] = [];
  const mae: number[] = [];
  const r2: number[] = [];
  for (let j = 0; j < cols; j++) {
    let mean = 0;
    for (let i = 0; i < rows; i++) mean += measured.data[i * cols + j];
    mean /= rows;
    let squared = 0;
    let absolute = 0;
    let total = 0;
    for (let i = 0; i < rows; i++) {
      const y = measured.data[i * cols + j];
      const residual = predicted.data[i * cols + j] - y;
      squared += residual * residual;
      absolute += Math.abs(residual);
      total += (y - mean) * (y - mean);
    }
    rmse.push(Math.sqrt(squared / rows));
    mae.push(absolute / rows);
    r2.push(total === 0 ? Number.NaN : 1 - squared / total);
  }
  return { rows, rmse, mae, r2 };
}
