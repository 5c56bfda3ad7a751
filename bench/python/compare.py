"""Parity check (not timed): are the iris artifact's scaler and perceptron bit-identical to the
pickled scikit-learn ones? Prints one JSON line.

    python3 bench/python/compare.py <model.pkl> <model.json>
"""
import json
import pickle
import sys

import numpy as np


def main(pickle_path, json_path):
    with open(pickle_path, "rb") as f:
        saved = pickle.load(f)
    with open(json_path, encoding="utf-8") as f:
        artifact = json.load(f)
    scaler, model = saved["scaler"], saved["model"]
    pairs = {
        "scaler.mean": (artifact["scaler"]["mean"], scaler.mean_),
        "scaler.scale": (artifact["scaler"]["scale"], scaler.scale_),
        "perceptron.coef": (artifact["perceptron"]["coef"], model.coef_),
        "perceptron.intercept": (artifact["perceptron"]["intercept"], model.intercept_),
    }
    values = 0
    identical = 0
    for ours, theirs in pairs.values():
        a = np.asarray(ours, dtype="float64").ravel()
        b = np.asarray(theirs, dtype="float64").ravel()
        values += b.size
        if a.size == b.size:
            identical += int(np.sum(a.view(np.uint64) == b.view(np.uint64)))
    print(json.dumps({
        "values": values,
        "identical": identical,
        "nIter": [artifact["perceptron"]["nIter"], int(model.n_iter_)],
        "classes": [artifact["classes"], [str(c) for c in model.classes_]],
    }))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
