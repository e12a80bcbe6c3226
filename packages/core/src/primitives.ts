/**
 * The closed set of primitives. A backend implements exactly these; every
 * other function of the library (dense layers, losses, derivatives) is built
 * from them in core.
 *
 * Conventions shared by every primitive:
 * - Elementwise binary primitives take operands of identical shape and dtype;
 *   broadcasting is made explicit by the `broadcast` primitive (the op layer
 *   inserts it), so kernels never broadcast implicitly.
 * - Reductions keep the reduced axes with size 1 (`keepdims`); the op layer
 *   reshapes when the caller wants them dropped.
 * - Comparison primitives return 1 or 0 in the operands' dtype.
 * - Index lists of `gather` / `scatterAdd` are static parameters (the sparse
 *   structure of a network), not tensors.
 */
export type DType = "float64" | "float32";
export const DTYPES: readonly DType[] = ["float64", "float32"];

export type Shape = readonly number[];

/** Parameters of each primitive, by name. `{}` means none. */
export interface PrimitiveParams {
  // elementwise binary, identical shapes
  add: Record<string, never>;
  sub: Record<string, never>;
  mul: Record<string, never>;
  div: Record<string, never>;
  /** 1 where a > b, else 0 */
  greater: Record<string, never>;
  /** 1 where a == b, else 0 */
  equal: Record<string, never>;
  // elementwise unary
  neg: Record<string, never>;
  exp: Record<string, never>;
  log: Record<string, never>;
  sqrt: Record<string, never>;
  tanh: Record<string, never>;
  /** 1 / (1 + exp(-x)) */
  sigmoid: Record<string, never>;
  /** max(x, 0) */
  relu: Record<string, never>;
  // elementwise ternary: cond != 0 ? a : b (identical shapes)
  select: Record<string, never>;
  /** [n, k] · [k, m] -> [n, m] (rank 2 only) */
  matmul: Record<string, never>;
  /** sum over `axes`, keeping them with size 1 */
  sum: { readonly axes: readonly number[] };
  /** max over `axes`, keeping them with size 1 */
  max: { readonly axes: readonly number[] };
  /** numpy-style broadcast to `shape` (same rank; input dims are 1 or equal) */
  broadcast: { readonly shape: Shape };
  /** same element count, row-major order */
  reshape: { readonly shape: Shape };
  /** output dim i = input dim perm[i] */
  transpose: { readonly perm: readonly number[] };
  /** out[i] = in[begin + i] for each axis, out shape = size */
  slice: { readonly begin: readonly number[]; readonly size: readonly number[] };
  /** concatenate along `axis`; all other dims equal */
  concat: { readonly axis: number };
  /** out[..., j, ...] = in[..., indices[j], ...] along `axis` */
  gather: { readonly axis: number; readonly indices: readonly number[] };
  /** out has `size` along `axis`, zero-filled; out[..., indices[j], ...] += in[..., j, ...] */
  scatterAdd: { readonly axis: number; readonly indices: readonly number[]; readonly size: number };
  /** no inputs: a tensor of `shape` filled with `value` */
  fill: { readonly shape: Shape; readonly value: number; readonly dtype: DType };
  /** convert to another dtype */
  cast: { readonly dtype: DType };
}

export type PrimitiveName = keyof PrimitiveParams;

export const UNARY_ELEMENTWISE = ["neg", "exp", "log", "sqrt", "tanh", "sigmoid", "relu"] as const;
export const BINARY_ELEMENTWISE = ["add", "sub", "mul", "div", "greater", "equal"] as const;
export type UnaryElementwise = (typeof UNARY_ELEMENTWISE)[number];
export type BinaryElementwise = (typeof BINARY_ELEMENTWISE)[number];

/**
 * How many tensor inputs each primitive takes (`concat`: any number ≥ 1).
 * Keyed by every `PrimitiveName`, so a primitive added to `PrimitiveParams`
 * without an entry here does not compile; `PRIMITIVE_NAMES` is derived from
 * its keys.
 */
export const PRIMITIVE_ARITY: { readonly [P in PrimitiveName]: number | "variadic" } = {
  add: 2,
  sub: 2,
  mul: 2,
  div: 2,
  greater: 2,
  equal: 2,
  neg: 1,
  exp: 1,
  log: 1,
  sqrt: 1,
  tanh: 1,
  sigmoid: 1,
  relu: 1,
  select: 3,
  matmul: 2,
  sum: 1,
  max: 1,
  broadcast: 1,
  reshape: 1,
  transpose: 1,
  slice: 1,
  concat: "variadic",
  gather: 1,
  scatterAdd: 1,
  fill: 0,
  cast: 1,
};

/**
 * Every primitive, in the order of `PRIMITIVE_ARITY` (the list the backend
 * conformance suite loops over): derived from the arity table, so a new
 * primitive cannot be left out of it.
 */
export const PRIMITIVE_NAMES: readonly PrimitiveName[] = Object.freeze(
  Object.keys(PRIMITIVE_ARITY) as PrimitiveName[],
);
