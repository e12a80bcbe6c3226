/**
 * The options of `Classifier.build`: the Regressor's (regressor/build-options.ts)
 * with class labels for outputs. The labels become class indicators and
 * the request the Regressor's validation makes, with a categorical
 * likelihood.
 */
import type { BuildOptions, BuildRequest } from "../regressor/build-options.js";
import { validateBuildOptions } from "../regressor/build-options.js";
import { classesOf, classIndicators, classIndices, type Label, labelTexts } from "./labels.js";

/** Options that describe real-valued outputs, which a classifier does not have. */
const REGRESSION_ONLY = [
  "outputNames",
  "outputsShifting",
  "outputsScaling",
  "outputsNormalizePerFeature",
] as const;

export interface ClassifierBuildOptions
  extends Omit<BuildOptions, "outputData" | "validationOutputData" | (typeof REGRESSION_ONLY)[number]> {
  /** The class label of every row of `inputData` (strings or numbers). */
  readonly outputData: readonly Label[];
  /** The labels of `validationInputData`'s rows: classes of `outputData` only. */
  readonly validationOutputData?: readonly Label[];
  /** The name of the label column, kept with the model (default none). */
  readonly labelName?: string;
}

export interface ClassifierBuildRequest extends BuildRequest {
  /** The class names, sorted (see labels.ts `classesOf`). */
  readonly classes: readonly string[];
  readonly labelName: string;
}

const where = "build";

export function validateClassifierBuildOptions(options: ClassifierBuildOptions): ClassifierBuildRequest {
  if (options === null || typeof options !== "object") {
    throw new TypeError(`${where}: expected an options object with at least inputData and outputData`);
  }
  for (const key of REGRESSION_ONLY) {
    if (key in options) {
      throw new TypeError(
        `${where}: ${key} does not apply to a classifier (its outputs are the classes' probabilities)`,
      );
    }
  }
  const { outputData, validationOutputData, labelName, ...rest } = options;
  if (outputData === undefined) throw new TypeError(`${where}: outputData (the class labels) is required`);
  if (labelName !== undefined && typeof labelName !== "string")
    throw new TypeError(`${where}: labelName must be a string`);
  const texts = labelTexts(outputData, "outputData");
  const classes = classesOf(texts, "outputData");
  const y = classIndicators(classIndices(texts, classes, "outputData"), classes.length);
  const validation =
    validationOutputData === undefined
      ? {}
      : {
          validationOutputData: classIndicators(
            classIndices(
              labelTexts(validationOutputData, "validationOutputData"),
              classes,
              "validationOutputData",
            ),
            classes.length,
          ),
        };
  const request = validateBuildOptions({ ...rest, outputData: y, ...validation });
  return {
    ...request,
    input: { ...request.input, likelihood: "categorical" },
    classes,
    labelName: labelName ?? "",
  };
}
