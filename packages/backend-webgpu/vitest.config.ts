import { defineProject } from "vitest/config";

// The Node tests need a Vulkan driver for Dawn; on machines without a GPU the
// SwiftShader driver that Debian's chromium package ships is used. A missing
// adapter makes the tests fail (never skip).
const SWIFTSHADER_ICD = "/usr/lib/chromium/vk_swiftshader_icd.json";

export default defineProject({
  resolve: { conditions: ["@neureco/source"] },
  ssr: { resolve: { conditions: ["@neureco/source"] } },
  test: {
    name: "backend-webgpu",
    include: ["test/**/*.test.ts"],
    // Builds on a software Vulkan driver take 20–40 s alone, and several
    // times that while the other projects' tests share a 2-core machine.
    testTimeout: 180_000,
    hookTimeout: 60_000,
    env: { VK_ICD_FILENAMES: process.env.VK_ICD_FILENAMES ?? SWIFTSHADER_ICD },
  },
});
