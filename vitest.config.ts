import { defineConfig } from "vitest/config";

// One vitest run covers every package; each package is a project so that
// `pnpm --filter <pkg> test` can run one alone. The custom condition makes
// in-repo imports resolve to TypeScript sources, not built dist files.
export default defineConfig({
  resolve: { conditions: ["@neureco/source"] },
  ssr: { resolve: { conditions: ["@neureco/source"] } },
  test: {
    projects: ["packages/*", "apps/*"],
  },
});
