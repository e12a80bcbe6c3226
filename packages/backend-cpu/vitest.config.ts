import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { conditions: ["@neureco/source"] },
  ssr: { resolve: { conditions: ["@neureco/source"] } },
  test: { name: "backend-cpu", include: ["test/**/*.test.ts"], testTimeout: 60_000 },
});
