"""Tasks outside datasets/, to check that the builder's defaults carry over.

Writes, in the layout of datasets/ (x_train.csv, y_train.csv, x_test.csv,
y_test.csv, `;`-separated, one header row), five tasks that scikit-learn
ships or generates without a network connection:

  diabetes   442 rows, 10 inputs (load_diabetes)
  linnerud   20 rows, 3 inputs, 3 outputs (load_linnerud): multi-output
  friedman1  600 rows, 10 inputs of which 5 are pure noise, noise σ 1
  friedman2  600 rows, 4 inputs, noise σ 60
  friedman3  600 rows, 4 inputs, noise σ 0.1

and with --wide two more,

  friedman1-20in   600 rows, 20 inputs of which 15 are pure noise, noise σ 1
  friedman1-60in  2000 rows, 60 inputs of which 55 are pure noise, noise σ 1

split 80/20 (train_test_split, random_state 0), and baselines.jsonl with the
grid-searched MLP of datasets/README.md (tanh, L-BFGS, standardised inputs
and outputs, 3-fold search over hidden sizes 4, 8, 16, 32, 64, 32+32 and L2
strength 1e-4, 1e-2, 1, refit on all training rows), measured here.

Needs scikit-learn (Debian: apt-get install python3-sklearn).
Usage:
  /usr/bin/python3 packages/tabular/bench/extra-tasks.py /tmp/extra-tasks [--wide]
  npx -y pnpm@10.34.9 --filter @neureco/tabular bench:build -- /tmp/extra-tasks --seed-count 5
"""
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_diabetes, load_linnerud, make_friedman1, make_friedman2, make_friedman3
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

warnings.filterwarnings("ignore")
args = [a for a in sys.argv[1:] if a != "--wide"]
if len(args) != 1:
    sys.exit("usage: extra-tasks.py OUTPUT_DIR [--wide]")
root = Path(args[0])
root.mkdir(parents=True, exist_ok=True)


def column(a):
    return a.reshape(len(a), -1)


tasks = {
    "diabetes": (load_diabetes().data, column(load_diabetes().target)),
    "linnerud": (load_linnerud().data, load_linnerud().target),
    "friedman1": tuple(map(column, make_friedman1(n_samples=600, noise=1.0, random_state=1))),
    "friedman2": tuple(map(column, make_friedman2(n_samples=600, noise=60, random_state=2))),
    "friedman3": tuple(map(column, make_friedman3(n_samples=600, noise=0.1, random_state=3))),
}
if "--wide" in sys.argv[1:]:
    tasks["friedman1-20in"] = tuple(
        map(column, make_friedman1(n_samples=600, n_features=20, noise=1.0, random_state=4))
    )
    tasks["friedman1-60in"] = tuple(
        map(column, make_friedman1(n_samples=2000, n_features=60, noise=1.0, random_state=1))
    )

baselines = []
for name, (x, y) in tasks.items():
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, random_state=0)
    folder = root / name
    folder.mkdir(exist_ok=True)
    for file, a, prefix in (
        ("x_train.csv", x_train, "x"),
        ("x_test.csv", x_test, "x"),
        ("y_train.csv", y_train, "y"),
        ("y_test.csv", y_test, "y"),
    ):
        header = ";".join(f"{prefix}{j}" for j in range(a.shape[1]))
        np.savetxt(folder / file, a, delimiter=";", header=header, comments="", fmt="%.10g")

    started = time.time()
    mlp = MLPRegressor(activation="tanh", solver="lbfgs", max_iter=2000, random_state=0)
    search = GridSearchCV(
        TransformedTargetRegressor(regressor=make_pipeline(StandardScaler(), mlp), transformer=StandardScaler()),
        {
            "regressor__mlpregressor__hidden_layer_sizes": [(4,), (8,), (16,), (32,), (64,), (32, 32)],
            "regressor__mlpregressor__alpha": [1e-4, 1e-2, 1],
        },
        cv=3,
    )
    search.fit(x_train, y_train if y_train.shape[1] > 1 else y_train.ravel())
    seconds = time.time() - started
    prediction = search.predict(x_test).reshape(y_test.shape)
    fitted = search.best_estimator_.regressor_[-1]
    weights = sum(c.size for c in fitted.coefs_) + sum(b.size for b in fitted.intercepts_)
    best = search.best_params_
    baselines.append(
        {
            "task": name,
            "method": "mlp-grid",
            "rmse": np.sqrt(((prediction - y_test) ** 2).mean(0)).tolist(),
            "weights": int(weights),
            "seconds": seconds,
            "best": {
                "hidden_layer_sizes": list(best["regressor__mlpregressor__hidden_layer_sizes"]),
                "alpha": best["regressor__mlpregressor__alpha"],
            },
        }
    )
    print(f"{name:10s} {x_train.shape[0]:4d} rows  mlp-grid {baselines[-1]['best']}  {seconds:.1f} s")

(root / "baselines.jsonl").write_text("".join(json.dumps(b) + "\n" for b in baselines))
