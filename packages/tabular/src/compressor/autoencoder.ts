/**
 * The network of a compressor: an encoder (m inputs → c codes) and a
 * decoder (c codes → the m inputs back), each a network of
 * network/structure.ts with linear outputs, and h tanh neurons each beside
 * their linear part:
 *
 *   encoder  inputs → codes, inputs → hidden, hidden → codes
 *   decoder  codes → outputs, codes → hidden, hidden → outputs
 *
 * With h = 0 it is linear: principal component analysis when its weights
 * are the components (pca.ts). The builder trains the two as one function
 * of one weight vector, [encoder weights, decoder weights], in normalised
 * units (the codes have no normalisation of their own).
 */
import { slice, type Tensor } from "@neureco/core";
import type { TrainableFunction } from "../builder/objective.js";
import { type PriorMetric, type WeightPrior, weightPrior } from "../builder/prior.js";
import { normalDraw, type Random } from "../builder/random.js";
import { networkFunction } from "../network/forward.js";
import { type NetworkStructure, weightCount } from "../network/structure.js";
import type { PrincipalComponents } from "./pca.js";

export interface AutoencoderShape {
  /** Columns of the data, m. */
  readonly columns: number;
  /** Code size, c. */
  readonly code: number;
  /** tanh neurons in the encoder and in the decoder, h each. */
  readonly hidden: number;
}

export interface Autoencoder {
  readonly encoder: NetworkStructure;
  readonly decoder: NetworkStructure;
}

/**
 * The blocks of a network of two linear layers beside a tanh layer, from
 * `a` sources to `b` targets through h neurons, row-major: direct (a × b),
 * into hidden (a × h), out of hidden (h × b), hidden biases (h), target
 * biases (b). Its weight vector is these blocks in this order, the link
 * order of `twoPathStructure`.
 */
interface Blocks {
  readonly direct: Float64Array;
  readonly intoHidden: Float64Array;
  readonly outOfHidden: Float64Array;
  readonly hiddenBias: Float64Array;
  readonly targetBias: Float64Array;
}

function twoPathStructure(sources: number, hidden: number, targets: number): NetworkStructure {
  const links: [number, number][] = [];
  const firstTarget = sources + hidden;
  for (let i = 0; i < sources; i++) for (let j = 0; j < targets; j++) links.push([i, firstTarget + j]);
  for (let i = 0; i < sources; i++) for (let k = 0; k < hidden; k++) links.push([i, sources + k]);
  for (let k = 0; k < hidden; k++)
    for (let j = 0; j < targets; j++) links.push([sources + k, firstTarget + j]);
  return { inputs: sources, hidden, outputs: targets, links };
}

function packBlocks(b: Blocks): Float64Array {
  const out = new Float64Array(
    b.direct.length + b.intoHidden.length + b.outOfHidden.length + b.hiddenBias.length + b.targetBias.length,
  );
  let at = 0;
  for (const block of [b.direct, b.intoHidden, b.outOfHidden, b.hiddenBias, b.targetBias]) {
    out.set(block, at);
    at += block.length;
  }
  return out;
}

function unpackBlocks(w: Float64Array, sources: number, hidden: number, targets: number): Blocks {
  let at = 0;
  const take = (length: number) => {
    const block = w.slice(at, at + length);
    at += length;
    return block;
  };
  return {
    direct: take(sources * targets),
    intoHidden: take(sources * hidden),
    outOfHidden: take(hidden * targets),
    hiddenBias: take(hidden),
    targetBias: take(targets),
  };
}

export function autoencoder(shape: AutoencoderShape): Autoencoder {
  const { columns: m, code: c, hidden: h } = shape;
  return { encoder: twoPathStructure(m, h, c), decoder: twoPathStructure(c, h, m) };
}

export function autoencoderWeightCount(shape: AutoencoderShape): number {
  const { encoder, decoder } = autoencoder(shape);
  return weightCount(encoder) + weightCount(decoder);
}

/**
 * The linear autoencoder of the c leading principal components: code_j =
 * v_jᵀ(x − μ)/√λ_j (unit variance on the rows the components come from),
 * x̂ = μ + Σ_j √λ_j·v_j·code_j.
 */
