/**
 * `neureco export`: a model in a form that runs without neureco. `--format c`
 * writes one dependency-free C99 file and its header (`<out>.c`, `<out>.h`;
 * the functions are named after the file); `--format onnx` writes an ONNX
 * file (`<out>.onnx`, float32 unless `--dtype float64`) for ONNX Runtime.
 */
import { basename, dirname, join } from "node:path";
import { writeFileAtomic } from "@neureco/tabular";
import { CliError, type CliIo, ExitCode, libraryError, UsageError, writeLine } from "../io.js";
import { closeModel, loadRegressor } from "../model.js";

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

export async function runExport(options: ExportOptions, io: CliIo): Promise<number> {
  if (options.dtype !== undefined && options.format !== "onnx") {
    throw new UsageError("--dtype applies to --format onnx only (the C file computes in double)");
  }
  const model = await loadRegressor(options.model, "cpu", "export", {
    classifier: "neureco evaluate gives its class probabilities",
    compressor: "neureco compress and neureco decompress run it on CSV files",
  });
  try {
    const folder = dirname(options.out);
    if (options.format === "onnx") {
      const path = join(folder, `${basename(options.out).replace(/\.onnx$/, "")}.onnx`);
      const dtype = options.dtype ?? "float32";
      await write(path, model.regressor.toOnnx({ dtype }));
      writeLine(io.stdout, `wrote ${path}: input x, output y (${dtype}, a dynamic batch dimension)`);
      return ExitCode.ok;
    }
    const name = cName(options.out);
    if (name === "") throw new CliError(`--out "${options.out}" names no file`);
    const file = basename(options.out).replace(/\.c$/, "");
    const sourcePath = join(folder, `${file}.c`);
    const headerPath = join(folder, `${file}.h`);
    const { source, header } = model.regressor.toC({ name, headerFile: `${file}.h` });
    await write(headerPath, header);
    await write(sourcePath, source);
    writeLine(
      io.stdout,
      `wrote ${sourcePath} and ${headerPath}: ${name}_evaluate and ${name}_input_gradient (C99, needs only math.h)`,
    );
    return ExitCode.ok;
  } finally {
    closeModel(model);
  }
}
