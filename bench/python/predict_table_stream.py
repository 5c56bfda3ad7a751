"""The scikit-learn equivalent of `iris predict --model <table model> --input <csv>`: the CSV read
in chunks, each chunk through the fitted pipeline (imputation, scaling, one-hot, Perceptron).

    python3 bench/python/predict_table_stream.py <model.pkl> <features.csv>
"""
import pickle
import sys

import pandas as pd


def main(model_path, data_path):
    with open(model_path, "rb") as f:
        saved = pickle.load(f)
    features, model = saved["features"], saved["model"]
    out = sys.stdout
    for chunk in pd.read_csv(data_path, chunksize=65536, float_precision="round_trip"):
        labels = model.predict(chunk[features])
        out.write("\n".join(labels.astype(str)))
        out.write("\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
