"""The scikit-learn side of `iris train --data <table.csv> --impute mean --out <model>` (docs/CLI.md
"Tables"): pandas read_csv (float_precision='round_trip', as iris parses numbers), train_test_split,
the ColumnTransformer of docs/MODEL_FORMAT.md (mean imputation + StandardScaler for the numeric
columns, most_frequent imputation + dense one-hot for the categorical ones) and the same Perceptron.

    python3 bench/python/train_table.py <labelled.csv> <model.pkl>
"""
import pickle
import sys

import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Perceptron
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def main(data_path, model_path):
    df = pd.read_csv(data_path, float_precision="round_trip")
    target = df.columns[-1]
    features = list(df.columns[:-1])
    numeric = [c for c in features if df[c].dtype.kind in "fi"]
    categorical = [c for c in features if c not in numeric]
    X, y = df[features], df[target]
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
    pre = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="mean"), StandardScaler()), numeric),
        ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore", sparse_output=False)), categorical),
    ])
    model = make_pipeline(pre, Perceptron(max_iter=40, eta0=0.1, random_state=0)).fit(X_train, y_train)
    print(f"Trained a Perceptron on {data_path}: {len(y)} rows ({len(y_train)} train, {len(y_test)} test), {model[-1].n_iter_} epochs")
    with open(model_path, "wb") as f:
        pickle.dump({"features": features, "model": model}, f, protocol=pickle.HIGHEST_PROTOCOL)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
