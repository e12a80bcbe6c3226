/**
 * `neureco compress` and `neureco decompress`: a compressor's codes of the
 * rows of an inputs file (columns code1…codeC), and the rows that a file of
 * codes stands for (columns named as the model's inputs).
 */
import type { BackendName } from "../backend.js";
import { readMatrixFile, writeMatrix } from "../data.js";
import { type CliIo, ExitCode } from "../io.js";
import { closeModel, type Instead, loadModelOfKind, matchCodes, matchModelInputs } from "../model.js";

export interface CompressOptions {
  readonly model: string;
  readonly x: string;
  readonly out?: string;
  readonly backend: BackendName;
}

export interface DecompressOptions {
  readonly model: string;
  readonly codes: string;
  readonly out?: string;
  readonly backend: BackendName;
}

/** What the other kinds of model do instead. */
const INSTEAD: Instead = {
  regressor: "neureco evaluate gives its predictions; neureco build --compress builds a compressor",
  classifier: "neureco evaluate gives its class probabilities; neureco build --compress builds a compressor",
};

/** The codes (n, c) of the rows of --x, columns code1…codeC. */
export async function runCompress(options: CompressOptions, io: CliIo): Promise<number> {
  const model = await loadModelOfKind(options.model, options.backend, "compressor", "compress", INSTEAD);
  try {
    const x = matchModelInputs(model, await readMatrixFile(options.x), io.stderr);
    await writeMatrix(options.out, await model.compressor.compress(x.matrix), model.codeNames, io.stdout);
    return ExitCode.ok;
  } finally {
    closeModel(model);
  }
}

/** The rows (n, m) that the codes of --codes stand for, columns named as the model's inputs. */
export async function runDecompress(options: DecompressOptions, io: CliIo): Promise<number> {
  const model = await loadModelOfKind(options.model, options.backend, "compressor", "decompress", INSTEAD);
  try {
    const codes = matchCodes(model, await readMatrixFile(options.codes), "the codes", io.stderr);
    await writeMatrix(
      options.out,
      await model.compressor.decompress(codes.matrix),
      model.inputNames,
      io.stdout,
    );
    return ExitCode.ok;
  } finally {
    closeModel(model);
  }
}
