// `npm run demo`: bootstrap, build, then run the "compute gradients" example
// on its bundled data.
import { bootstrap, run } from "./bootstrap.mjs";

bootstrap();
process.exit(run(process.execPath, ["examples/compute-gradients/run.mjs", ...process.argv.slice(2)]));
