import { defineProject } from "vitest/config";

// The tests run the built binary (dist/cli.js) as a child process, so build
// first (`pnpm test` at the root builds every package before vitest). Test
// helpers import the library from its TypeScript sources, like other projects.
// The WebGPU command test needs a Vulkan driver for Dawn; without a GPU the
// SwiftShader driver of Debian's chromium package serves.
const SWIFTSHADER_ICD = "/usr/lib/chromium/vk_swiftshader_icd.json";

export default defineProject({
  resolve: { conditions: ["@neureco/source"] },
  ssr: { resolve: { conditions: ["@neureco/source"] } },
  test: {
    name: "cli",
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    env: { VK_ICD_FILENAMES: process.env.VK_ICD_FILENAMES ?? SWIFTSHADER_ICD },
  },
});
