// The "compute gradients" tutorial, step by step: build a compact model of
// the higher heating value of biomass fuels from their composition, then
// differentiate it with respect to its weights and its inputs.
//
// Run it with `npm run demo` from the repository root, or `node run.mjs` here
// after `pnpm build`. Model files are written under the current directory
// (./EnergyConsumptionModel/), as in the tutorial.
import { fileURLToPath } from "node:url";
import { readCsv, Tabular } from "@neureco/tabular";

const dataDir = fileURLToPath(new URL("./data/", import.meta.url));
const shape = (m) => `(${m.shape[0]}, ${m.shape[1]})`;
const fmt = (v) => v.toPrecision(6);

/** A small seeded generator (mulberry32), so that every run prints the same numbers. */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = random(2024);
const randomMatrix = (rows, cols, size = 1) =>
  Array.from({ length: rows }, () => Array.from({ length: cols }, () => size * (2 * rand() - 1)));
const dot = (a, b) => a.flat().reduce((s, v, i) => s + v * b.flat()[i], 0);

// 1. Read the data: `;`-separated, one header row. y is a column matrix (n, 1).
const xTrain = await readCsv(`${dataDir}x_train.csv`);
const yTrain = await readCsv(`${dataDir}y_train.csv`);
const xTest = await readCsv(`${dataDir}x_test.csv`);
const yTest = await readCsv(`${dataDir}y_test.csv`);
console.log(
  `1. data: x_train ${shape(xTrain.matrix)}, y_train ${shape(yTrain.matrix)}, x_test ${shape(xTest.matrix)}, y_test ${shape(yTest.matrix)}`,
);
console.log(`   inputs: ${xTrain.columns.join(", ")}; output: ${yTrain.columns.join(", ")}`);

// 2. Build the model: no architecture, learning rate or epoch count to choose.
const builder = new Tabular.Regressor();
const started = performance.now();
await builder.build({
  inputData: xTrain.matrix,
  outputData: yTrain.matrix,
  inputNames: xTrain.columns,
  outputNames: yTrain.columns,
  writeModelTo: "./EnergyConsumptionModel/EnergyConsumption.ednn",
  checkpointAddress: "./EnergyConsumptionModel/EnergyConsumption.checkpoint",
  validPercentage: 33.33,
  inputsShifting: "min_centered",
  inputsScaling: "max_centered",
});
const built = builder.info();
console.log(
  `2. built ./EnergyConsumptionModel/EnergyConsumption.ednn in ${((performance.now() - started) / 1000).toFixed(1)} s: ` +
    `${built.weights} weights, ${built.hiddenNeurons} hidden neurons, ${built.links} links`,
);
builder.delete();

// 3. Load it into a new regressor (the .ednn extension may be left out).
const model = new Tabular.Regressor();
await model.load("./EnergyConsumptionModel/EnergyConsumption");
const predicted = await model.evaluate(xTest.matrix);
const rmse = Math.sqrt(
  predicted.data.reduce((s, v, i) => s + (v - yTest.matrix.data[i]) ** 2, 0) / predicted.shape[0],
);
console.log(
  `3. loaded ./EnergyConsumptionModel/EnergyConsumption: test RMSE ${fmt(rmse)} (${yTest.columns[0]})`,
);

// 4. The trainable parameters: a (p, 1) column.
const weights = model.getWeights();
console.log(`4. weights: shape ${shape(weights)}`);

// 5. Forward mode: dy_i = J_w(x_i)·dw + J_x(x_i)·dx_i, for every test row at once.
const w = weights.toArray();
const dw = randomMatrix(weights.shape[0], 1);
const x = xTest.matrix;
const dx = randomMatrix(x.shape[0], x.shape[1]);
const dy = await model.forwardDerivative({ w, dw, x, dx });
console.log(
  `5. forwardDerivative: dy shape ${shape(dy)}; first rows ${dy
    .toArray()
    .slice(0, 3)
    .map(([v]) => fmt(v))
    .join(", ")}`,
);
const dyWeightsOnly = await model.forwardDerivative({ w, dw, x, dx: null });
console.log(
  `   with dx = null (weights only): first rows ${dyWeightsOnly
    .toArray()
    .slice(0, 3)
    .map(([v]) => fmt(v))
    .join(", ")}`,
);

// 6. Reverse mode: dw = Σ_i J_w(x_i)ᵀ·py_i and dx_i = J_x(x_i)ᵀ·py_i. With py = 1,
// dx_i is the gradient of the predicted HHV of row i with respect to its inputs.
const py = x.toArray().map(() => [1]);
const gradient = await model.gradient({ w, x, py });
console.log(`6. gradient: dw shape ${shape(gradient.dw)}, dx shape ${shape(gradient.dx)}`);
console.log(
  `   d${yTest.columns[0]}/d(${xTest.columns.join(", ")}) at test row 0: ${gradient.dx.toArray()[0].map(fmt).join(", ")}`,
);
// Forward and reverse mode agree: ⟨J·(dw, dx), py⟩ = ⟨(dw, dx), Jᵀ·py⟩.
const forward = dot(dy.toArray(), py);
const reverse = dot(dw, gradient.dw.toArray()) + dot(dx, gradient.dx.toArray());
console.log(
  `   dot-product check: <dy, py> = ${fmt(forward)}, <dw, gw> + <dx, gx> = ${fmt(reverse)}, relative difference ${(Math.abs(forward - reverse) / Math.abs(forward)).toExponential(1)}`,
);

// 7. Move the weights, save the model under a new name, and load it back.
const newWeights = w.map(([v], i) => [v + 1e-3 * gradient.dw.data[i]]);
model.setWeights(newWeights);
await model.save("./EnergyConsumptionModel/EnergyConsumption_NewWeights");
model.delete();
const reloaded = new Tabular.Regressor();
await reloaded.load("./EnergyConsumptionModel/EnergyConsumption_NewWeights.ednn");
const same = reloaded
  .getWeights()
  .toArray()
  .every(([v], i) => Object.is(v, newWeights[i][0]));
console.log(
  `7. saved ./EnergyConsumptionModel/EnergyConsumption_NewWeights.ednn; reloaded weights equal the new weights: ${same}`,
);
reloaded.delete();
