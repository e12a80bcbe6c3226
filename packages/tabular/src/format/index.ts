export { crc32 } from "./crc32.js";
export type { DecodedEdnn, EdnnContents, EdnnProblem } from "./ednn.js";
export { decodeEdnn, EDNN_MAGIC, EDNN_VERSION, EdnnFormatError, EdnnKind, encodeEdnn } from "./ednn.js";
