/** Elementwise primitives on typed arrays of equal length. One loop per op, chosen outside the loop. */
import type { BinaryElementwise, HostArray, UnaryElementwise } from "@neureco/core";

export function unaryImpl(op: UnaryElementwise, x: HostArray, out: HostArray): void {
  const n = out.length;
  switch (op) {
    case "neg":
      for (let i = 0; i < n; i++) out[i] = -x[i];
      return;
    case "exp":
      for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]);
      return;
    case "log":
      for (let i = 0; i < n; i++) out[i] = Math.log(x[i]);
      return;
    case "sqrt":
      for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]);
      return;
    case "tanh":
      for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]);
      return;
    case "sigmoid":
      for (let i = 0; i < n; i++) out[i] = 1 / (1 + Math.exp(-x[i]));
      return;
    case "relu":
      for (let i = 0; i < n; i++) {
        const v = x[i];
        out[i] = v > 0 ? v : 0;
      }
      return;
  }
}

export function binaryImpl(op: BinaryElementwise, a: HostArray, b: HostArray, out: HostArray): void {
  const n = out.length;
  switch (op) {
    case "add":
      for (let i = 0; i < n; i++) out[i] = a[i] + b[i];
      return;
    case "sub":
      for (let i = 0; i < n; i++) out[i] = a[i] - b[i];
      return;
    case "mul":
      for (let i = 0; i < n; i++) out[i] = a[i] * b[i];
      return;
    case "div":
      for (let i = 0; i < n; i++) out[i] = a[i] / b[i];
      return;
    case "greater":
      for (let i = 0; i < n; i++) out[i] = a[i] > b[i] ? 1 : 0;
      return;
    case "equal":
      for (let i = 0; i < n; i++) out[i] = a[i] === b[i] ? 1 : 0;
      return;
  }
}

/** out = cond != 0 ? a : b */
export function selectImpl(cond: HostArray, a: HostArray, b: HostArray, out: HostArray): void {
  const n = out.length;
  for (let i = 0; i < n; i++) out[i] = cond[i] !== 0 ? a[i] : b[i];
}
