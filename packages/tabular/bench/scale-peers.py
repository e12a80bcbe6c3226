"""The peers of bench/scale.ts on the rows it wrote: scikit-learn's
MLPRegressor (one fit, no grid search) and xgboost (defaults), each in a
fresh process so that its peak RSS is its own.

The folder holds x_train.f64, y_train.f64, x_test.f64, y_test.f64 (raw
float64, row-major; m inputs, one output). Prints one JSON line:
{name: {seconds, peakMb, weights, testRmse}}.

mlp: 32 tanh neurons, standardised inputs and outputs, L-BFGS (max_iter
2000) up to 10^5 rows, Adam (early stopping) beyond, where L-BFGS's full
batches would take hours; random_state 0.
Needs: apt-get install python3-sklearn python3-xgboost.
Usage: scale-peers.py DIR M
"""
import json
import resource
import subprocess
import sys
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")


def load(folder, m):
    x = np.fromfile(f"{folder}/x_train.f64").reshape(-1, m)
    y = np.fromfile(f"{folder}/y_train.f64")
    xt = np.fromfile(f"{folder}/x_test.f64").reshape(-1, m)
    yt = np.fromfile(f"{folder}/y_test.f64")
    return x, y, xt, yt


def run_one(name, folder, m):
    x, y, xt, yt = load(folder, m)
    started = time.time()
    if name == "mlp":
        from sklearn.compose import TransformedTargetRegressor
        from sklearn.neural_network import MLPRegressor
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        solver = {"solver": "lbfgs", "max_iter": 2000} if len(x) <= 100_000 else {"solver": "adam", "early_stopping": True}
        mlp = MLPRegressor((32,), activation="tanh", random_state=0, **solver)
        model = TransformedTargetRegressor(regressor=make_pipeline(StandardScaler(), mlp), transformer=StandardScaler())
        model.fit(x, y)
        fitted = model.regressor_[-1]
        weights = sum(c.size for c in fitted.coefs_) + sum(b.size for b in fitted.intercepts_)
    else:
        import xgboost

        model = xgboost.XGBRegressor(n_jobs=2)
        model.fit(x, y)
        weights = None
    seconds = time.time() - started
    rmse = float(np.sqrt(np.mean((model.predict(xt) - yt) ** 2)))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peakMb": peak, "weights": weights, "testRmse": rmse}))


def main():
    folder, m = sys.argv[1], int(sys.argv[2])
    if len(sys.argv) > 3:
        run_one(sys.argv[3], folder, m)
        return
    results = {}
    for name in ("mlp", "xgboost"):
        out = subprocess.run([sys.executable, __file__, folder, str(m), name], capture_output=True, text=True)
        if out.returncode == 0:
            results[name] = json.loads(out.stdout.strip().splitlines()[-1])
        else:
            print(out.stderr, file=sys.stderr)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
