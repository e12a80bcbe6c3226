/**
 * Getting started: a first model in five lines (read, build, evaluate), then
 * how the prediction moves with each input (a gradient in reverse mode).
 */
import { cpu } from "@neureco/backend-cpu";
import { type BuildProgress, parseCsv, Tabular } from "@neureco/tabular";
import { biomass, type ErrorPoint, type ExampleResult, errorPoint, fmt, type RunOptions } from "./shared.js";

export async function run(options: RunOptions = {}): Promise<ExampleResult> {
  const { backend, log = console.log, onProgress, data = biomass, seed = 1 } = options;
  const errorCurve: ErrorPoint[] = [];
  const buildBackend = cpu();
  const record = (progress: BuildProgress) => {
    errorCurve.push(errorPoint(progress));
    onProgress?.(errorPoint(progress));
  };

  // The five lines: data in, model built, predictions out. The build runs on
  // the CPU (float64); the model then computes on `backend`.
  const x = parseCsv(data.xTrain).matrix;
  const y = parseCsv(data.yTrain).matrix;
  const model = new Tabular.Regressor({ backend });
  await model.build({ inputData: x, outputData: y, seed, backend: buildBackend, onProgress: record });
  const predicted = await model.evaluate(parseCsv(data.xTest).matrix);

  const measured = parseCsv(data.yTest).matrix;
  const { weights } = model.info();
  const inputNames = parseCsv(data.xTrain).columns;
  log(`built a model with ${weights} weights after ${errorCurve.length} accepted models`);
  for (let i = 0; i < 3; i++)
    log(`test row ${i}: measured ${fmt([measured.data[i]])}, predicted ${fmt([predicted.data[i]])}`);

  // How the first test prediction moves with each input: J_x(x_0)ᵀ·1.
  const x0 = [Array.from(parseCsv(data.xTest).matrix.row(0))];
  const { dw, dx } = await model.gradient({ w: model.getWeights(), x: x0, py: [[1]] });
  log(`d(${parseCsv(data.yTrain).columns[0]})/d(${inputNames.join(", ")}) = ${fmt(dx.row(0))}`);

  const result: ExampleResult = {
    backend: model.backend.name,
    weights,
    errorCurve,
    parity: { measured: Array.from(measured.data), predicted: Array.from(predicted.data) },
    inputNames,
    derivatives: { dy: [], dw: Array.from(dw.data), dx: dx.toArray() },
  };
  model.delete();
  buildBackend.destroy();
  return result;
}
