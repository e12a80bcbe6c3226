import { defineProject } from "vitest/config";

// The tests run the built binary (dist/cli.js) as a child process: build first
// (`pnpm test` at the root builds every package before running vitest).
export default defineProject({
  test: { name: "cli", include: ["test/**/*.test.ts"], testTimeout: 120_000, hookTimeout: 300_000 },
});
