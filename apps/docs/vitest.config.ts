import { defineProject } from "vitest/config";

// The examples import the packages' TypeScript sources (the custom condition),
// exactly as the site's bundle does.
export default defineProject({
  resolve: { conditions: ["@neureco/source"] },
  ssr: { resolve: { conditions: ["@neureco/source"] } },
  test: {
    name: "docs",
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
