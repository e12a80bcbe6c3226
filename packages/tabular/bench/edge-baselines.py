"""Peer baselines on the "edge split" of every regression task: how well a
grid-searched MLP (and a linear model) extrapolates to the rows farthest
from the bulk of the data.

The edge split of a task (the TypeScript benchmark reads `held_out` from
edge-baselines.jsonl, so both sides use the very same rows):
  1. rows = the task's train rows then its test rows, in file order
     (x_train.csv + y_train.csv, then x_test.csv + y_test.csv);
  2. drop every row with a missing cell in x or y; the remaining rows are
     numbered 0..n-1 in that order (n = rows_total); every index below is
     into this list;
  3. standardise each input column over those n rows: (x - mean) / std with
     the population std (ddof 0); a constant column (std 0) becomes 0;
  4. each row's squared Euclidean distance to the centroid (the origin in
     standardised units), in float64, rounded to 9 decimals so that
     distances which differ only by floating-point rounding count as ties
     (e.g. the two extreme voltages of wafer-current);
  5. hold out k = ceil(n / 10) rows (integer arithmetic: (n + 9) // 10):
     sort the rows by rounded distance, largest first, ties by lower index
     first, and take the first k. These "edge" rows are the test rows of the
     split (`held_out`, ascending); the other n - k rows, kept in their
     order, are its training rows.

On each split, the protocol of ../../../datasets/README.md and the suite's
README (baselines.jsonl), unchanged:
  mlp-grid: MLPRegressor(activation tanh, solver lbfgs, max_iter 2000,
    random_state 0) on StandardScaler'd inputs, inside a
    TransformedTargetRegressor with a StandardScaler on the outputs;
    GridSearchCV(cv=3, i.e. unshuffled KFold over the training rows in the
    order above, default score R2, n_jobs 2) over hidden_layer_sizes
    (4,), (8,), (16,), (32,), (64,), (32, 32) and alpha 1e-4, 1e-2, 1,
    refit on all training rows. A single-output y is passed as a vector.
    The grid is searched in three parts on the same folds (sizes up to 32,
    then 64, then 32+32) and the best setting is taken over all parts in
    GridSearchCV's own candidate order (first best wins), then refit: the
    same setting and model as one GridSearchCV. A part is started only while
    the task's elapsed seconds are under --limit (default 600); a line whose
    grid was cut says so in `grid_note`.
  linear: LinearRegression() on the raw inputs (`linear_rmse`).

One JSON line per task in --out (default edge-baselines.jsonl next to this
script): task, folder ("datasets" or "suite"), rows_total, held_out,
method "mlp-grid", rmse (per output, in the output's own units, over the
edge rows), max_error_sd (largest |prediction - truth| over edge rows and
outputs, divided by that output's population SD over the split's training
rows), weights (MLP coefficients + intercepts), seconds (wall seconds of
the search and refit), best {hidden_layer_sizes, alpha}, load
(/proc/loadavg just before the task), linear_rmse, and grid_note when the
grid was cut. With --task the lines of the named tasks are replaced in an
existing --out and the others kept.

Needs scikit-learn and pandas (Debian: apt-get install python3-sklearn
python3-pandas; the file was measured with scikit-learn 1.2.1).
Usage (from the repository root):
  /usr/bin/python3 packages/tabular/bench/edge-baselines.py \\
      [--datasets /work/shared/data] [--suite /work/shared/data/suite] \\
      [--task NAME ...] [--out FILE] [--limit SECONDS]
"""
import argparse
import json
import os
import sys
import time
import warnings

os.environ["PYTHONWARNINGS"] = "ignore"  # the search's worker processes inherit it
warnings.filterwarnings("ignore")
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.compose import TransformedTargetRegressor  # noqa: E402
from sklearn.linear_model import LinearRegression  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.neural_network import MLPRegressor  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

HIDDEN = "regressor__mlpregressor__hidden_layer_sizes"
ALPHA = "regressor__mlpregressor__alpha"
SIZES = [(4,), (8,), (16,), (32,), (64,), (32, 32)]
ALPHAS = [1e-4, 1e-2, 1]
PARTS = [[(4,), (8,), (16,), (32,)], [(64,)], [(32, 32)]]


def read(folder, name):
    return pd.read_csv(folder / name, sep=";", dtype=float).to_numpy(float)


def load_task(folder):
    """All rows, train then test, with every row that has a missing cell dropped."""
    x = np.vstack([read(folder, "x_train.csv"), read(folder, "x_test.csv")])
    y = np.vstack([read(folder, "y_train.csv"), read(folder, "y_test.csv")])
    keep = ~np.isnan(x).any(1) & ~np.isnan(y).any(1)
    return x[keep], y[keep]


def edge_split(x):
    """Indices of the held-out edge rows (ascending) and of the training rows, as the header says."""
    n = len(x)
    mean = x.mean(0)
    std = x.std(0)
    z = np.zeros_like(x)
    varying = std > 0
    z[:, varying] = (x[:, varying] - mean[varying]) / std[varying]
    distance = np.round((z * z).sum(1), 9)
    k = (n + 9) // 10
    order = np.lexsort((np.arange(n), -distance))  # largest distance first, then lower index
    held = np.sort(order[:k])
    mask = np.zeros(n, bool)
    mask[held] = True
    return held, np.flatnonzero(~mask)


def model():
    mlp = MLPRegressor(activation="tanh", solver="lbfgs", max_iter=2000, random_state=0)
    return TransformedTargetRegressor(regressor=make_pipeline(StandardScaler(), mlp), transformer=StandardScaler())


