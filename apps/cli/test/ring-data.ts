/**
 * A small three-class task for the classifier tests: inputs u, uniform on
 * [−3, 3], and v, uniform on [−1, 1] and unrelated to the class; the class
 * (column "ring") is "inner" when |u| < 1, "middle" when 1 ≤ |u| < 2,
 * "outer" beyond. A network with a few neurons separates the classes; a
 * linear model cannot: its classes are convex regions, so on any line of
 * fixed v they are at most three intervals, one per class, while the classes
 * along u run outer, middle, inner, middle, outer over segments of length
 * 1, 1, 2, 1, 1. At most 4 of the 6 units are right: a linear model's
 * expected accuracy is 2/3 at most.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { seededRandom } from "@neureco/core/testing";

export const RING_CLASSES = ["inner", "middle", "outer"] as const;
/** The best expected accuracy of a linear model on the task (see above). */
export const LINEAR_ACCURACY = 2 / 3;
export const TRAIN_ROWS = 150;
export const TEST_ROWS = 120;

export interface RingRows {
  readonly x: number[][];
  readonly labels: string[];
}

function ringClass(u: number): string {
  const r = Math.abs(u);
  return r < 1 ? "inner" : r < 2 ? "middle" : "outer";
}

/**
 * Writes x_ring_train.csv / y_ring_train.csv (TRAIN_ROWS rows) and
 * x_ring_test.csv / y_ring_test.csv (TEST_ROWS rows) into `dir`, with
 * headers (u;v and ring); returns the test rows.
 */
export function writeRingFiles(dir: string): { train: RingRows; test: RingRows } {
  const random = seededRandom(1);
  const rows = (n: number): RingRows => {
    const x: number[][] = [];
    const labels: string[] = [];
    for (let i = 0; i < n; i++) {
      const u = -3 + 6 * random();
      const v = -1 + 2 * random();
      x.push([u, v]);
      labels.push(ringClass(u));
    }
    return { x, labels };
  };
  const train = rows(TRAIN_ROWS);
  const test = rows(TEST_ROWS);
  for (const [name, data] of [
    ["train", train],
    ["test", test],
  ] as const) {
    writeFileSync(join(dir, `x_ring_${name}.csv`), `u;v\n${data.x.map((r) => r.join(";")).join("\n")}\n`);
    writeFileSync(join(dir, `y_ring_${name}.csv`), `ring\n${data.labels.join("\n")}\n`);
  }
  return { train, test };
}

/** Writes `labels` as a label file named `file` in `dir`, with the header "ring". */
export function writeLabels(dir: string, file: string, labels: readonly string[]): void {
  writeFileSync(join(dir, file), `ring\n${labels.join("\n")}\n`);
}
