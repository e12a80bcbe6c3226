/** A real backend wrapped to count its live buffers (for leak tests). */
import type { Backend, DataId, KernelTable } from "@neureco/core";

/** The backend, with the set of its buffers alive (created by upload, a kernel or a compiled graph, not yet disposed). */
export function countingBackend(inner: Backend): {
  backend: Backend;
  live: Set<DataId>;
  created: () => number;
} {
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
