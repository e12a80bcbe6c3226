import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildModel } from "../src/builder/index.js";
import { addHiddenNeuron, linearNetwork } from "../src/builder/network-edit.js";
import { switchedOffLinks } from "../src/builder/phases/switched-off.js";
import {
  fullBeta,
  GROUP_HIDDEN_TO_OUTPUT,
  GROUP_INPUT_TO_OUTPUT,
  weightGroups,
} from "../src/builder/prior.js";
import { BETA_MAX } from "../src/builder/train.js";
import { dropRows, rowsWithNaN } from "../src/csv/index.js";
import { readCsv } from "../src/node/index.js";

// 3 inputs → 1 output directly, and one hidden neuron reading inputs 0 and 1.
const base = linearNetwork(3, 1);
const network = addHiddenNeuron(
  { structure: base.structure, weights: base.weights.map(() => 0.5) },
  {
    sources: [0, 1].map((index) => ({ from: { kind: "input", index } as const, weight: 1 })),
    bias: 0,
    outputWeights: [1],
  },
);
const groups = weightGroups(network.structure);
const linksIn = (group: number) =>
  network.structure.links.map((_, i) => i).filter((i) => groups[i] === group);

describe("switchedOffLinks", () => {
  it("lists the links of the groups at BETA_MAX, and none below it", () => {
    expect(switchedOffLinks(network, [1, 1, BETA_MAX / 2], false)).toEqual([]);
    expect(switchedOffLinks(network, [1, 1, BETA_MAX], false).sort()).toEqual(linksIn(GROUP_INPUT_TO_OUTPUT));
    expect(switchedOffLinks(network, [1, BETA_MAX, 1], false)).toEqual(linksIn(GROUP_HIDDEN_TO_OUTPUT));
  });

  it("keeps the links of an input that would lose them all when inputs must stay connected", () => {
    // Input 2 reaches the output only through its direct link.
    const direct = linksIn(GROUP_INPUT_TO_OUTPUT);
    const ofInput2 = direct.filter((i) => network.structure.links[i][0] === 2);
    expect(ofInput2).toHaveLength(1);
    expect(switchedOffLinks(network, [1, 1, BETA_MAX], true).sort()).toEqual(
      direct.filter((i) => !ofInput2.includes(i)),
    );
  });

  it("never lists every link", () => {
    expect(switchedOffLinks(network, fullBeta([BETA_MAX]), false)).toEqual([]);
  });
});

describe("buildModel and switched-off groups", () => {
  it("returns no link whose group the evidence switched off", async () => {
    // On airquality the evidence often switches off the input → output
    // links once a hidden neuron carries the inputs.
    const dir = join(import.meta.dirname, "../../../datasets/airquality-with-missing");
    const x = (await readCsv(join(dir, "x_train.csv"), { missing: "nan" })).matrix;
    const y = (await readCsv(join(dir, "y_train.csv"), { missing: "nan" })).matrix;
    const missing = [...new Set([...rowsWithNaN(x), ...rowsWithNaN(y)])];
    let switchedOff = 0;
    for (const seed of [0, 1, 2, 3]) {
      const { checkpoint, history, model } = await buildModel(
        { x: dropRows(x, missing), y: dropRows(y, missing) },
        { seed },
      );
      const selected = checkpoint.models[history.selectedModel];
      const beta = fullBeta(selected.beta);
      const modelGroups = weightGroups(model.structure);
      model.structure.links.forEach((_, i) => {
        expect(beta[modelGroups[i]], `seed ${seed}, link ${i}`).toBeLessThan(BETA_MAX);
      });
      // The search did reach such models: the removal had something to remove.
      switchedOff += checkpoint.models.filter((m) => fullBeta(m.beta).some((b) => b >= BETA_MAX)).length;
    }
    expect(switchedOff).toBeGreaterThan(0);
  });
});
