/**
 * What the phase tests share: a phase context around a real record, and a
 * stand-in trainer that "trains" a network by scoring it with a given
 * judge (no optimisation), so that a phase's decisions can be driven
 * exactly. Real fits on tiny data come from `realTrainer`.
 */
import { cpu } from "@neureco/backend-cpu";
import type { CheckpointModel } from "../src/builder/checkpoint.js";
import { type FitOptions, Fitter, type TrainedNetwork, type Trainer } from "../src/builder/fit.js";
import { addHiddenNeuron, linearNetwork, type WeightedNetwork } from "../src/builder/network-edit.js";
import { DeviceData } from "../src/builder/objective.js";
import type { PhaseContext } from "../src/builder/phases/context.js";
import { type Beta, priorMetric } from "../src/builder/prior.js";
import { builderRandom } from "../src/builder/random.js";
import { BuildRecord, type CheckpointBase } from "../src/builder/record.js";
import { matrixRows } from "../src/builder/rows.js";
import type { BuildProgress } from "../src/builder/settings.js";
import { Matrix } from "../src/matrix.js";
import { computeNormalization } from "../src/normalization/index.js";

export interface Judgement {
  readonly score: number;
  readonly evidence: number;
  /** Default 0. */
  readonly validationLogLikelihood?: number;
}

export interface StandInTrainer extends Trainer {
  /** Every network handed to fit, in order. */
  readonly fitted: WeightedNetwork[];
  /** The β of each fit, in order. */
  readonly betas: Beta[];
  readonly options: FitOptions[];
}

/**
 * A trainer that returns each network as given, judged by `judge`: JᵀJ = I
 * and no penalty, so that saliencies are ½·w² (weights decide the order of
 * removals).
 */
export function standInTrainer(
  judge: (network: WeightedNetwork) => Judgement,
  trainingRows = 100,
  trainingInputs = new Matrix(new Float64Array(trainingRows), trainingRows, 1),
): StandInTrainer {
  const fitted: WeightedNetwork[] = [];
  const betas: Beta[] = [];
  const options: FitOptions[] = [];
  const fit = async (network: WeightedNetwork, beta: Beta, o: FitOptions): Promise<TrainedNetwork> => {
    fitted.push(network);
    betas.push(beta);
    options.push(o);
    return trainedAs(network, beta, judge(network));
  };
  return {
    fitted,
    betas,
    options,
    trainingRows,
    validationRows: trainingRows / 2,
    trainingInputs: () => trainingInputs,
    metric: { inputVariance: new Array(trainingInputs.shape[1]).fill(1), outputVariance: 1 },
    trainingResiduals: async () => new Float64Array(trainingRows),
    fit,
    // Judged as given, not trained: not one of `fitted`.
    assess: async (network, beta) => trainedAs(network, beta, judge(network)),
    fitAll: async (networks, beta, o) => {
      const out: TrainedNetwork[] = [];
      for (const n of networks) out.push(await fit(n, beta, o));
      return out;
    },
  };
}

/** A trained network as the stand-in trainer makes it. */
export function trainedAs(network: WeightedNetwork, beta: Beta, j: Judgement): TrainedNetwork {
  const p = network.weights.length;
  const jtj = new Float64Array(p * p);
  for (let i = 0; i < p; i++) jtj[i * p + i] = 1;
  const rmse = new Array(network.structure.outputs).fill(j.score);
  return {
    network,
    beta,
    penalty: new Float64Array(p),
    jtj,
    trainingRmse: rmse,
    validationRmse: rmse,
    score: j.score,
    gamma: p,
    evidence: j.evidence,
    validationLogLikelihood: j.validationLogLikelihood ?? 0,
  };
}

