/**
 * A compressor: the elemental composition of biomass fuels (carbon,
 * hydrogen, oxygen, nitrogen, sulfur, % mass) reduced to a few codes and
 * back. Build from the columns alone, compress and decompress rows, score
 * the reconstruction (beside principal components with as many codes), and
 * differentiate the codes with respect to the inputs.
 *
 * Data: the bundled biomass training and test rows (R modeldata::biomass).
 */
import { cpu } from "@neureco/backend-cpu";
import { type CompressorProgress, parseCsv, Tabular } from "@neureco/tabular";
import { biomass, type ErrorPoint, type ExampleResult, fmt, type RunOptions } from "./shared.js";

/** The error curve's point of a network the build trained (the k-th). */
function compressorPoint(p: CompressorProgress, k: number): ErrorPoint {
  const { weights, trainingError, validationError, phase } = p;
  return { modelNumber: phase === "final" ? -1 : k, weights, trainingError, validationError, phase };
}

export async function run(options: RunOptions = {}): Promise<ExampleResult> {
  const { backend, log = console.log, onProgress, data = biomass, seed = 1 } = options;
  const errorCurve: ErrorPoint[] = [];
  const buildBackend = cpu();
  const train = parseCsv(data.xTrain);
  const test = parseCsv(data.xTest);

  // Columns alone: the code size is chosen from the data.
  const model = new Tabular.Compressor({ backend });
  const history = await model.build({
    inputData: train.matrix,
    inputNames: train.columns,
    seed,
    backend: buildBackend,
    onProgress: (p) => {
      const point = compressorPoint(p, errorCurve.length);
      errorCurve.push(point);
      onProgress?.(point);
    },
  });
  const { codeSize, weights, hiddenNeurons } = model.info();
  log(
    `${train.columns.length} columns → ${codeSize} codes, ${hiddenNeurons} tanh neurons each way, ${weights} weights (${history.models.length} networks tried)`,
  );

  // Rows to codes and back.
  const codes = await model.compress(test.matrix);
  const rebuilt = await model.decompress(codes);
  for (let i = 0; i < 2; i++)
    log(
      `test row ${i}: ${fmt(test.matrix.row(i), 4)} → codes ${fmt(codes.row(i), 3)} → ${fmt(rebuilt.row(i), 4)}`,
    );

  const scores = await model.score(test.matrix);
  log(
    `test RMSE per column: ${scores.columns.map((c, j) => `${c} ${scores.rmse[j].toFixed(3)}`).join(", ")}`,
  );

  // The build's first network of this code size was the principal components: how much better the chosen one does.
  const chosen = history.models[history.selectedModel];
  const principal = history.models.find((m) => m.codeSize === codeSize && m.phase === "principal-components");
  log(
    `validation RMSE (standard deviations): ${chosen.validationError.toFixed(4)}, principal components with ${codeSize} codes: ${principal?.validationError.toFixed(4)}; test: ${scores.normalizedRmse.toFixed(4)}`,
  );

  // How each code moves with each input at the first test rows: J_x(x_i)ᵀ·e_code1.
  const rows = [0, 1, 2].map((i) => Array.from(test.matrix.row(i)));
  const w = model.getWeights();
  const py = rows.map(() => Array.from({ length: codeSize }, (_, c) => (c === 0 ? 1 : 0)));
  const toCode = await model.gradient({ w, x: rows, py, map: "compress" });
  log(
    `d(code1)/d(${train.columns[0]}) at the first test rows: ${fmt(
      toCode.dx.toArray().map((r) => r[0]),
      3,
    )}`,
  );

  // Forward mode agrees with reverse mode on the reconstruction: Σ u·(J·v) = Σ (Jᵀ·u)·v.
  const u = rows.map((r) => r.map((_, j) => Math.sin(j + 1)));
  const dwDirection = Array.from({ length: weights }, (_, j) => Math.cos(j + 1));
  const dxDirection = rows.map((r) => r.map((_, j) => Math.cos(j + 2)));
  const dy = await model.forwardDerivative({ w, dw: dwDirection, x: rows, dx: dxDirection });
  const { dw, dx } = await model.gradient({ w, x: rows, py: u });
  const forward = dy.data.reduce((s, v, i) => s + v * u[Math.floor(i / 5)][i % 5], 0);
  const reverse =
    dw.data.reduce((s, v, j) => s + v * dwDirection[j], 0) +
    dx.data.reduce((s, v, i) => s + v * dxDirection[Math.floor(i / 5)][i % 5], 0);
  log(`dot-product check: ${forward.toPrecision(10)} = ${reverse.toPrecision(10)}`);

  const result: ExampleResult = {
    backend: model.backend.name,
    weights,
    errorCurve,
    inputNames: train.columns,
    derivatives: {
      dy: Array.from(dy.data),
      dw: Array.from(dw.data),
      dx: toCode.dx.toArray(),
      dotProduct: { forward, reverse },
    },
    compression: {
      codeSize,
      columns: scores.columns,
      rmse: scores.rmse,
      normalizedRmse: scores.normalizedRmse,
      validationError: chosen.validationError,
      pcaValidationError: principal?.validationError ?? Number.NaN,
    },
  };
  model.delete();
  buildBackend.destroy();
  return result;
}
