"""The scikit-learn equivalent of `iris predict --model <model> --input <csv>`: the CSV read in
chunks (so memory stays flat, as iris streams), each chunk scaled and predicted, one label a line.

    python3 bench/python/predict_stream.py <model.pkl> <features.csv>
"""
import pickle
import sys

import pandas as pd


def main(model_path, data_path):
    with open(model_path, "rb") as f:
        saved = pickle.load(f)
    features, scaler, model = saved["features"], saved["scaler"], saved["model"]
    out = sys.stdout
    for chunk in pd.read_csv(data_path, chunksize=65536):
        X = chunk[features].to_numpy(dtype="float64")
        labels = model.predict(scaler.transform(X))
        out.write("\n".join(labels.astype(str)))
        out.write("\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