export function pcaWeights(pca: PrincipalComponents, code: number): Float64Array {
  const m = pca.mean.length;
  const encoder: Blocks = {
    direct: new Float64Array(m * code),
    intoHidden: new Float64Array(0),
    outOfHidden: new Float64Array(0),
    hiddenBias: new Float64Array(0),
    targetBias: new Float64Array(code),
  };
  const decoder: Blocks = {
    direct: new Float64Array(code * m),
    intoHidden: new Float64Array(0),
    outOfHidden: new Float64Array(0),
    hiddenBias: new Float64Array(0),
    targetBias: pca.mean.slice(),
  };
  for (let j = 0; j < code; j++) {
    const v = pca.components[j];
    const sd = Math.sqrt(pca.variances[j]);
    for (let i = 0; i < m; i++) {
      encoder.direct[i * code + j] = v[i] / sd;
      encoder.targetBias[j] -= (v[i] * pca.mean[i]) / sd;
      decoder.direct[j * m + i] = v[i] * sd;
    }
  }
  return Float64Array.from([...packBlocks(encoder), ...packBlocks(decoder)]);
}

/** Standard deviation of the outgoing weights of new tanh neurons: small, so that the network starts where it was. */
const NEW_NEURON_OUTPUT_SD = 0.01;

/**
 * The weights of `shape` grown by `added` tanh neurons in the encoder and in
 * the decoder: the old weights kept, the new neurons' incoming weights
 * drawn N(0, 1/fan-in), their outgoing weights N(0, NEW_NEURON_OUTPUT_SD²).
 */
export function grownWeights(
  shape: AutoencoderShape,
  weights: Float64Array,
  added: number,
  random: Random,
): Float64Array {
  const { columns: m, code: c, hidden: h } = shape;
  const pe = weightCount(autoencoder(shape).encoder);
  const grow = (w: Float64Array, sources: number, targets: number): Float64Array => {
    const b = unpackBlocks(w, sources, h, targets);
    const next = h + added;
    const intoHidden = new Float64Array(sources * next);
    for (let i = 0; i < sources; i++)
      for (let k = 0; k < next; k++)
        intoHidden[i * next + k] =
          k < h ? b.intoHidden[i * h + k] : normalDraw(random) / Math.sqrt(Math.max(sources, 1));
    const outOfHidden = new Float64Array(next * targets);
    outOfHidden.set(b.outOfHidden);
    for (let v = h * targets; v < next * targets; v++)
      outOfHidden[v] = NEW_NEURON_OUTPUT_SD * normalDraw(random);
    const hiddenBias = new Float64Array(next);
    hiddenBias.set(b.hiddenBias);
    return packBlocks({ direct: b.direct, intoHidden, outOfHidden, hiddenBias, targetBias: b.targetBias });
  };
  const encoder = grow(weights.subarray(0, pe), m, c);
  const decoder = grow(weights.subarray(pe), c, m);
  return Float64Array.from([...encoder, ...decoder]);
}

/** x ↦ x̂ = decoder(encoder(x)) as one function of the weights [encoder, decoder]. */
export function reconstruction(net: Autoencoder): TrainableFunction {
  const pe = weightCount(net.encoder);
  const pd = weightCount(net.decoder);
  const encode = networkFunction(net.encoder);
  const decode = networkFunction(net.decoder);
  const part = (w: Tensor, from: number, length: number) => slice(w, [0, from], [w.shape[0], length]);
  return {
    f: (w, x) => decode(part(w, pe, pd), encode(part(w, 0, pe), x)),
    weightCount: pe + pd,
  };
}

/**
 * The weights' prior: each half's groups and scales (prior.ts), the
 * encoder's outputs being codes of unit variance, the decoder's inputs too.
 */
export function autoencoderPrior(net: Autoencoder, metric: PriorMetric): WeightPrior {
  const c = net.encoder.outputs;
  const encoder = weightPrior(net.encoder, { inputVariance: metric.inputVariance, outputVariance: 1 });
  const decoder = weightPrior(net.decoder, {
    inputVariance: Array.from({ length: c }, () => 1),
    outputVariance: metric.outputVariance,
  });
  return {
    groups: Int8Array.from([...encoder.groups, ...decoder.groups]),
    scales: Float64Array.from([...encoder.scales, ...decoder.scales]),
  };
}
