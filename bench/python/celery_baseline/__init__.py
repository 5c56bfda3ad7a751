"""The talk's baseline for `npm run bench:queue`: a Django app whose predict view enqueues the scoring
on a Celery worker through RabbitMQ and waits for the result; the model never runs in the request
thread. Laid out as Celery's "First steps with Django" describes (this module loads the Celery app
so that `shared_task` binds to it).

Started by bench/queue.mjs, which passes (environment):
  BENCH_AMQP_URL       the broker, amqp://guest:guest@127.0.0.1:PORT//
  BENCH_CELERY_MODEL   the pickle bench/python/train.py wrote ({"features", "scaler", "model"})

    gunicorn --workers 5 --bind 127.0.0.1:PORT --chdir bench/python celery_baseline.wsgi
    python3 -m celery --workdir bench/python -A celery_baseline worker --concurrency 1 -n w1@%h
"""
from .celery import app as celery_app

__all__ = ("celery_app",)
