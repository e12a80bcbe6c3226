import { runBackendConformance, runFusionConformance } from "@neureco/core/testing";
import { cpu } from "../src/index.js";

runBackendConformance({
  name: "cpu",
  createBackend: () => cpu(),
  dtypes: ["float64", "float32"],
  tolerance: { float64: 1e-12, float32: 1e-5 },
});

runFusionConformance({
  name: "cpu",
  createBackend: () => cpu(),
  dtypes: ["float64", "float32"],
  tolerance: { float64: 1e-12, float32: 1e-5 },
});
