/**
 * Structural edits of a network with its weights: add a hidden neuron,
 * remove links or inputs, drop neurons left without inputs or outputs.
 *
 * Edits go through an editable form in which hidden neurons are a list
 * (each may only take inputs and earlier hidden neurons) and links name
 * their ends by kind and index, so no renumbering is done by hand. The order
 * of the links is kept, so weight i of the result is link i of `links`.
 */
import type { NetworkStructure } from "../network/structure.js";

export interface Endpoint {
  readonly kind: "input" | "hidden" | "output";
  readonly index: number;
}

export interface EditableLink {
  readonly from: Endpoint;
  readonly to: Endpoint;
  readonly weight: number;
}

export interface EditableNetwork {
  readonly inputs: number;
  readonly outputs: number;
  readonly hiddenBiases: readonly number[];
  readonly outputBiases: readonly number[];
  readonly links: readonly EditableLink[];
}

/** A structure with its weights (layout of network/structure.ts). */
export interface WeightedNetwork {
  readonly structure: NetworkStructure;
  readonly weights: Float64Array;
}

export function toEditable({ structure: s, weights: w }: WeightedNetwork): EditableNetwork {
  const endpoint = (n: number): Endpoint =>
    n < s.inputs
      ? { kind: "input", index: n }
      : n < s.inputs + s.hidden
        ? { kind: "hidden", index: n - s.inputs }
        : { kind: "output", index: n - s.inputs - s.hidden };
  const biasStart = s.links.length;
  return {
    inputs: s.inputs,
    outputs: s.outputs,
    hiddenBiases: Array.from(w.subarray(biasStart, biasStart + s.hidden)),
    outputBiases: Array.from(w.subarray(biasStart + s.hidden, biasStart + s.hidden + s.outputs)),
    links: s.links.map(([from, to], i) => ({ from: endpoint(from), to: endpoint(to), weight: w[i] })),
  };
}

export function fromEditable(e: EditableNetwork): WeightedNetwork {
  const hidden = e.hiddenBiases.length;
  const number = (p: Endpoint): number =>
    p.kind === "input" ? p.index : p.kind === "hidden" ? e.inputs + p.index : e.inputs + hidden + p.index;
  const links = e.links.map((l) => [number(l.from), number(l.to)] as const);
  const weights = Float64Array.from([...e.links.map((l) => l.weight), ...e.hiddenBiases, ...e.outputBiases]);
  return { structure: { inputs: e.inputs, hidden, outputs: e.outputs, links }, weights };
}

/** A network with every input linked to every output, all weights 0. */
export function linearNetwork(
  inputs: number,
  outputs: number,
  connected: readonly number[] = range(inputs),
): WeightedNetwork {
  const links: EditableLink[] = [];
  for (let o = 0; o < outputs; o++) {
    for (const i of connected)
      links.push({ from: { kind: "input", index: i }, to: { kind: "output", index: o }, weight: 0 });
  }
  return fromEditable({ inputs, outputs, hiddenBiases: [], outputBiases: new Array(outputs).fill(0), links });
}

export interface NewNeuron {
  /** Inputs and earlier hidden neurons it reads, with their weights. */
  readonly sources: readonly { readonly from: Endpoint; readonly weight: number }[];
  readonly bias: number;
  /** Weight of its link to each output. */
  readonly outputWeights: readonly number[];
}

/** Appends a hidden neuron (after the existing ones) feeding every output. */
export function addHiddenNeuron(net: WeightedNetwork, neuron: NewNeuron): WeightedNetwork {
  const e = toEditable(net);
  const index = e.hiddenBiases.length;
  const self: Endpoint = { kind: "hidden", index };
  const links = [
    ...e.links,
    ...neuron.sources.map((s) => ({ from: s.from, to: self, weight: s.weight })),
    ...neuron.outputWeights.map((weight, o) => ({
      from: self,
      to: { kind: "output", index: o } as const,
      weight,
    })),
  ];
  return fromEditable({ ...e, hiddenBiases: [...e.hiddenBiases, neuron.bias], links });
}

/** Removes the links at the given positions, then tidies the network (see `removeDeadNeurons`). */
export function removeLinks(net: WeightedNetwork, positions: Iterable<number>): WeightedNetwork {
  const drop = new Set(positions);
  const e = toEditable(net);
  return removeDeadNeurons({ ...e, links: e.links.filter((_, i) => !drop.has(i)) });
}

/** Positions of the links leaving `input`. */
export function linksOfInput(net: WeightedNetwork, input: number): number[] {
  const out: number[] = [];
  net.structure.links.forEach(([from], i) => {
    if (from === input) out.push(i);
  });
  return out;
}

/**
 * Drops hidden neurons that feed nothing, and folds hidden neurons that read
 * nothing (a constant tanh(bias)) into the biases of the neurons they feed,
 * so the function computed is unchanged. Repeats until nothing changes.
 */
export function removeDeadNeurons(start: EditableNetwork): WeightedNetwork {
  let e = start;
  for (;;) {
    const hidden = e.hiddenBiases.length;
    const hasIn = new Array(hidden).fill(false);
    const hasOut = new Array(hidden).fill(false);
    for (const l of e.links) {
      if (l.to.kind === "hidden") hasIn[l.to.index] = true;
      if (l.from.kind === "hidden") hasOut[l.from.index] = true;
    }
    const dead = range(hidden).find((h) => !hasIn[h] || !hasOut[h]);
    if (dead === undefined) return fromEditable(e);
    e = removeHidden(e, dead, hasIn[dead] ? null : Math.tanh(e.hiddenBiases[dead]));
  }
}

/** Removes hidden neuron `h`; `constant`, when given, is its value, folded into the biases it fed. */
function removeHidden(e: EditableNetwork, h: number, constant: number | null): EditableNetwork {
  const hiddenBiases = [...e.hiddenBiases];
  const outputBiases = [...e.outputBiases];
  if (constant !== null) {
    for (const l of e.links) {
      if (l.from.kind !== "hidden" || l.from.index !== h) continue;
      if (l.to.kind === "output") outputBiases[l.to.index] += l.weight * constant;
      else hiddenBiases[l.to.index] += l.weight * constant;
    }
  }
  hiddenBiases.splice(h, 1);
  const shift = (p: Endpoint): Endpoint =>
    p.kind === "hidden" && p.index > h ? { kind: "hidden", index: p.index - 1 } : p;
  const links = e.links
    .filter(
      (l) =>
        !(l.from.kind === "hidden" && l.from.index === h) && !(l.to.kind === "hidden" && l.to.index === h),
    )
    .map((l) => ({ from: shift(l.from), to: shift(l.to), weight: l.weight }));
  return { ...e, hiddenBiases, outputBiases, links };
}

export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