/** The fixed part of a checkpoint for data of the given shape (normalisation of two made-up rows). */
export function checkpointBase(shape: { inputs: number; outputs: number }): CheckpointBase {
  const stats = (columns: number) =>
    computeNormalization(
      new Matrix(
        Float64Array.from({ length: 2 * columns }, (_, i) => i),
        2,
        columns,
      ),
    );
  return {
    inputNames: [],
    outputNames: [],
    inputNormalization: stats(shape.inputs),
    outputNormalization: stats(shape.outputs),
    validationRows: [],
    seed: 0,
    origin: null,
  };
}

export interface PhaseSetup {
  readonly ctx: PhaseContext;
  readonly record: BuildRecord;
  readonly progress: BuildProgress[];
}

/** A context for `trainer` over data of `inputs` inputs and `outputs` outputs, with an empty record (or `kept`). */
export function phaseContext(
  trainer: Trainer,
  shape: { inputs: number; outputs: number },
  overrides: Partial<Omit<PhaseContext, "record" | "trainer">> = {},
  kept: readonly CheckpointModel[] = [],
): PhaseSetup {
  const progress: BuildProgress[] = [];
  const record = new BuildRecord(
    checkpointBase(shape),
    kept,
    undefined,
    (p) => progress.push(p),
    () => ({ plan: 1, step: 0, random: ctx.random.state, heldBackAt: ctx.growthHeldBackAt }),
  );
  const ctx: PhaseContext = {
    trainer,
    screen: null,
    fitOnAllRows: (network, beta, options) => trainer.fit(network, beta, options),
    crossValidation: { rows: 0, foldErrors: async () => [] },
    record,
    random: builderRandom(0),
    signal: undefined,
    inputs: shape.inputs,
    outputs: shape.outputs,
    linksMaximumNumber: 0,
    disconnectInputsIfPossible: true,
    initialBetaReg: 0.1,
    growthHeldBackAt: null,
    resumed: null,
    ...overrides,
  };
  return { ctx, record, progress };
}

/** A real trainer (Levenberg–Marquardt on the CPU backend) on training and validation rows; dispose when done. */
export function realTrainer(
  train: { x: Matrix; y: Matrix },
  valid: { x: Matrix; y: Matrix },
): { trainer: Fitter; dispose: () => void } {
  const backend = cpu();
  const t = DeviceData.upload(backend, "float64", matrixRows(train.x, train.y));
  const v = DeviceData.upload(backend, "float64", matrixRows(valid.x, valid.y));
  return {
    trainer: new Fitter(backend, "float64", t, v, undefined, priorMetric(matrixRows(train.x, train.y))),
    dispose: () => {
      t.dispose();
      v.dispose();
      backend.destroy();
    },
  };
}

/** Rows [from, to) of a matrix. */
export function rowsOf(m: Matrix, from: number, to: number): Matrix {
  const k = m.shape[1];
  return new Matrix(m.data.slice(from * k, to * k), to - from, k);
}

/** A prior strength for every group, as a build starts with. */
export const startBeta = [0.1, 0.1, 0.1];

/** Linear on 2 inputs plus one neuron reading both. */
export function oneNeuron(): WeightedNetwork {
  const linear = linearNetwork(2, 1);
  return addHiddenNeuron(
    { structure: linear.structure, weights: Float64Array.from([0.5, -0.5, 0.1]) },
    {
      sources: [
        { from: { kind: "input", index: 0 }, weight: 1 },
        { from: { kind: "input", index: 1 }, weight: -1 },
      ],
      bias: 0.2,
      outputWeights: [0.7],
    },
  );
}

export async function withChosen(
  network: WeightedNetwork,
  chosen: Judgement,
  judge: (n: WeightedNetwork) => Judgement,
  chosenBeta: readonly number[] = startBeta,
) {
  const trainer = standInTrainer(judge);
  const setup = phaseContext(trainer, { inputs: 2, outputs: 1 });
  await setup.record.accept(trainedAs(linearNetwork(2, 1), startBeta, { score: 2, evidence: -10 }), "linear");
  const model = await setup.record.accept(trainedAs(network, chosenBeta, chosen), "growth");
  return { trainer, model, ...setup };
}
