"""The scikit-learn equivalent of a one-off `iris predict --model <model> --f1 <x> --f2 <x> ...`:
load the pickled scaler and perceptron, predict one row given on the command line, print the label.

    python3 bench/python/predict_one.py <model.pkl> --f1 0.5 --f2 -1.2 ...
"""
import pickle
import sys

import numpy as np


def main(model_path, args):
    with open(model_path, "rb") as f:
        saved = pickle.load(f)
    features, scaler, model = saved["features"], saved["scaler"], saved["model"]
    given = {}
    for i in range(0, len(args), 2):
        given[args[i].lstrip("-")] = float(args[i + 1])
    missing = [name for name in features if name not in given]
    if missing:
        sys.exit(f"missing features: {', '.join(missing)}")
    row = np.array([[given[name] for name in features]], dtype="float64")
    print(model.predict(scaler.transform(row))[0])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
