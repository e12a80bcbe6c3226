import { defineConfig } from "tsup";

// One executable ESM file; the workspace packages and npm dependencies stay
// external and are resolved from node_modules at run time.
export default defineConfig({
  entry: ["src/cli.ts"],
  format: ["esm"],
  sourcemap: true,
  clean: true,
  target: "node20",
  platform: "node",
  banner: { js: "#!/usr/bin/env node" },
});
