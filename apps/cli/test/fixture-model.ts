/**
 * A small model for the tests of every command but build: a fixed network
 * (5 inputs, 2 hidden neurons, 1 output, input "sulfur" disconnected) with
 * the biomass normalisation, saved through the library's public API. It
 * keeps those tests independent of the builder's speed and choices.
 */
import { join } from "node:path";
import { computeNormalization, type ModelDescription, Regressor, readCsv } from "@neureco/tabular";

export const FIXTURE_WEIGHTS = [0.8, -0.4, 0.6, 0.3, 1.1, -0.7, 0.25, 0.1, -0.2, 0.05, 0.15];

export async function writeFixtureModel(dir: string): Promise<string> {
  const x = await readCsv(join(dir, "x_train.csv"));
  const y = await readCsv(join(dir, "y_train.csv"));
  const description: ModelDescription = {
    // Neurons: inputs 0-4, hidden 5-6, output 7.
    structure: {
      inputs: 5,
      hidden: 2,
      outputs: 1,
      links: [
        [0, 5],
        [1, 5],
        [2, 6],
        [3, 6],
        [5, 6],
        [5, 7],
        [6, 7],
        [0, 7],
      ],
    },
    weights: Float64Array.from(FIXTURE_WEIGHTS),
    inputNormalization: computeNormalization(x.matrix, { shifting: "min_centered", scaling: "max_centered" }),
    outputNormalization: computeNormalization(y.matrix, { shifting: "mean", scaling: "std" }),
    inputNames: x.columns,
    outputNames: y.columns,
    errors: { training: [0.2], validation: [0.25] },
  };
  return saveModel(description, join(dir, "fixture.ednn"));
}

/**
 * The fixture model with error bars: a posterior of diagonal precision
 * (entry k = 4 + k), noise variance 0.09; written as "with-sd.ednn".
 */
export async function writeFixtureModelWithSd(dir: string): Promise<string> {
  const regressor = new Regressor();
  await regressor.load(await writeFixtureModel(dir));
  const description = regressor.toDescription();
  regressor.delete();
  const p = description.weights.length;
  const factor = new Float64Array((p * (p + 1)) / 2);
  // Diagonal entry k of the packed rows lies at k(k + 1)/2 + k.
  for (let k = 0; k < p; k++) factor[(k * (k + 1)) / 2 + k] = Math.sqrt(4 + k);
  return saveModel(
    { ...description, posterior: { noiseVariance: [0.09], precisionFactor: factor } },
    join(dir, "with-sd.ednn"),
  );
}

/** A linear model with two outputs (no hidden neuron), named HHV and twice. */
export async function writeTwoOutputModel(dir: string): Promise<string> {
  const x = await readCsv(join(dir, "x_train.csv"));
  const description: ModelDescription = {
    // Neurons: inputs 0-4, outputs 5-6.
    structure: {
      inputs: 5,
      hidden: 0,
      outputs: 2,
      links: [
        [0, 5],
        [1, 5],
        [0, 6],
        [2, 6],
      ],
    },
    weights: Float64Array.from([0.5, 0.3, 1.0, -0.4, 0.1, -0.1]),
    inputNormalization: computeNormalization(x.matrix, { shifting: "mean", scaling: "std" }),
    outputNormalization: { shift: Float64Array.from([19, 38]), scale: Float64Array.from([4, 8]) },
    inputNames: x.columns,
    outputNames: ["HHV", "twice"],
  };
  return saveModel(description, join(dir, "two-outputs.ednn"));
}

/** Writes `description` to `path` through the library's public API; returns `path`. */
async function saveModel(description: ModelDescription, path: string): Promise<string> {
  const regressor = Regressor.fromDescription(description);
  await regressor.save(path);
  regressor.delete();
  return path;
}
