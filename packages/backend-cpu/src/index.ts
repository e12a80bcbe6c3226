export { cpu } from "./cpu.js";
export { binaryImpl, selectImpl, unaryImpl } from "./impl/elementwise.js";
export { gatherImpl, scatterAddImpl } from "./impl/indexing.js";
export { broadcastImpl, concatImpl, sliceImpl, transposeImpl } from "./impl/layout.js";
export { matmulImpl } from "./impl/matmul.js";
export { type ReduceOp, reduceImpl } from "./impl/reduce.js";
export { stridedCopyImpl } from "./impl/strided-copy.js";
