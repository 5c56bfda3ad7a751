"""The scikit-learn side of `npm run bench:tune` (docs/MODEL_SELECTION.md, "Speed"): the same grid
search as `iris tune --data <csv> --grid "eta0=… alpha=… penalty=…" --folds 5 --threads 2`:
read_csv + train_test_split(test_size=0.3, random_state=0) + GridSearchCV(Pipeline(StandardScaler,
Perceptron(max_iter=40, eta0=0.1, random_state=0)), param_grid, cv=5, scoring='accuracy',
n_jobs=2, refit=True) + best_estimator_.score on the test rows. Prints one JSON line.

    python3 bench/python/tune.py <labelled.csv> '<param_grid as JSON>' <folds> <n_jobs>
"""
import json
import sys

import pandas as pd
from sklearn.linear_model import Perceptron
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler


def main(data_path, grid_json, folds, n_jobs):
    df = pd.read_csv(data_path)
    target = df.columns[-1]
    X = df[list(df.columns[:-1])].to_numpy(dtype="float64")
    y = df[target].to_numpy()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
    grid = {f"perceptron__{k}": v for k, v in json.loads(grid_json).items()}
    pipe = Pipeline([("scaler", StandardScaler()), ("perceptron", Perceptron(max_iter=40, eta0=0.1, random_state=0))])
    search = GridSearchCV(pipe, grid, cv=int(folds), scoring="accuracy", n_jobs=int(n_jobs), refit=True).fit(X_train, y_train)
    best = {k.split("__", 1)[1]: v for k, v in search.best_params_.items()}
    print(json.dumps({"bestParams": best, "bestScore": search.best_score_, "testAccuracy": search.best_estimator_.score(X_test, y_test),
                      "candidates": len(search.cv_results_["params"])}))


if __name__ == "__main__":
    main(*sys.argv[1:5])
