/**
 * The structure of a network at the level of individual links. Neurons are
 * numbered: inputs 0 … m−1, hidden neurons m … m+h−1 (in an order where every
 * link goes from a lower to a higher number), outputs m+h … m+h+k−1. Any
 * neuron may take any input or earlier hidden neuron; an input with no
 * outgoing link is disconnected. Hidden neurons apply tanh, outputs are
 * linear.
 *
 * The weight vector is [one weight per link, in `links` order; one bias per
 * hidden neuron; one bias per output]: exactly the trainable parameters.
 */
export interface NetworkStructure {
  readonly inputs: number;
  readonly hidden: number;
  readonly outputs: number;
  /** [from, to] neuron numbers. */
  readonly links: readonly (readonly [number, number])[];
}

export class NetworkStructureError extends Error {
  override name = "NetworkStructureError";
}

export function weightCount(s: NetworkStructure): number {
  return s.links.length + s.hidden + s.outputs;
}

export function neuronCount(s: NetworkStructure): number {
  return s.inputs + s.hidden + s.outputs;
}

/** Throws a NetworkStructureError naming the first problem found. */
export function validateStructure(s: NetworkStructure): void {
  for (const [key, v] of [
    ["inputs", s.inputs],
    ["hidden", s.hidden],
    ["outputs", s.outputs],
  ] as const) {
    if (!Number.isInteger(v) || v < 0)
      throw new NetworkStructureError(`network: ${key} must be a non-negative integer, got ${v}`);
  }
  if (s.inputs < 1 || s.outputs < 1)
    throw new NetworkStructureError("network: needs at least one input and one output");
  const firstOutput = s.inputs + s.hidden;
  const seen = new Set<string>();
  s.links.forEach(([from, to], i) => {
    const where = `network: link ${i} (${from} → ${to})`;
    if (!Number.isInteger(from) || !Number.isInteger(to))
      throw new NetworkStructureError(`${where} has a non-integer end`);
    if (from < 0 || from >= firstOutput)
      throw new NetworkStructureError(`${where} starts at neither an input nor a hidden neuron`);
    if (to < s.inputs || to >= firstOutput + s.outputs)
      throw new NetworkStructureError(`${where} ends at neither a hidden neuron nor an output`);
    if (from >= to) throw new NetworkStructureError(`${where} goes backwards`);
    const key = `${from},${to}`;
    if (seen.has(key)) throw new NetworkStructureError(`${where} is duplicated`);
    seen.add(key);
  });
}

/**
 * Neurons grouped so that each group depends only on earlier groups: the
 * forward pass is one batched step per group, not one per link or per row.
 */
export interface LayerPlan {
  /** Neuron numbers computed in this step (hidden neurons, or the outputs in the last step). */
  readonly neurons: readonly number[];
  /** Indices into the weight vector of this step's links, in the order below. */
  readonly weightIndices: readonly number[];
  /** For each link: column of its source in the activations computed so far. */
  readonly sourceColumns: readonly number[];
  /** For each link: position of its destination within `neurons`. */
  readonly targetPositions: readonly number[];
  /** Indices into the weight vector of the biases of `neurons`. */
  readonly biasIndices: readonly number[];
  /** True for the output step (linear), false for hidden steps (tanh). */
  readonly isOutput: boolean;
}

/**
 * Plans the forward pass. Hidden neurons go in steps by depth (inputs have
 * depth 0, a neuron one more than its deepest source); outputs come last. The
 * activation matrix grows by one block of columns per step: inputs first,
 * then each step's neurons in order.
 */
export function planLayers(s: NetworkStructure): LayerPlan[] {
  validateStructure(s);
  const total = neuronCount(s);
  const firstOutput = s.inputs + s.hidden;
  const incoming: number[][] = Array.from({ length: total }, () => []);
  s.links.forEach(([, to], i) => incoming[to].push(i));
  const depth = new Int32Array(total);
  for (let n = s.inputs; n < firstOutput; n++) {
    for (const li of incoming[n]) depth[n] = Math.max(depth[n], depth[s.links[li][0]] + 1);
    depth[n] = Math.max(depth[n], 1);
  }
  // Neurons of each depth, in increasing number; one pass, no spread over the
  // hidden neurons (a call's arguments overflow the stack at ~100,000), and
  // linear in their count even for a chain of one neuron per depth.
  const byDepth: number[][] = [];
  for (let n = s.inputs; n < firstOutput; n++) {
    const d = depth[n];
    while (byDepth.length <= d) byDepth.push([]);
    byDepth[d].push(n);
  }
  const column = new Int32Array(total).fill(-1);
  for (let i = 0; i < s.inputs; i++) column[i] = i;
  let nextColumn = s.inputs;
  const steps: LayerPlan[] = [];
  const plan = (neurons: number[], isOutput: boolean) => {
    const weightIndices: number[] = [];
    const sourceColumns: number[] = [];
    const targetPositions: number[] = [];
    neurons.forEach((n, pos) => {
      for (const li of incoming[n]) {
        weightIndices.push(li);
        sourceColumns.push(column[s.links[li][0]]);
        targetPositions.push(pos);
      }
    });
    const biasIndices = neurons.map((n) => s.links.length + (n - s.inputs));
    steps.push({ neurons, weightIndices, sourceColumns, targetPositions, biasIndices, isOutput });
    for (const n of neurons) column[n] = nextColumn++;
  };
  for (let d = 1; d < byDepth.length; d++) if (byDepth[d].length) plan(byDepth[d], false);
  plan(
    Array.from({ length: s.outputs }, (_, k) => firstOutput + k),
    true,
  );
  return steps;
}

/** Inputs with at least one outgoing link. */
export function connectedInputs(s: NetworkStructure): number[] {
  const used = new Set(s.links.filter(([from]) => from < s.inputs).map(([from]) => from));
  return [...used].sort((a, b) => a - b);
}
