import { runBackendConformance, runFusionConformance } from "@neureco/core/testing";
import { webgpu } from "../src/index.js";

// Float32 kernels on the GPU: transcendental functions and summation order
// differ from the float64 reference by a few ulps of float32.
runBackendConformance({
  name: "webgpu",
  createBackend: () => webgpu(),
  dtypes: ["float32"],
  tolerance: { float64: 0, float32: 2e-5 },
});

// The fused row pass sums over the rows in blocks of workgroups, in float32.
// Fused from a graph's first run (by default only from its third).
runFusionConformance({
  name: "webgpu",
  createBackend: () => webgpu({ fuseAfterCalls: 1 }),
  dtypes: ["float32"],
  tolerance: { float64: 0, float32: 2e-5 },
  numRuns: 12,
});

// The same with all the workgroup memory the device has, as on a GPU (a CPU
// fallback adapter gets 256 floats by default).
runFusionConformance({
  name: "webgpu, all workgroup memory",
  createBackend: () => webgpu({ fuseAfterCalls: 1, fusedWorkgroupFloats: Number.POSITIVE_INFINITY }),
  dtypes: ["float32"],
  tolerance: { float64: 0, float32: 2e-5 },
  numRuns: 4,
});
