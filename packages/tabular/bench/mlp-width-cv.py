"""scikit-learn's side of bench:width: 3-fold cross-validation error and test
error of the MLP by width and L2 strength.

On each task, for the hidden sizes and L2 strengths of the baseline's grid
(tanh, L-BFGS, standardised inputs and outputs, as baselines.jsonl was
measured), prints the RMSE over the held-out rows of a 3-fold
cross-validation on the training rows (row i in fold i mod 3, the folds of
bench:width) and the test RMSE when trained on all training rows, each the
mean over random_state 0..2.

Needs scikit-learn (Debian: apt-get install python3-sklearn).
Usage: /usr/bin/python3 packages/tabular/bench/mlp-width-cv.py [task] [datasets dir]
"""
import sys
import warnings
from pathlib import Path

import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

warnings.filterwarnings("ignore")
task = sys.argv[1] if len(sys.argv) > 1 else "auto-mpg"
root = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(__file__).resolve().parents[3] / "datasets"
FOLDS = 3
SEEDS = range(3)


def read(name):
    a = np.genfromtxt(root / task / name, delimiter=";", skip_header=1)
    return a.reshape(len(a), -1)


xtr, ytr, xte, yte = (read(f) for f in ("x_train.csv", "y_train.csv", "x_test.csv", "y_test.csv"))
keep = ~np.isnan(xtr).any(1) & ~np.isnan(ytr).any(1)
xtr, ytr = xtr[keep], ytr[keep].ravel()
keep = ~np.isnan(xte).any(1) & ~np.isnan(yte).any(1)
xte, yte = xte[keep], yte[keep].ravel()
fold = np.arange(len(xtr)) % FOLDS


def model(hidden, alpha, seed):
    mlp = MLPRegressor(hidden, alpha=alpha, activation="tanh", solver="lbfgs", max_iter=2000, random_state=seed)
    return TransformedTargetRegressor(regressor=make_pipeline(StandardScaler(), mlp), transformer=StandardScaler())


def rmse(a, b):
    return float(np.sqrt(np.mean((a - b) ** 2)))


print(f"{task}: {len(xtr)} training rows, {len(xte)} test rows, mean of {len(SEEDS)} seeds")
print("hidden     alpha   cv rmse  test rmse")
for hidden in [(4,), (8,), (16,), (32,), (64,), (32, 32)]:
    for alpha in [1e-4, 1e-2, 1.0]:
        cv, te = [], []
        for seed in SEEDS:
            predicted = np.empty(len(xtr))
            for f in range(FOLDS):
                m = model(hidden, alpha, seed).fit(xtr[fold != f], ytr[fold != f])
                predicted[fold == f] = m.predict(xtr[fold == f])
            cv.append(rmse(predicted, ytr))
            te.append(rmse(model(hidden, alpha, seed).fit(xtr, ytr).predict(xte), yte))
        print(f"{str(hidden):10s} {alpha:6g}  {np.mean(cv):8.3f}  {np.mean(te):9.3f}")
