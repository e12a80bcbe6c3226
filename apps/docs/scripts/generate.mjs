// Generates the pages that come from the code, before `vitepress dev` and
// `vitepress build` (never committed):
// - api/: the API reference, from the TSDoc of the packages (typedoc with
//   typedoc-plugin-markdown and typedoc-vitepress-theme);
// - reference/generated/cli-help.md: the `--help` text of every command of the
//   `neureco` CLI, run from its sources.
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Application } from "typedoc";

const docsRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
const repoRoot = join(docsRoot, "..", "..");
const out = join(docsRoot, "api");

/** The public entry of each package the site documents. */
const entryPoints = [
  "packages/tabular/src/index.ts",
  "packages/backend-cpu/src/index.ts",
  "packages/backend-webgpu/src/index.ts",
  "packages/core/src/index.ts",
].map((path) => join(repoRoot, path));

rmSync(out, { recursive: true, force: true });

const app = await Application.bootstrapWithPlugins({
  entryPoints,
  entryPointStrategy: "resolve",
  tsconfig: join(docsRoot, "tsconfig.api.json"),
  plugin: ["typedoc-plugin-markdown", "typedoc-vitepress-theme"],
  out,
  docsRoot,
  readme: "none",
  name: "API reference",
  excludePrivate: true,
  excludeInternal: true,
  excludeExternals: true,
  // The pages document the public surface; a type error elsewhere must not stop the site.
  skipErrorChecking: true,
  hideGenerator: true,
  disableSources: true,
  entryFileName: "index",
  sidebar: { pretty: true },
  logLevel: "Warn",
});

const project = await app.convert();
if (!project) {
  console.error("api: typedoc could not convert the packages");
  process.exit(1);
}
// Modules are named after their packages ("@neureco/tabular"), not their folders.
for (const module of project.children ?? []) {
  const folder = module.name.split("/")[0];
  module.name = `@neureco/${folder}`;
}
await app.generateOutputs(project);
console.log(`api: reference written to ${out}`);

// The CLI's help, command by command (subcommands included).
const cliEntry = join(repoRoot, "apps", "cli", "src", "cli.ts");
function cliHelp(args) {
  return execFileSync(
    process.execPath,
    ["--conditions=@neureco/source", "--import", "tsx", cliEntry, ...args, "--help"],
    {
      cwd: repoRoot,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
    },
  );
}
function subcommands(help) {
  const section = help.split(/^Commands:\s*$/m)[1];
  if (!section) return [];
  return section
    .split("\n")
    .map((line) => /^ {2}([a-z][\w-]*)/.exec(line)?.[1])
    .filter((name) => name !== undefined && name !== "help");
}
const sections = [];
function document(path) {
  const help = cliHelp(path);
  sections.push(
    `### \`neureco${path.length ? ` ${path.join(" ")}` : ""}\`\n\n\`\`\`text\n${help.trimEnd()}\n\`\`\`\n`,
  );
  for (const name of subcommands(help)) document([...path, name]);
}
document([]);
const generated = join(docsRoot, "reference", "generated");
mkdirSync(generated, { recursive: true });
writeFileSync(join(generated, "cli-help.md"), sections.join("\n"));
console.log(`cli: help of ${sections.length} commands written to ${generated}`);
