"""The model behind the Python servers of `npm run bench:serve`, shared by flask_app.py and
fastapi_app.py: trained at start-up the reference way (train_test_split(test_size=0.3,
random_state=0), StandardScaler fitted on the training rows, Perceptron(max_iter=40, eta0=0.1,
random_state=0)), as a scikit-learn Pipeline, the object MLflow's sklearn flavour would serve.

A request's rows become a float64 matrix in the model's feature order, the pipeline scores it, and
the answer is built from Python lists: `{"predictions": [{"label", "scores"}]}`, what `iris serve`
answers. By default the matrix is made with numpy alone, the fastest way a hand-written app would
take (a pandas DataFrame costs about 0.4 ms a request here, twice the rest of the work together);
BENCH_SERVE_FRAME=pandas makes it the way MLflow's pyfunc scoring server does (a DataFrame from the
JSON, then its columns by name), for comparison.

The data file comes from $BENCH_SERVE_DATA (default: the bundled data/iris.csv).
"""
import os

import numpy as np
import pandas as pd
from sklearn.linear_model import Perceptron
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.environ.get("BENCH_SERVE_DATA", os.path.join(HERE, "..", "..", "data", "iris.csv"))
WITH_PANDAS = os.environ.get("BENCH_SERVE_FRAME", "numpy") == "pandas"


class BadRequest(Exception):
    """A body that cannot be scored: the servers answer 400 with this message."""


def train(path=DATA):
    df = pd.read_csv(path)
    target = df.columns[-1]
    features = list(df.columns[:-1])
    X = df[features].to_numpy(dtype="float64")
    y = df[target].to_numpy()
    X_train, _X_test, y_train, _y_test = train_test_split(X, y, test_size=0.3, random_state=0)
    pipeline = make_pipeline(StandardScaler(), Perceptron(max_iter=40, eta0=0.1, random_state=0))
    pipeline.fit(X_train, y_train)
    return features, pipeline


FEATURES, PIPELINE = train()
CLASSES = [str(c) for c in PIPELINE.classes_]


def matrix(rows, columns):
    """`rows` (lists of numbers, in the order of `columns`) as a float64 matrix of the model's features."""
    if WITH_PANDAS:
        df = pd.DataFrame(rows, columns=columns)
        missing = [name for name in FEATURES if name not in df.columns]
        if missing:
            raise BadRequest(f"missing features: {', '.join(missing)}")
        return df[FEATURES].to_numpy(dtype="float64")
    missing = [name for name in FEATURES if name not in columns]
    if missing:
        raise BadRequest(f"missing features: {', '.join(missing)}")
    X = np.asarray(rows, dtype="float64")
    if X.ndim != 2 or X.shape[1] != len(columns):
        raise BadRequest(f"expected rows of {len(columns)} numbers")
    if list(columns) == FEATURES:
        return X
    return X[:, [columns.index(name) for name in FEATURES]]


def frame(body):
    """The rows of an MLflow-style body (`dataframe_split`, or `instances`/`inputs` as arrays)."""
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    if "dataframe_split" in body:
        split = body["dataframe_split"]
        if not isinstance(split, dict) or not isinstance(split.get("columns"), list) or "data" not in split:
            raise BadRequest("dataframe_split needs columns and data")
        rows, columns = split["data"], split["columns"]
    elif "instances" in body or "inputs" in body:
        rows, columns = body.get("instances", body.get("inputs")), FEATURES
    else:
        raise BadRequest("expected dataframe_split, instances or inputs")
    try:
        return matrix(rows, columns)
    except (ValueError, TypeError) as error:
        raise BadRequest(f"rows: {error}") from None


def predict(body):
    """The answer to one /invocations body: a label and the decision function per class."""
    X = frame(body)
    if not np.isfinite(X).all():
        raise BadRequest("non-finite value")
    scores = PIPELINE.decision_function(X)
    # Perceptron.predict is the argmax of the decision function; computing it once serves both.
    labels = PIPELINE.classes_[np.argmax(scores, axis=1)]
    return {
        "predictions": [
            {"label": str(label), "scores": dict(zip(CLASSES, row))}
            for label, row in zip(labels.tolist(), scores.tolist())
        ]
    }
