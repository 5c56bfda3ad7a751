"""The scikit-learn equivalent of `iris train --data <csv> --out <model>` (default options).

read_csv + train_test_split(test_size=0.3, random_state=0) + StandardScaler fitted on the training
rows + Perceptron(max_iter=40, eta0=0.1, random_state=0), the train and test accuracy and the test
classification report that `iris train` prints, then the fitted scaler and perceptron pickled.

    python3 bench/python/train.py <labelled.csv> <model.pkl>
"""
import pickle
import sys

import pandas as pd
from sklearn.linear_model import Perceptron
from sklearn.metrics import accuracy_score, classification_report, confusion_matrix
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
    train_accuracy = accuracy_score(y_train, model.predict(scaler.transform(X_train)))
    predicted = model.predict(scaler.transform(X_test))
    print(f"Trained a Perceptron on {data_path}: {len(y)} rows ({len(y_train)} train, {len(y_test)} test)")
    print(f"  epochs    {model.n_iter_}; accuracy train {train_accuracy:.4f}, test {accuracy_score(y_test, predicted):.4f}")
    print(confusion_matrix(y_test, predicted, labels=model.classes_))
    print(classification_report(y_test, predicted, digits=4))
    with open(model_path, "wb") as f:
        pickle.dump({"features": features, "scaler": scaler, "model": model}, f, protocol=pickle.HIGHEST_PROTOCOL)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
