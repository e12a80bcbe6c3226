/**
 * Selection: which recorded model the finishing phases start from.
 * `selectByEvidence` applies rules.ts `selectModel` to every model accepted
 * (those of a resumed checkpoint included; a classifier's by its validation
 * log-likelihood); with `freezeStructure`,
 * `selectLast` takes the retrained model.
 */
import { selectModel } from "../rules.js";
import type { SelectPhase } from "./context.js";

export const selectByEvidence: SelectPhase = (ctx) =>
  selectModel(
    ctx.record.models,
    ctx.linksMaximumNumber,
    ctx.likelihood === "categorical" ? ctx.trainer.validationRows : undefined,
  );

export const selectLast: SelectPhase = (ctx) => {
  const models = ctx.record.models;
  if (models.length === 0) throw new Error("buildModel: no model to select (the record is empty)");
  return models[models.length - 1];
};
