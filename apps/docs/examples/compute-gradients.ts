/**
 * The "compute gradients" tutorial, end to end: read the data, build a model,
 * save and reload it, read its weights, differentiate it in forward mode and
 * in reverse mode, change its weights and save it again.
 *
 * In a browser there is no file system, so the model travels as `.ednn`
 * bytes (`toBytes` / `Regressor.fromBytes`); in Node, `writeModelTo`,
 * `model.load(path)` and `model.save(path)` do the same with files.
 */
import { cpu } from "@neureco/backend-cpu";
import { Matrix, parseCsv, Tabular } from "@neureco/tabular";
import {
  biomass,
  type ErrorPoint,
  type ExampleResult,
  errorPoint,
  fmt,
  type RunOptions,
  shapeOf,
} from "./shared.js";

export async function run(options: RunOptions = {}): Promise<ExampleResult> {
  const { backend, log = console.log, onProgress, data = biomass, seed = 1 } = options;

  // 1. Read the data: x (n, m) and y, a column (n, 1).
  const xTrain = parseCsv(data.xTrain, { source: "x_train.csv" });
  const yTrain = parseCsv(data.yTrain, { source: "y_train.csv" });
  log(`x_train ${shapeOf(xTrain.matrix)}: ${xTrain.columns.join(", ")}; y_train ${shapeOf(yTrain.matrix)}`);

  // 2. Build: no architecture, learning rate or epoch count to choose. The
  //    builder trains many small candidate networks with a second-order
  //    method; it runs on the CPU in float64. The model then computes on
  //    `backend` (the CPU, or WebGPU in float32).
  const errorCurve: ErrorPoint[] = [];
  const buildBackend = cpu();
  const builder = new Tabular.Regressor({ backend });
  await builder.build({
    backend: buildBackend,
    inputData: xTrain.matrix,
    outputData: yTrain.matrix,
    inputNames: xTrain.columns,
    outputNames: yTrain.columns,
    validPercentage: 33.33,
    inputsShifting: "min_centered",
    inputsScaling: "max_centered",
    seed,
    onProgress: (progress) => {
      const point = errorPoint(progress);
      errorCurve.push(point);
      const which =
        point.modelNumber < 0 ? "final refit on all rows" : `model ${point.modelNumber} (${point.phase})`;
      log(
        `${which}: ${point.weights} weights, training error ${fmt([point.trainingError], 3)}, validation error ${fmt([point.validationError], 3)}`,
      );
      onProgress?.(point);
    },
  });
  const saved = builder.toBytes(); // Node: writeModelTo: "./EnergyConsumptionModel/EnergyConsumption.ednn"
  builder.delete();
  buildBackend.destroy();

  // 3. Load the model (Node: await model.load("./EnergyConsumptionModel/EnergyConsumption")).
  const model = Tabular.Regressor.fromBytes(saved, { backend, source: "EnergyConsumption.ednn" });

  // 4. Its weights: a column (p, 1), p the number of trainable parameters.
  const w = model.getWeights();
  const p = w.shape[0];
  log(`weights: ${shapeOf(w)}`);

  const xTest = parseCsv(data.xTest, { source: "x_test.csv" }).matrix;
  const yTest = parseCsv(data.yTest, { source: "y_test.csv" }).matrix;
  const predicted = await model.evaluate(xTest);

  // Differentiate at the first five test rows.
  const n = 5;
  const m = xTest.shape[1];
  const x = new Matrix(xTest.data.slice(0, n * m), n, m);

  // 5. Forward mode: dy_i = J_w(x_i)·dw + J_x(x_i)·dx_i. Here dw is all ones
  //    and dx moves the first input (carbon) by one unit.
  const dw = new Matrix(new Float64Array(p).fill(1), p, 1);
  const dx = Matrix.zeros(n, m);
  for (let i = 0; i < n; i++) dx.row(i)[0] = 1;
  const dy = await model.forwardDerivative({ w, dw, x, dx });
  log(`forward mode, dy ${shapeOf(dy)}: ${fmt(dy.data)}`);

  // 6. Reverse mode: dw = Σ_i J_w(x_i)ᵀ·py_i and dx_i = J_x(x_i)ᵀ·py_i.
  const py = new Matrix(new Float64Array(n).fill(1), n, 1);
  const gradient = await model.gradient({ w, x, py });
  log(`reverse mode, dw ${shapeOf(gradient.dw)}, dx ${shapeOf(gradient.dx)}`);
  for (let i = 0; i < n; i++) log(`  d(HHV)/d(inputs) at test row ${i}: ${fmt(gradient.dx.row(i))}`);

  // Both modes describe the same Jacobians: Σ dy·py = dw·gradient.dw + Σ dx·gradient.dx.
  const forwardSide = dot(dy.data, py.data);
  const reverseSide = dot(dw.data, gradient.dw.data) + dot(dx.data, gradient.dx.data);
  log(`dot-product check: ${fmt([forwardSide], 8)} = ${fmt([reverseSide], 8)}`);

  // 7. Sensitivities over the test rows: each input's mean |d(HHV)/d(input)|
  //    (from the exact input derivatives) and its first-order Sobol' index
  //    (the share of the prediction's variance it explains alone).
  const sensitivity = await model.sensitivity(xTest, { samples: 1024 });
  for (const s of sensitivity.inputs) {
    log(
      `  ${s.input}: mean |dy/dx| ${fmt(s.meanAbsoluteDerivative)}, first-order index ${fmt(s.firstOrderIndex, 2)} ± ${fmt(s.firstOrderHalfWidth, 2)}`,
    );
  }

  // 8. Error bars: each prediction's standard deviation (the noise plus the
  //    weights' posterior uncertainty), and how many test values the central
  //    95 % interval holds.
  const withSd = await model.evaluate(xTest, { uncertainty: true });
  let inside = 0;
  for (let i = 0; i < yTest.data.length; i++) {
    if (Math.abs(yTest.data[i] - withSd.y.data[i]) <= 1.96 * withSd.sd.data[i]) inside++;
  }
  const coverage95 = inside / yTest.data.length;
  log(`error bars: first test row ${fmt([withSd.y.data[0]])} ± ${fmt([withSd.sd.data[0]])}`);
  log(`central 95 % intervals hold ${inside} of ${yTest.data.length} test values`);

  // 9. Move the weights, save the model with them, and load it back.
  const moved = new Matrix(
    w.data.map((wi, j) => wi - 1e-3 * gradient.dw.data[j]),
    p,
    1,
  );
  model.setWeights(moved);
  const savedNewWeights = model.toBytes(); // Node: await model.save("./EnergyConsumptionModel/EnergyConsumption_NewWeights")
  model.delete();
  const reloaded = Tabular.Regressor.fromBytes(savedNewWeights, {
    backend,
    source: "EnergyConsumption_NewWeights.ednn",
  });
  const same = reloaded.getWeights().data.every((v, j) => v === moved.data[j]);
  log(`reloaded model has the new weights: ${same}`);
  reloaded.delete();

  return {
    backend: (backend ?? { name: "cpu" }).name,
    weights: p,
    errorCurve,
    parity: { measured: Array.from(yTest.data), predicted: Array.from(predicted.data) },
    inputNames: xTrain.columns,
    derivatives: {
      dy: Array.from(dy.data),
      dw: Array.from(gradient.dw.data),
      dx: gradient.dx.toArray(),
      dotProduct: { forward: forwardSide, reverse: reverseSide },
    },
    sensitivity,
    uncertainty: { sd: Array.from(withSd.sd.data), coverage95 },
  };
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
