"""How much the grid-searched MLP baseline moves with its random seed.

For each task of datasets/, refits the MLP of baselines.jsonl (its best
hidden sizes and L2 strength; tanh, L-BFGS, standardised inputs and outputs,
as the baseline was measured) with random_state 0..5 and prints the test
RMSE of each and their mean. random_state 0 reproduces the baseline.

Needs scikit-learn (Debian: apt-get install python3-sklearn).
Usage: /usr/bin/python3 packages/tabular/bench/mlp-seeds.py [datasets dir]
"""
import json
import sys
import warnings
from pathlib import Path

import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

warnings.filterwarnings("ignore")
root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[3] / "datasets"


def read(task, name):
    a = np.genfromtxt(root / task / name, delimiter=";", skip_header=1)
    return a.reshape(len(a), -1)


best = {}
for line in (root / "baselines.jsonl").read_text().splitlines():
    entry = json.loads(line)
    if entry["method"] == "mlp-grid":
        best[entry["task"]] = entry["best"]

for task in sorted(best):
    xtr, ytr, xte, yte = (read(task, f) for f in ("x_train.csv", "y_train.csv", "x_test.csv", "y_test.csv"))
    keep = ~np.isnan(xtr).any(1) & ~np.isnan(ytr).any(1)
    xtr, ytr = xtr[keep], ytr[keep]
    keep = ~np.isnan(xte).any(1) & ~np.isnan(yte).any(1)
    xte, yte = xte[keep], yte[keep]
    rmses = []
    for seed in range(6):
        mlp = MLPRegressor(
            hidden_layer_sizes=tuple(best[task]["hidden_layer_sizes"]),
            alpha=best[task]["alpha"],
            activation="tanh",
            solver="lbfgs",
            max_iter=2000,
            random_state=seed,
        )
        model = TransformedTargetRegressor(regressor=make_pipeline(StandardScaler(), mlp), transformer=StandardScaler())
        model.fit(xtr, ytr)
        rmses.append(float(np.sqrt(np.mean((model.predict(xte).reshape(yte.shape) - yte) ** 2))))
    print(f"{task:24s} {best[task]}  " + " ".join(f"{r:.3f}" for r in rmses) + f"  mean {np.mean(rmses):.3f}")
