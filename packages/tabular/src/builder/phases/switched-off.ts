/**
 * Removal of switched-off links: the links of every weight group whose
 * prior the evidence has switched off in the chosen model (β at BETA_MAX:
 * training pins their weights near 0, so they cost weights and compute
 * nothing) are removed and the rest retrained; the smaller model replaces
 * the chosen one when rules.ts `simplificationKept` says so.
 */
import { connectedInputs } from "../../network/structure.js";
import { SEARCH_FIT } from "../fit.js";
import { linksOfInput, removeLinks, type WeightedNetwork } from "../network-edit.js";
import { type Beta, fullBeta, weightGroups } from "../prior.js";
import { simplificationKept } from "../rules.js";
import { BETA_MAX, throwIfAborted } from "../train.js";
import { type FinishingPhase, networkOf } from "./context.js";

/**
 * Links of the weight groups whose β is at BETA_MAX. With `keepInputs`, an
 * input whose links are all switched off keeps them (it must stay
 * connected). Never every link of the network.
 */
export function switchedOffLinks(network: WeightedNetwork, beta: Beta, keepInputs: boolean): number[] {
  const s = network.structure;
  const full = fullBeta(beta);
  const groups = weightGroups(s);
  const off = new Set<number>();
  s.links.forEach((_, i) => {
    if (full[groups[i]] >= BETA_MAX) off.add(i);
  });
  if (keepInputs) {
    for (const input of connectedInputs(s)) {
      const links = linksOfInput(network, input);
      if (links.every((q) => off.has(q))) for (const q of links) off.delete(q);
    }
  }
  return off.size === s.links.length ? [] : [...off];
}

export const dropSwitchedOff: FinishingPhase = async (ctx, chosen) => {
  const network = networkOf(chosen);
  const drop = switchedOffLinks(network, chosen.beta, !ctx.disconnectInputsIfPossible);
  if (drop.length === 0) return chosen;
  throwIfAborted(ctx.signal);
  const trained = await ctx.trainer.fit(removeLinks(network, drop), chosen.beta, SEARCH_FIT);
  if (!simplificationKept(trained, chosen.logEvidence)) return chosen;
  return ctx.record.accept(trained, "switched-off");
};
