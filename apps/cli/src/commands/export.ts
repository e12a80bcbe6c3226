/**
 * `neureco export`: a model in a form that runs without neureco. `--format c`
 * writes one dependency-free C99 file and its header (`<out>.c`, `<out>.h`;
 * the functions are named after the file).
 */
import { basename, dirname, join } from "node:path";
import { writeFileAtomic } from "@neureco/tabular";
import { CliError, type CliIo, ExitCode, writeLine } from "../io.js";
import { loadModel } from "../model.js";

export const EXPORT_FORMATS = ["c"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  readonly model: string;
  readonly format: ExportFormat;
  /** Path of the C file; `.c` may be left out; the header goes beside it. */
  readonly out: string;
}

/** The C name of `out`'s file: its base name without `.c`, with anything but letters, digits and _ replaced by _. */
export function cName(out: string): string {
  const base = basename(out).replace(/\.c$/, "");
  const name = base.replace(/[^A-Za-z0-9_]/g, "_");
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

export async function runExport(options: ExportOptions, io: CliIo): Promise<number> {
  const model = await loadModel(options.model, "cpu");
  try {
    const name = cName(options.out);
    if (name === "") throw new CliError(`--out "${options.out}" names no file`);
    const folder = dirname(options.out);
    const file = basename(options.out).replace(/\.c$/, "");
    const sourcePath = join(folder, `${file}.c`);
    const headerPath = join(folder, `${file}.h`);
    const { source, header } = model.regressor.toC({ name, headerFile: `${file}.h` });
    try {
      await writeFileAtomic(headerPath, header);
      await writeFileAtomic(sourcePath, source);
    } catch (error) {
      // The library's message already reads `cannot write "<path>": <why>`.
      throw new CliError(error instanceof Error ? error.message : String(error), undefined, { cause: error });
    }
    writeLine(
      io.stdout,
      `wrote ${sourcePath} and ${headerPath}: ${name}_evaluate and ${name}_input_gradient (C99, needs only math.h)`,
    );
    return ExitCode.ok;
  } finally {
    model.regressor.delete();
  }
}
