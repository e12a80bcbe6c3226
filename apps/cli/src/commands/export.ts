/**
 * `neureco export`: a model in a form that runs without neureco. `--format c`
 * writes one dependency-free C99 file and its header (`<out>.c`, `<out>.h`;
 * the functions are named after the file); `--format onnx` writes an ONNX
 * file (`<out>.onnx`, float32 unless `--dtype float64`) for ONNX Runtime.
 * A classifier's give its class probabilities. A compressor is two maps and
 * exports as two: `<name>_compress.c/.h` and `<name>_decompress.c/.h` (name:
 * the C name of `--out`), or `<out>.compress.onnx` and `<out>.decompress.onnx`.
 */
import { basename, dirname, join } from "node:path";
import { writeFileAtomic } from "@neureco/tabular";
import { CliError, type CliIo, ExitCode, libraryError, UsageError, writeLine } from "../io.js";
import { closeModel, type LoadedModel, loadModel } from "../model.js";

export const EXPORT_FORMATS = ["c", "onnx"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export const ONNX_DTYPES = ["float32", "float64"] as const;

export interface ExportOptions {
  readonly model: string;
  readonly format: ExportFormat;
  /** Path of the file; its extension (`.c`, `.onnx`) may be left out; a C header goes beside it. */
  readonly out: string;
  /** Element type of an ONNX graph (default float32). */
  readonly dtype?: (typeof ONNX_DTYPES)[number];
}

/** Writes with the library's atomic writer; its message already reads `cannot write "<path>": <why>`. */
async function write(path: string, data: string | Uint8Array): Promise<void> {
  try {
    await writeFileAtomic(path, data);
  } catch (error) {
    throw libraryError(error);
  }
}

/** The C name of `out`'s file: its base name without `.c`, with anything but letters, digits and _ replaced by _. */
export function cName(out: string): string {
  const base = basename(out).replace(/\.c$/, "");
  const name = base.replace(/[^A-Za-z0-9_]/g, "_");
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

/** A regressor's or a classifier's exports (one network, one file of each format). */
function singleExports(model: Exclude<LoadedModel, { kind: "compressor" }>) {
  return model.kind === "regressor" ? model.regressor : model.classifier;
}

export async function runExport(options: ExportOptions, io: CliIo): Promise<number> {
  if (options.dtype !== undefined && options.format !== "onnx") {
    throw new UsageError("--dtype applies to --format onnx only (the C file computes in double)");
  }
  const model = await loadModel(options.model, "cpu");
  try {
    const folder = dirname(options.out);
    if (options.format === "onnx") {
      const base = join(folder, basename(options.out).replace(/\.onnx$/, ""));
      const dtype = options.dtype ?? "float32";
      if (model.kind === "compressor") {
        const { compress, decompress } = model.compressor.toOnnx({ dtype });
        await write(`${base}.compress.onnx`, compress);
        await write(`${base}.decompress.onnx`, decompress);
        writeLine(
          io.stdout,
          `wrote ${base}.compress.onnx (rows x to codes y) and ${base}.decompress.onnx (codes x to rows y) (${dtype}, a dynamic batch dimension)`,
        );
        return ExitCode.ok;
      }
      const path = `${base}.onnx`;
      await write(path, singleExports(model).toOnnx({ dtype }));
      const what = model.kind === "classifier" ? "output y the class probabilities" : "output y";
      writeLine(io.stdout, `wrote ${path}: input x, ${what} (${dtype}, a dynamic batch dimension)`);
      return ExitCode.ok;
    }
    const name = cName(options.out);
    if (name === "") throw new CliError(`--out "${options.out}" names no file`);
    if (model.kind === "compressor") {
      const written: string[] = [];
      for (const [map, exported] of Object.entries(model.compressor.toC({ name }))) {
        const sourcePath = join(folder, `${exported.name}.c`);
        const headerPath = join(folder, `${exported.name}.h`);
        await write(headerPath, exported.header);
        await write(sourcePath, exported.source);
        written.push(`${sourcePath} and ${headerPath} (${map})`);
      }
      writeLine(
        io.stdout,
        `wrote ${written.join(", ")}: ${name}_compress_evaluate, ${name}_decompress_evaluate and their _input_gradient (C99, needs only math.h)`,
      );
      return ExitCode.ok;
    }
    const file = basename(options.out).replace(/\.c$/, "");
    const sourcePath = join(folder, `${file}.c`);
    const headerPath = join(folder, `${file}.h`);
    const { source, header } = singleExports(model).toC({ name, headerFile: `${file}.h` });
    await write(headerPath, header);
    await write(sourcePath, source);
    writeLine(
      io.stdout,
      `wrote ${sourcePath} and ${headerPath}: ${name}_evaluate and ${name}_input_gradient (C99, needs only math.h${model.kind === "classifier" ? "; class probabilities" : ""})`,
    );
    return ExitCode.ok;
  } finally {
    closeModel(model);
  }
}
