import { cpu } from "@neureco/backend-cpu";
import { describe, expect, it } from "vitest";
import { Fitter, SEARCH_FIT, type TrainedNetwork } from "../src/builder/fit.js";
import { growthCandidates } from "../src/builder/moves.js";
import { linearNetwork, type WeightedNetwork } from "../src/builder/network-edit.js";
import { DeviceData } from "../src/builder/objective.js";
import { type Beta, priorMetric } from "../src/builder/prior.js";
import { builderRandom } from "../src/builder/random.js";
import { matrixRows } from "../src/builder/rows.js";
import { Matrix } from "../src/matrix.js";
import { lcg } from "./builder-helpers.js";

const BETA = [0.1, 0.1, 0.1];

function sample(rows: number) {
  const r = lcg(3);
  const x = new Matrix(
    Float64Array.from({ length: rows * 2 }, () => 2 * r() - 1),
    rows,
    2,
  );
  const y = new Matrix(
    Float64Array.from(
      { length: rows },
      (_, i) => Math.tanh(2 * x.data[2 * i] - x.data[2 * i + 1]) + 0.05 * r(),
    ),
    rows,
    1,
  );
  return { x, y };
}

/** A Fitter whose training of `failing` rejects at once, and which counts the trainings that ended. */
class FailingFitter extends Fitter {
  ended = 0;
  failing: WeightedNetwork | null = null;

  override async fit(
    network: WeightedNetwork,
    beta: Beta,
    options: typeof SEARCH_FIT,
  ): Promise<TrainedNetwork> {
    try {
      if (network === this.failing) throw new Error(`training failed after ${this.ended} others ended`);
      return await super.fit(network, beta, options);
    } finally {
      this.ended++;
    }
  }
}

/** Runs `test` with a FailingFitter (failing nothing until told) on 60 rows, then frees the backend. */
async function withFitter(test: (fitter: FailingFitter) => Promise<void>): Promise<void> {
  const backend = cpu();
  const { x, y } = sample(60);
  const data = DeviceData.upload(backend, "float64", matrixRows(x, y));
  try {
    await test(new FailingFitter(backend, "float64", data, null, undefined, priorMetric(matrixRows(x, y))));
  } finally {
    data.dispose();
    backend.destroy();
  }
}

describe("Fitter.fitAll", () => {
  it("trains each network as fit does, and returns them in the order given", () =>
    withFitter(async (fitter) => {
      const networks = growthCandidates(linearNetwork(2, 1), 3, builderRandom(4));
      const together = await fitter.fitAll(networks, BETA, SEARCH_FIT);
      expect(together).toHaveLength(3);
      for (const [i, network] of networks.entries()) {
        const alone = await fitter.fit(network, BETA, SEARCH_FIT);
        expect(Array.from(together[i].network.weights)).toEqual(Array.from(alone.network.weights));
        expect(together[i].evidence).toBe(alone.evidence);
      }
    }));

  it("throws the first error only after every other training has ended", () =>
    withFitter(async (fitter) => {
      const networks = growthCandidates(linearNetwork(2, 1), 3, builderRandom(5));
      fitter.failing = networks[0];
      // The first training fails at once; the other two still run to their end before fitAll throws.
      await expect(fitter.fitAll(networks, BETA, SEARCH_FIT)).rejects.toThrow(
        "training failed after 0 others ended",
      );
      expect(fitter.ended).toBe(3);
    }));
});
