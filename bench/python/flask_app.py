"""scikit-learn behind Flask, served by gunicorn: how `mlflow models serve` served in MLflow 1.x.

    gunicorn --workers 2 --bind 127.0.0.1:PORT --chdir bench/python flask_app:app
"""
from flask import Flask, jsonify, request

from serving_model import BadRequest, predict

app = Flask(__name__)


@app.get("/ping")
@app.get("/health")
def ping():
    return "\n", 200


@app.post("/invocations")
def invocations():
    if request.mimetype != "application/json":
        return jsonify(error=f"unsupported content type {request.mimetype}"), 415
    body = request.get_json(silent=True)
    if body is None:
        return jsonify(error="malformed JSON"), 400
    try:
        return jsonify(predict(body))
    except BadRequest as error:
        return jsonify(error=str(error)), 400
