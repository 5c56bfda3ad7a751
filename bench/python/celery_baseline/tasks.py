"""The scoring task: the model bench/python/train.py pickled, loaded once by each worker as it
starts (before it forks its pool), applied to the rows of one request. The web processes import
this module to send the task; they never load the model."""
import os
import pickle
import sys

import numpy as np
from celery import shared_task
from celery.signals import worker_init, worker_ready

_saved = None


def _model():
    global _saved
    if _saved is None:
        with open(os.environ["BENCH_CELERY_MODEL"], "rb") as f:
            _saved = pickle.load(f)
    return _saved


@shared_task
def predict(columns, rows):
    """Labels of `rows` (lists of numbers in the order of `columns`), as strings; an error message
    for rows that cannot be scored."""
    saved = _model()
    features, scaler, model = saved["features"], saved["scaler"], saved["model"]
    missing = [name for name in features if name not in columns]
    if missing:
        return {"error": f"missing features: {', '.join(missing)}"}
    try:
        X = np.asarray(rows, dtype="float64")
    except (TypeError, ValueError) as error:
        return {"error": f"rows: {error}"}
    if X.ndim != 2 or X.shape[1] != len(columns):
        return {"error": f"expected rows of {len(columns)} numbers"}
    if list(columns) != features:
        X = X[:, [columns.index(name) for name in features]]
    if not np.isfinite(X).all():
        return {"error": "non-finite value"}
    return {"labels": [str(label) for label in model.predict(scaler.transform(X)).tolist()]}


@worker_init.connect
def _load(**_kwargs):
    _model()


@worker_ready.connect
def _announce(**_kwargs):
    # At any log level: bench/queue.mjs waits for this line before it sends load.
    print("celery_baseline: worker ready", file=sys.stderr, flush=True)
