/**
 * Build time on synthetic data of a chosen width: m inputs uniform in
 * [-1, 1], y = tanh(Σ sin(j)·x_j / 3) + 0.3·x_0·x_1 + noise (σ 0.05), n rows.
 * Prints each accepted model with the time since the previous one, then the
 * whole build's time: how the builder scales beyond the bundled tasks.
 *
 * Usage: pnpm --filter @neureco/tabular bench:synthetic [-- m n]   (default 40 inputs, 2000 rows)
 */
import { buildModel } from "../src/builder/index.js";
import { builderRandom, normalDraw } from "../src/builder/random.js";
import { Matrix } from "../src/matrix.js";

const args = process.argv.slice(2).filter((a) => a !== "--");
const [m, n] = [Number(args[0] ?? 40), Number(args[1] ?? 2000)];
const random = builderRandom(5);
const x = Float64Array.from({ length: n * m }, () => 2 * random() - 1);
const y = new Float64Array(n);
for (let i = 0; i < n; i++) {
  let s = 0;
  for (let j = 0; j < m; j++) s += Math.sin(j) * x[i * m + j];
  y[i] = Math.tanh(s / 3) + 0.3 * x[i * m] * x[i * m + 1] + 0.05 * normalDraw(random);
}
const started = performance.now();
let last = started;
const { model } = await buildModel(
  { x: new Matrix(x, n, m), y: new Matrix(y, n, 1) },
  {
    seed: 0,
    onProgress: (p) => {
      const now = performance.now();
      const model = p.modelNumber < 0 ? "final" : `model ${p.modelNumber}`;
      console.log(
        `${model} (${p.phase}): ${p.weights} weights, validation error ${p.validationError.toFixed(4)}, +${((now - last) / 1000).toFixed(2)} s`,
      );
      last = now;
    },
  },
);
console.log(
  `${m} inputs, ${n} rows: built in ${((performance.now() - started) / 1000).toFixed(1)} s, ${model.weights.length} weights`,
);
