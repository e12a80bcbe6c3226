import { defineProject } from "vitest/config";

// The tests run the built binary (dist/cli.js) as a child process, so build
// first (`pnpm test` at the root builds every package before vitest). Test
// helpers import the library from its TypeScript sources, like other projects.
export default defineProject({
  resolve: { conditions: ["@neureco/source"] },
  ssr: { resolve: { conditions: ["@neureco/source"] } },
  test: { name: "cli", include: ["test/**/*.test.ts"], testTimeout: 120_000, hookTimeout: 300_000 },
});
