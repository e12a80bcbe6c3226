/**
 * Class labels: from the labels a user gives (strings or numbers, one per
 * row) to the class names a model keeps and the class indicators the
 * builder trains on (builder/likelihood.ts), and back.
 */
import { BuildDataError } from "../builder/index.js";
import { Matrix } from "../matrix.js";

/** A class label as given: text, or a number (integers usually). */
export type Label = string | number;

/** The text of a label, or why it is not one. */
function labelText(v: unknown): string | { problem: string } {
  if (typeof v === "string") return v === "" ? { problem: "empty" } : v;
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : { problem: String(v) };
  return { problem: v === null ? "null" : v === undefined ? "missing" : `a ${typeof v}` };
}

function labelList(labels: unknown, name: string): unknown[] {
  if (!Array.isArray(labels)) {
    throw new TypeError(`${name} must be an array of class labels (strings or numbers), one per row`);
  }
  return labels;
}

/** The texts of `labels`, checked: a missing, empty or non-finite label throws, naming its row. */
export function labelTexts(labels: unknown, name: string): string[] {
  return labelList(labels, name).map((v, i) => {
    const text = labelText(v);
    if (typeof text !== "string")
      throw new BuildDataError(`${name}: the label of row ${i + 1} (counted from 1) is ${text.problem}`);
    return text;
  });
}

/** True when every name is a number written as JavaScript writes it ("3", "-1.5"), so that labels can be numbers. */
export function numericClasses(classes: readonly string[]): boolean {
  return classes.every((c) => c.trim() !== "" && String(Number(c)) === c);
}

/**
 * The distinct labels as the classes of a Classifier built on them, in the
 * order of its probabilities: sorted by value when every label is a number,
 * else by text (code units).
 */
export function sortedClasses(labels: readonly Label[]): string[] {
  const classes = [...new Set(labels.map(String))];
  if (numericClasses(classes)) return classes.sort((a, b) => Number(a) - Number(b));
  return classes.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The classes of the training labels (`sortedClasses`); fewer than two throw. */
export function classesOf(texts: readonly string[], name: string): string[] {
  const classes = sortedClasses(texts);
  if (classes.length < 2) {
    const only = classes.length === 1 ? ` (${JSON.stringify(classes[0])})` : "";
    throw new BuildDataError(`${name} holds ${classes.length} class${only}: a classifier needs at least two`);
  }
  return classes;
}

/** The class number of every label; a label that is not one of `classes` throws, naming its row. */
export function classIndices(texts: readonly string[], classes: readonly string[], name: string): Int32Array {
  const number = new Map(classes.map((c, i) => [c, i]));
  return Int32Array.from(texts, (t, i) => {
    const c = number.get(t);
    if (c === undefined) {
      throw new BuildDataError(
        `${name}: the label ${JSON.stringify(t)} of row ${i + 1} (counted from 1) is not one of the model's classes (${classes.map((x) => JSON.stringify(x)).join(", ")})`,
      );
    }
    return c;
  });
}

/** Class indicators (n, k − 1): row i has a 1 in column c − 1 for class c > 0, zeros for class 0. */
export function classIndicators(indices: Int32Array, classes: number): Matrix {
  const k = classes - 1;
  const y = new Float64Array(indices.length * k);
  indices.forEach((c, i) => {
    if (c > 0) y[i * k + c - 1] = 1;
  });
  return new Matrix(y, indices.length, k);
}

/** The label of class `c`: its name, as a number when every class name is one. */
export function labelOf(classes: readonly string[], c: number, numeric: boolean): Label {
  return numeric ? Number(classes[c]) : classes[c];
}
