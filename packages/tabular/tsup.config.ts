import { defineConfig } from "tsup";

// Two entries over one shared implementation: `index` (Node: adds save/load
// by path) and `browser` (no Node built-ins). Shared modules land in a common
// chunk, so nothing is duplicated.
export default defineConfig({
  entry: { index: "src/index.ts", browser: "src/browser.ts" },
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: true,
  target: "es2022",
});