def grid_search(x, y, limit):
    """The grid in parts on the same folds; best over all parts in one GridSearchCV's candidate order; refit."""
    started = time.time()
    scores = {}
    skipped = []
    for part in PARTS:
        if time.time() - started >= limit:
            skipped += part
            continue
        search = GridSearchCV(model(), {HIDDEN: part, ALPHA: ALPHAS}, cv=3, n_jobs=2, refit=False)
        search.fit(x, y)
        for params, score in zip(search.cv_results_["params"], search.cv_results_["mean_test_score"]):
            scores[(params[ALPHA], params[HIDDEN])] = score
    # GridSearchCV's order: sorted parameter names, the last varying fastest (alpha, then hidden size)
    candidates = [(a, h) for a in ALPHAS for h in SIZES if (a, h) in scores]
    best = max(candidates, key=lambda c: scores[c])  # max keeps the first of equal scores
    fitted = clone(model()).set_params(**{ALPHA: best[0], HIDDEN: best[1]}).fit(x, y)
    note = None
    if skipped:
        note = (
            f"hidden sizes {', '.join('+'.join(map(str, s)) for s in skipped)} not searched: "
            f"the task passed the {limit:g}-second limit"
        )
    return fitted, {"hidden_layer_sizes": list(best[1]), "alpha": float(best[0])}, time.time() - started, note


def rmse(prediction, truth):
    return np.sqrt(((prediction - truth) ** 2).mean(0)).tolist()


def run_task(name, folder_label, folder, limit):
    load = Path("/proc/loadavg").read_text().strip()
    x, y = load_task(folder)
    held, train = edge_split(x)
    xtr, ytr, xte, yte = x[train], y[train], x[held], y[held]
    target = ytr.ravel() if ytr.shape[1] == 1 else ytr
    fitted, best, seconds, note = grid_search(xtr, target, limit)
    prediction = fitted.predict(xte).reshape(yte.shape)
    mlp = fitted.regressor_[-1]
    weights = sum(c.size for c in mlp.coefs_) + sum(b.size for b in mlp.intercepts_)
    sd = ytr.std(0)
    linear = LinearRegression().fit(xtr, target).predict(xte).reshape(yte.shape)
    line = {
        "task": name,
        "folder": folder_label,
        "rows_total": int(len(x)),
        "held_out": [int(i) for i in held],
        "method": "mlp-grid",
        "rmse": rmse(prediction, yte),
        "max_error_sd": float((np.abs(prediction - yte) / sd).max()),
        "weights": int(weights),
        "seconds": round(seconds, 3),
        "best": best,
        "load": load,
        "linear_rmse": rmse(linear, yte),
    }
    if note:
        line["grid_note"] = note
    return line


def fmt(values):
    return ", ".join(f"{v:.4g}" for v in values)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default="/work/shared/data", help="folder of the bundled tasks")
    parser.add_argument("--suite", default="/work/shared/data/suite", help="folder of the suite's tasks")
    parser.add_argument("--task", nargs="*", default=None, help="only these tasks")
    parser.add_argument("--out", default=str(Path(__file__).resolve().with_name("edge-baselines.jsonl")))
    parser.add_argument("--limit", type=float, default=600, help="seconds after which no further grid part starts")
    args = parser.parse_args()

    tasks = []
    for label, root in (("datasets", Path(args.datasets)), ("suite", Path(args.suite))):
        if not root.is_dir():
            sys.exit(f"no folder {root}")
        # the four bundled tasks first in their README's order, then alphabetical
        bundled = ["biomass", "boston", "auto-mpg", "airquality-with-missing"]
        names = sorted((d.name for d in root.iterdir() if (d / "x_train.csv").is_file()),
                       key=lambda t: (bundled.index(t) if t in bundled else len(bundled), t))
        tasks += [(name, label, root / name) for name in names]
    if args.task is not None:
        unknown = set(args.task) - {t[0] for t in tasks}
        if unknown:
            sys.exit(f"unknown task(s): {', '.join(sorted(unknown))}")
        tasks = [t for t in tasks if t[0] in args.task]

    out = Path(args.out)
    lines = {}
    if args.task is not None and out.is_file():
        for text in out.read_text().splitlines():
            entry = json.loads(text)
            lines[(entry["folder"], entry["task"])] = entry
    order = {("datasets", "biomass"): 0, ("datasets", "boston"): 1, ("datasets", "auto-mpg"): 2,
             ("datasets", "airquality-with-missing"): 3}

    def write():
        keys = sorted(lines, key=lambda k: (k[0] != "datasets", order.get(k, 9), k[1]))
        out.write_text("".join(json.dumps(lines[k]) + "\n" for k in keys))

    done = []
    for name, label, folder in tasks:
        line = run_task(name, label, folder, args.limit)
        lines[(label, name)] = line
        done.append(line)
        write()
        print(f"{name}: {line['rows_total']} rows, {len(line['held_out'])} held out, mlp {fmt(line['rmse'])}, "
              f"linear {fmt(line['linear_rmse'])}, {line['seconds']:.0f} s, load {line['load'].split()[0]}"
              + (f" ({line['grid_note']})" if "grid_note" in line else ""), flush=True)

    print()
    print("| task | rows | held out | mlp-grid RMSE | linear RMSE | max error (SDs) | weights | seconds | best |")
    print("|---|---|---|---|---|---|---|---|---|")
    for line in done:
        best = line["best"]
        print(f"| {line['task']} | {line['rows_total']} | {len(line['held_out'])} | {fmt(line['rmse'])} | "
              f"{fmt(line['linear_rmse'])} | {line['max_error_sd']:.3g} | {line['weights']} | {line['seconds']:.0f}"
              f"{'*' if 'grid_note' in line else ''} | {'+'.join(map(str, best['hidden_layer_sizes']))}, "
              f"{best['alpha']:g} |")


if __name__ == "__main__":
    main()
