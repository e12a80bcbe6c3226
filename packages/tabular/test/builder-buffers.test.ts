/**
 * A build frees every buffer it puts on the backend it is handed: the data,
 * every chunk, every intermediate, and nothing kept by a compiled function
 * (a function that closed over the data kept, per network structure, the
 * inputs gathered per link: rows × links doubles, 370 MB over a build of
 * 32,000 rows). Counted on a real CPU backend by wrapping what creates and
 * frees its buffers.
 */
import { cpu } from "@neureco/backend-cpu";
import type { Backend, DataId, KernelTable } from "@neureco/core";
import { describe, expect, it } from "vitest";
import { buildModel } from "../src/builder/index.js";
import { friedmanWithNoiseInputs } from "./builder-helpers.js";

/** The backend, with the set of its buffers alive (created by upload, a kernel or a compiled graph, not yet disposed). */
function countingBackend(inner: Backend): { backend: Backend; live: Set<DataId>; created: () => number } {
  const live = new Set<DataId>();
  let created = 0;
  const track = (id: DataId) => {
    if (!live.has(id)) created++;
    live.add(id);
    return id;
  };
  const kernels = Object.fromEntries(
    Object.entries(inner.kernels).map(([name, kernel]) => [
      name,
      (...args: Parameters<typeof kernel>) => track((kernel as (...a: typeof args) => DataId)(...args)),
    ]),
  ) as unknown as KernelTable;
  const compile = inner.compile?.bind(inner);
  const backend: Backend = {
    ...inner,
    upload: (data, shape, dtype) => track(inner.upload(data, shape, dtype)),
    dispose: (id) => {
      live.delete(id);
      inner.dispose(id);
    },
    kernels,
    compile: compile
      ? (graph) => {
          const compiled = compile(graph);
          if (!compiled) return undefined;
          return {
            run: (inputs) => compiled.run(inputs).map(track),
            dispose: compiled.dispose?.bind(compiled),
          };
        }
      : undefined,
  };
  return { backend, live, created: () => created };
}

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
});
