/**
 * The moves of the structural search: new hidden neurons to try, and which
 * links or inputs matter least (Optimal Brain Surgeon saliencies from the
 * Gauss–Newton matrix H = JᵀJ + βI of the trained network).
 */
import { connectedInputs } from "../network/structure.js";
import type { TrainedNetwork } from "./fit.js";
import { cholesky, choleskyInverse } from "./linalg.js";
import { addHiddenNeuron, linksOfInput, type WeightedNetwork } from "./network-edit.js";
import { normalDraw, type Random } from "./random.js";

/**
 * `count` networks, each the given one plus a new tanh neuron reading every
 * connected input and feeding every output. Its input weights are random,
 * scaled so the pre-activation spans about ±1 on normalised inputs; its
 * output weights start at ± the residual RMS of each output: small enough to
 * start near the trained network's fit, not 0 (where the new neuron's input
 * weights would have no gradient and training would stall).
 */
/** Input weights of a new neuron: normal, scaled so the pre-activation spans about ±1 on normalised inputs. */
function inputWeight(random: Random, fanIn: number): number {
  return normalDraw(random) * Math.sqrt(3 / Math.max(fanIn, 1));
}

export function growthCandidates(network: WeightedNetwork, count: number, random: Random): WeightedNetwork[] {
  const inputs = connectedInputs(network.structure);
  const fanIn = Math.max(inputs.length, 1);
  const out: WeightedNetwork[] = [];
  for (let c = 0; c < count; c++) {
    const sources = inputs.map((i) => ({
      from: { kind: "input", index: i } as const,
      weight: inputWeight(random, fanIn),
    }));
    const bias = 2 * random() - 1;
    out.push(
      addHiddenNeuron(network, {
        sources,
        bias,
        outputWeights: new Array(network.structure.outputs).fill(0),
      }),
    );
  }
  return out;
}

/**
 * The same structure with fresh weights, drawn as for a new neuron: random
 * links into hidden neurons and hidden biases, links into outputs and output
 * biases 0 (the first Levenberg–Marquardt step solves them as a linear fit).
 */
export function freshWeights(network: WeightedNetwork, random: Random): WeightedNetwork {
  const s = network.structure;
  const firstOutput = s.inputs + s.hidden;
  const fanIn = new Array<number>(s.hidden).fill(0);
  for (const [, to] of s.links) if (to < firstOutput) fanIn[to - s.inputs]++;
  const w = new Float64Array(network.weights.length);
  s.links.forEach(([, to], i) => {
    if (to < firstOutput) w[i] = inputWeight(random, fanIn[to - s.inputs]);
  });
  for (let h = 0; h < s.hidden; h++) w[s.links.length + h] = 2 * random() - 1;
  return { structure: s, weights: w };
}

function inverseHessian(t: TrainedNetwork): Float64Array | null {
  const p = t.network.weights.length;
  const h = t.jtj.slice();
  for (let i = 0; i < p; i++) h[i * p + i] += Math.max(t.penalty[i], 1e-10);
  const l = cholesky(h, p);
  return l ? choleskyInverse(l, p) : null;
}

/** OBS saliency w_q² / (2·[H⁻¹]_qq) of every link (biases are never pruned), ascending, as link positions. */
export function linksBySaliency(t: TrainedNetwork): { position: number; saliency: number }[] {
  const links = t.network.structure.links.length;
  const p = t.network.weights.length;
  const inv = inverseHessian(t);
  const w = t.network.weights;
  const out: { position: number; saliency: number }[] = [];
  for (let q = 0; q < links; q++) {
    // Without an inverse (should not happen: H is regularised), fall back to OBD with H ≈ diag(JᵀJ).
    const saliency = inv ? (w[q] * w[q]) / (2 * inv[q * p + q]) : 0.5 * w[q] * w[q] * t.jtj[q * p + q];
    out.push({ position: q, saliency });
  }
  return out.sort((a, b) => a.saliency - b.saliency || a.position - b.position);
}

/**
 * Group OBS saliency of removing all links of each connected input:
 * ½·w_Eᵀ·([H⁻¹]_EE)⁻¹·w_E. Ascending.
 */
export function inputsBySaliency(t: TrainedNetwork): { input: number; saliency: number }[] {
  const p = t.network.weights.length;
  const inv = inverseHessian(t);
  const w = t.network.weights;
  const out: { input: number; saliency: number }[] = [];
  for (const input of connectedInputs(t.network.structure)) {
    const e = linksOfInput(t.network, input);
    const k = e.length;
    let saliency = 0;
    if (inv) {
      const block = new Float64Array(k * k);
      for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) block[a * k + b] = inv[e[a] * p + e[b]];
      const l = cholesky(block, k);
      if (l) {
        const blockInv = choleskyInverse(l, k);
        for (let a = 0; a < k; a++)
          for (let b = 0; b < k; b++) saliency += 0.5 * w[e[a]] * blockInv[a * k + b] * w[e[b]];
      }
    }
    out.push({ input, saliency });
  }
  return out.sort((a, b) => a.saliency - b.saliency || a.input - b.input);
}
