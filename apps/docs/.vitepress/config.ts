import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type DefaultTheme, defineConfig } from "vitepress";

/** The API sidebar written by typedoc-vitepress-theme (scripts/api.mjs), when the API pages exist. */
function apiSidebar(): DefaultTheme.SidebarItem[] {
  const file = fileURLToPath(new URL("../api/typedoc-sidebar.json", import.meta.url));
  if (!existsSync(file)) return [];
  return JSON.parse(readFileSync(file, "utf8")) as DefaultTheme.SidebarItem[];
}

export default defineConfig({
  title: "neureco",
  description:
    "Compact neural networks for tabular data, built automatically and differentiated exactly, on CPU or WebGPU, in Node and the browser.",
  base: process.env.DOCS_BASE ?? "/",
  cleanUrls: false,
  lastUpdated: false,
  srcExclude: ["examples/**", "test/**", "test-artifacts/**", "scripts/**", "README.md"],
  head: [["link", { rel: "icon", type: "image/svg+xml", href: `${process.env.DOCS_BASE ?? "/"}logo.svg` }]],
  markdown: { math: true },
  vite: {
    // The examples import the packages' TypeScript sources, as the tests do.
    resolve: { conditions: ["@neureco/source"] },
    ssr: { resolve: { conditions: ["@neureco/source"] } },
    build: { chunkSizeWarningLimit: 2000 },
  },
  themeConfig: {
    logo: "/logo.svg",
    nav: [
      { text: "Guide", link: "/guide/getting-started" },
      { text: "Tutorial", link: "/guide/compute-gradients" },
      { text: "Concepts", link: "/concepts/builder" },
      { text: "Reference", link: "/reference/cli" },
      { text: "API", link: "/api/" },
    ],
    sidebar: [
      {
        text: "Guide",
        items: [
          { text: "Getting started", link: "/guide/getting-started" },
          { text: "Tutorial: compute gradients", link: "/guide/compute-gradients" },
          { text: "Optimise through a model", link: "/guide/optimize" },
          { text: "Classify rows", link: "/guide/classify" },
          { text: "Compress columns", link: "/guide/compress" },
          { text: "Choosing a backend", link: "/guide/backends" },
          { text: "Use a model elsewhere", link: "/guide/use-elsewhere" },
        ],
      },
      {
        text: "Concepts",
        items: [
          { text: "How the builder works", link: "/concepts/builder" },
          { text: "Normalisation", link: "/concepts/normalization" },
          { text: "Derivatives", link: "/concepts/derivatives" },
        ],
      },
      {
        text: "Reference",
        items: [
          { text: "Command line", link: "/reference/cli" },
          { text: "Model and checkpoint files", link: "/reference/formats" },
        ],
      },
      { text: "API", link: "/api/", collapsed: true, items: apiSidebar() },
    ],
    search: { provider: "local" },
    outline: [2, 3],
  },
});
