/**
 * A build frees every buffer it puts on the backend it is handed: the data,
 * every chunk, every intermediate, and nothing kept by a compiled function
 * (a function that closed over the data kept, per network structure, the
 * inputs gathered per link: rows × links doubles, 370 MB over a build of
 * 32,000 rows). Counted on a real CPU backend by wrapping what creates and
 * frees its buffers.
 */
import { cpu } from "@neureco/backend-cpu";
import { describe, expect, it } from "vitest";
import { buildModel } from "../src/builder/index.js";
import { NORMAL_EQUATIONS_CHUNK } from "../src/builder/objective.js";
import { friedmanWithNoiseInputs } from "./builder-helpers.js";
import { countingBackend } from "./counting-backend.js";

describe("a build's buffers", () => {
  it("are all freed when the build ends, on a backend it was handed", async () => {
    const inner = cpu();
    const { backend, live, created } = countingBackend(inner);
    try {
      const { x, y } = friedmanWithNoiseInputs(400, 6, 0.5, 3);
      const { model } = await buildModel({ x, y }, { seed: 0, backend });
      expect(model.structure.hidden).toBeGreaterThan(0); // networks were grown and trained
      expect(created()).toBeGreaterThan(1000);
      expect(live.size).toBe(0);
    } finally {
      inner.destroy();
    }
  });

  it("are all freed when the final refit ran on the training and validation chunks joined (rows > one chunk)", async () => {
    const inner = cpu();
    const { backend, live } = countingBackend(inner);
    try {
      const { x, y } = friedmanWithNoiseInputs(NORMAL_EQUATIONS_CHUNK + 500, 5, 0.5, 4);
      const { history } = await buildModel({ x, y }, { seed: 0, backend });
      expect(history.final).not.toBeNull();
      expect(live.size).toBe(0);
    } finally {
      inner.destroy();
    }
  }, 120_000);
});
