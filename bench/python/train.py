"""The scikit-learn side of `iris train --data <csv> --out <model>` (default options), as the issue
defines it: read_csv + train_test_split(test_size=0.3, random_state=0) + StandardScaler fitted on
the training rows + Perceptron(max_iter=40, eta0=0.1, random_state=0) + pickle.

It does less than `iris train`, which also hashes the data file, scores the train and test rows,
prints the confusion matrix and classification report, and checks the artifact it writes: on
string labels, scikit-learn's classification_report alone takes longer than the fit (see
BENCHMARKS.md), so leaving the metrics out keeps the comparison conservative.

    python3 bench/python/train.py <labelled.csv> <model.pkl>
"""
import pickle
import sys

import pandas as pd
from sklearn.linear_model import Perceptron
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


def main(data_path, model_path):
    df = pd.read_csv(data_path)
    target = df.columns[-1]
    features = list(df.columns[:-1])
    X = df[features].to_numpy(dtype="float64")
    y = df[target].to_numpy()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
    scaler = StandardScaler().fit(X_train)
    model = Perceptron(max_iter=40, eta0=0.1, random_state=0)
    model.fit(scaler.transform(X_train), y_train)
    print(f"Trained a Perceptron on {data_path}: {len(y)} rows ({len(y_train)} train, {len(y_test)} test), {model.n_iter_} epochs")
    with open(model_path, "wb") as f:
        pickle.dump({"features": features, "scaler": scaler, "model": model}, f, protocol=pickle.HIGHEST_PROTOCOL)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
