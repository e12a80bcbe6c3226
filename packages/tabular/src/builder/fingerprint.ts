/**
 * What a checkpoint records of the build that wrote it, so that a resumed
 * build can refuse to continue on other data or with other settings (it
 * would silently give another model than the build it continues): the
 * shape of the data, a hash of its values, and every setting that shapes
 * the method. Browser-safe: the hash is computed here, not by a Node module.
 */
import type { Matrix } from "../matrix.js";
import type { BuildInput } from "./data.js";
import type { ResolvedSettings } from "./settings.js";

export interface BuildFingerprint {
  readonly rows: number;
  readonly inputs: number;
  readonly outputs: number;
  /** Rows of separately given validation data (0 when none). */
  readonly validationDataRows: number;
  /** Hash of every value of x, y and any validation data (16 hex digits). */
  readonly data: string;
  /** The settings that shape the build, by name. */
  readonly settings: Readonly<Record<string, string | number | boolean>>;
}

/**
 * Two 32-bit multiply–xor streams over the 32-bit words of the float64
 * values (cyrb53's mixing): not cryptographic, but a changed value, row
 * order or scale changes it.
 */
function hashMatrices(matrices: readonly Matrix[]): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (const m of matrices) {
    const words = new Uint32Array(m.data.buffer, m.data.byteOffset, m.data.length * 2);
    for (let i = 0; i < words.length; i++) {
      const w = words[i];
      h1 = Math.imul(h1 ^ w, 2654435761);
      h2 = Math.imul(h2 ^ w, 1597334677);
    }
    // The shape, so that the same values in another shape differ.
    h1 = Math.imul(h1 ^ m.shape[0], 2654435761);
    h2 = Math.imul(h2 ^ m.shape[1], 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h2 >>> 0).toString(16).padStart(8, "0") + (h1 >>> 0).toString(16).padStart(8, "0");
}

export function buildFingerprint(input: BuildInput, settings: ResolvedSettings): BuildFingerprint {
  const matrices = [input.x, input.y];
  if (input.validationX && input.validationY) matrices.push(input.validationX, input.validationY);
  return {
    rows: input.x.shape[0],
    inputs: input.x.shape[1],
    outputs: input.y.shape[1],
    validationDataRows: input.validationX?.shape[0] ?? 0,
    data: hashMatrices(matrices),
    settings: {
      seed: settings.seed,
      validPercentage: settings.validPercentage,
      validationIndices: settings.validationIndices ? settings.validationIndices.join(",") : "",
      inputsShifting: settings.inputsShifting,
      outputsShifting: settings.outputsShifting,
      inputsScaling: settings.inputsScaling,
      outputsScaling: settings.outputsScaling,
      inputsNormalizePerFeature: settings.inputsNormalizePerFeature,
      outputsNormalizePerFeature: settings.outputsNormalizePerFeature,
      initialBetaReg: settings.initialBetaReg,
      linksMaximumNumber: settings.linksMaximumNumber,
      disconnectInputsIfPossible: settings.disconnectInputsIfPossible,
      finalLearning: settings.finalLearning,
      // Named only for a classifier, so that a regression's fingerprint is what it was.
      ...(input.likelihood === "categorical" ? { likelihood: "categorical" } : {}),
    },
  };
}

/** What differs between the build a checkpoint recorded and this one, in words (empty: nothing). */
export function fingerprintDifferences(recorded: BuildFingerprint, now: BuildFingerprint): string[] {
  const differences: string[] = [];
  const shape = (f: BuildFingerprint) =>
    `${f.rows} rows of ${f.inputs} inputs and ${f.outputs} outputs` +
    (f.validationDataRows > 0 ? ` with ${f.validationDataRows} validation rows` : "");
  if (shape(recorded) !== shape(now))
    differences.push(`the data: ${shape(recorded)} then, ${shape(now)} now`);
  else if (recorded.data !== now.data) differences.push("the data: the same shape, other values");
  const names = new Set([...Object.keys(recorded.settings), ...Object.keys(now.settings)]);
  for (const name of names) {
    const then = recorded.settings[name];
    const current = now.settings[name];
    if (then !== current) {
      const show = (v: unknown) => (v === undefined ? "unset" : v === "" ? "none" : JSON.stringify(v));
      differences.push(`${name}: ${show(then)} then, ${show(current)} now`);
    }
  }
  return differences;
}
