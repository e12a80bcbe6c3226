/**
 * The one strided copy behind broadcast, transpose and slice: writes, in
 * row-major order of `dims`, src[offset + Σ index[i]·strides[i]] into dst.
 */
import { type HostArray, sizeOf } from "@neureco/core";
import { collapseWalk } from "./shape.js";

const TILE = 32;

/** dst[j·rows + i] = src[offset + i·cols + j]: a blocked transpose of a rows×cols matrix. */
function transpose2d(src: HostArray, offset: number, rows: number, cols: number, dst: HostArray): void {
  for (let i0 = 0; i0 < rows; i0 += TILE) {
    const iEnd = Math.min(i0 + TILE, rows);
    for (let j0 = 0; j0 < cols; j0 += TILE) {
      const jEnd = Math.min(j0 + TILE, cols);
      for (let i = i0; i < iEnd; i++) {
        const rowStart = offset + i * cols;
        for (let j = j0; j < jEnd; j++) dst[j * rows + i] = src[rowStart + j];
      }
    }
  }
}

export function stridedCopyImpl(
  src: HostArray,
  offset: number,
  dims: readonly number[],
  strides: readonly number[],
  dst: HostArray,
): void {
  const total = sizeOf(dims);
  if (total === 0) return;
  const walk = collapseWalk(dims, strides);
  const rank = walk.dims.length;
  if (rank === 0) {
    dst[0] = src[offset];
    return;
  }
  // Rank-2 transpose: dst is cols×rows, src is rows×cols.
  if (rank === 2 && walk.strides[0] === 1 && walk.strides[1] === walk.dims[0]) {
    transpose2d(src, offset, walk.dims[1], walk.dims[0], dst);
    return;
  }
  const inner = walk.dims[rank - 1];
  const innerStride = walk.strides[rank - 1];
  const sameType = src.constructor === dst.constructor;
  const counter = new Int32Array(rank);
  let srcOffset = offset;
  for (let o = 0; o < total; o += inner) {
    if (innerStride === 1) {
      if (sameType) dst.set(src.subarray(srcOffset, srcOffset + inner), o);
      else for (let j = 0; j < inner; j++) dst[o + j] = src[srcOffset + j];
    } else if (innerStride === 0) {
      dst.fill(src[srcOffset], o, o + inner);
    } else {
      for (let j = 0, s = srcOffset; j < inner; j++, s += innerStride) dst[o + j] = src[s];
    }
    // Advance the odometer over the outer dims.
    for (let d = rank - 2; d >= 0; d--) {
      srcOffset += walk.strides[d];
      if (++counter[d] < walk.dims[d]) break;
      srcOffset -= walk.strides[d] * walk.dims[d];
      counter[d] = 0;
    }
  }
}
