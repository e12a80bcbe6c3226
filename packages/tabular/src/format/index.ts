export { crc32 } from "./crc32.js";
export { EDNN_MAGIC, EDNN_VERSION, EdnnFormatError, EdnnKind, decodeEdnn, encodeEdnn } from "./ednn.js";
export type { DecodedEdnn, EdnnContents, EdnnProblem } from "./ednn.js";
