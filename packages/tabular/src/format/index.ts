export { crc32 } from "./crc32.js";
export type { DecodedEdnn, EdnnContents, EdnnPreamble, EdnnProblem } from "./ednn.js";
export {
  decodeEdnn,
  EDNN_MAGIC,
  EDNN_PREAMBLE_BYTES,
  EDNN_VERSION,
  EdnnFormatError,
  EdnnKind,
  encodeEdnn,
  readEdnnPreamble,
} from "./ednn.js";
