import { add, concat, div, gather, mul, scatterAdd, sub, type Tensor, tanh } from "@neureco/core";
import { type LayerPlan, type NetworkStructure, planLayers } from "./structure.js";

/**
 * The network as a function of core tensors, in normalised units:
 * `(w, x) ↦ y` with w of shape (r, p) — r = 1 for shared weights, or r = n
 * to give every row its own copy (then the gradient w.r.t. w is the per-row
 * Jacobian the builder needs) — x (n, m) and y (n, k).
 *
 * Each planned step is a handful of batched primitives: gather the sources
 * of its links, multiply by the link weights, scatter-add into its neurons,
 * add the biases, apply tanh (hidden steps).
 */
export type NetworkFunction = (w: Tensor, x: Tensor) => Tensor;

export function networkFunction(structure: NetworkStructure): NetworkFunction {
  const steps = planLayers(structure);
  return (w, x) => {
    let activations = x;
    let y: Tensor | undefined;
    for (const step of steps) {
      const z = stepPreActivation(step, w, activations);
      if (step.isOutput) y = z;
      else activations = concat([activations, tanh(z)], 1);
    }
    if (!y) throw new Error("network: no output step");
    return y;
  };
}

function stepPreActivation(step: LayerPlan, w: Tensor, activations: Tensor): Tensor {
  const biases = gather(w, step.biasIndices, 1);
  if (step.weightIndices.length === 0) {
    // Neurons with no incoming link: the bias alone, one row per sample.
    return add(mul(gather(activations, [0], 1), 0), biases);
  }
  const sources = gather(activations, step.sourceColumns, 1);
  const weighted = mul(sources, gather(w, step.weightIndices, 1));
  return add(scatterAdd(weighted, step.targetPositions, 1, step.neurons.length), biases);
}

/** Constant row vectors (1, m) of an affine normalisation, on the model's backend. */
export interface NormalizationTensors {
  readonly shift: Tensor;
  readonly scale: Tensor;
}

/**
 * The model in the user's raw units: normalise x, run the network, map y
 * back. Every derivative taken through it is therefore in raw units.
 */
export function rawUnitsFunction(
  network: NetworkFunction,
  inputs: NormalizationTensors,
  outputs: NormalizationTensors,
): NetworkFunction {
  return (w, x) => {
    const xNorm = div(sub(x, inputs.shift), inputs.scale);
    const yNorm = network(w, xNorm);
    return add(mul(yNorm, outputs.scale), outputs.shift);
  };
}
