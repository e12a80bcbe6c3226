/**
 * A compressor's description as two models of their own: the encoder (its
 * description without the decoder: rows in, codes out) and the decoder
 * (codes in, rows out in raw units). What binds, exports and differentiates
 * each half separately uses these.
 */
import type { ModelDescription } from "../model/description.js";

function compression(d: ModelDescription) {
  if (!d.compression) throw new TypeError("the model is not a compressor");
  return d.compression;
}

/** The encoder: the description's own network, from the rows to the codes. */
export function encoderDescription(d: ModelDescription): ModelDescription {
  compression(d);
  const { compression: _decoder, ...encoder } = d;
  return encoder;
}

/** The decoder: codes (used as they are) in, the columns out, mapped back by the input normalisation. */
export function decoderDescription(d: ModelDescription): ModelDescription {
  const { decoder, decoderWeights } = compression(d);
  const c = d.structure.outputs;
  return {
    structure: decoder,
    weights: decoderWeights,
    inputNormalization: { shift: new Float64Array(c), scale: new Float64Array(c).fill(1) },
    outputNormalization: d.inputNormalization,
    inputNames: Array.from({ length: c }, (_, j) => `code${j + 1}`),
    outputNames: d.inputNames,
  };
}
