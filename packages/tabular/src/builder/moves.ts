/**
 * The moves of the structural search: new hidden neurons to try, and which
 * links or inputs matter least (Optimal Brain Surgeon saliencies from the
 * Gauss–Newton matrix H = JᵀJ + βI of the trained network).
 */
import type { Matrix } from "../matrix.js";
import { connectedInputs } from "../network/structure.js";
import type { TrainedNetwork } from "./fit.js";
import { addProduct, cholesky, choleskyInverse, euclideanNorm, leadingEigenvectors } from "./linalg.js";
import { addHiddenNeuron, linksOfInput, type WeightedNetwork } from "./network-edit.js";
import { normalDraw, type Random } from "./random.js";

/** Input weights of a new neuron: normal, scaled so the pre-activation spans about ±1 on normalised inputs. */
function inputWeight(random: Random, fanIn: number): number {
  return normalDraw(random) * Math.sqrt(3 / Math.max(fanIn, 1));
}

/**
 * `count` networks, each the given one plus a new tanh neuron reading every
 * connected input and feeding every output. Its input weights are random
 * (`inputWeight`), its bias uniform in [−1, 1], its output weights 0, so the
 * network starts at the trained one's fit: the first Levenberg–Marquardt
 * step solves the output weights as a linear fit on the new neuron's
 * values, after which its input weights have a gradient.
 */
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
 * Share of the trace of Σ_j M_j² below which a direction's curvature is
 * noise: `curvatureDirections` returns no direction past it.
 */
export const NEGLIGIBLE_CURVATURE = 1e-3;

/**
 * Directions of the connected inputs along which the residuals curve, most
 * curved first: principal Hessian directions (Li, 1992) of the residuals.
 * For output j, M_j = (1/n)·Σ_i r_ij·(x_i − x̄)(x_i − x̄)ᵀ is the average
 * Hessian of the residual's regression on the inputs (Stein's lemma, for
 * Gaussian inputs); the directions are the top eigenvectors of Σ_j M_j²,
 * found by power iteration (linalg.ts `leadingEigenvectors`). A new neuron started along one reads the inputs
 * the network misses, where a random direction among many inputs mostly
 * reads noise. Unit vectors over `inputs`; fewer than `count` when the
 * residuals show no curvature.
 */
export function curvatureDirections(
  x: Matrix,
  residuals: Float64Array,
  outputs: number,
  inputs: readonly number[],
  count: number,
): Float64Array[] {
  const [n, m] = x.shape;
  const d = inputs.length;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) mean[a] += x.data[i * m + inputs[a]] / n;
  const s = new Float64Array(d * d);
  const mj = new Float64Array(d * d);
  const xc = new Float64Array(d);
  for (let j = 0; j < outputs; j++) {
    mj.fill(0);
    for (let i = 0; i < n; i++) {
      const r = residuals[i * outputs + j] / n;
      for (let a = 0; a < d; a++) xc[a] = x.data[i * m + inputs[a]] - mean[a];
      for (let a = 0; a < d; a++) {
        const ra = r * xc[a];
        for (let b = 0; b < d; b++) mj[a * d + b] += ra * xc[b];
      }
    }
    addProduct(s, mj, mj, d);
  }
  return leadingEigenvectors(s, d, count, NEGLIGIBLE_CURVATURE);
}

/** Where |tanh''| is largest: tanh(b) = 1/√3. */
const MOST_CURVED_BIAS = Math.atanh(1 / Math.sqrt(3));

/**
 * The network plus a new neuron along each direction (see
 * `curvatureDirections`), reading at most `maxSources` inputs: those with
 * the largest components of v, when a neuron reading all would not fit the
 * weight budget. Input weights √3·v (v renormalised over the inputs read),
 * so the pre-activation has the spread of a random neuron's; bias
 * ±atanh(1/√3), of random sign, where tanh curves most (a neuron centred on
 * the data's mean would be odd in v·x, blind to a curvature that is even in
 * it); output weights 0.
 */
export function directedCandidates(
  network: WeightedNetwork,
  directions: readonly Float64Array[],
  random: Random,
  maxSources = Number.POSITIVE_INFINITY,
): WeightedNetwork[] {
  const inputs = connectedInputs(network.structure);
  return directions.map((v) => {
    const read = inputs
      .map((input, a) => ({ input, component: v[a] }))
      .sort((p, q) => Math.abs(q.component) - Math.abs(p.component) || p.input - q.input)
      .slice(0, Math.max(1, maxSources))
      .sort((p, q) => p.input - q.input);
    // v is a unit vector; renormalise only what was cut.
    const norm = read.length < inputs.length ? euclideanNorm(read.map((r) => r.component)) : 1;
    return addHiddenNeuron(network, {
      sources: read.map(({ input, component }) => ({
        from: { kind: "input", index: input } as const,
        weight: (Math.sqrt(3) * component) / norm,
      })),
      bias: (random() < 0.5 ? -1 : 1) * MOST_CURVED_BIAS,
      outputWeights: new Array(network.structure.outputs).fill(0),
    });
  });
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
