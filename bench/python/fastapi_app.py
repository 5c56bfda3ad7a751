"""scikit-learn behind FastAPI, served by uvicorn: how `mlflow models serve` serves today
(MLflow 2.x and later run its FastAPI scoring app under uvicorn with --workers).

    python3 -m uvicorn --workers 2 --host 127.0.0.1 --port PORT --app-dir bench/python fastapi_app:app
"""
import json

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from serving_model import BadRequest, predict

app = FastAPI()


@app.get("/ping")
@app.get("/health")
async def ping():
    return Response(content="\n", status_code=200)


@app.post("/invocations")
async def invocations(request: Request):
    # As MLflow's scoring server does: the raw body, parsed by the handler (no pydantic model).
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    if content_type != "application/json":
        return JSONResponse({"error": f"unsupported content type {content_type}"}, status_code=415)
    try:
        body = json.loads(await request.body())
    except ValueError:
        return JSONResponse({"error": "malformed JSON"}, status_code=400)
    try:
        return JSONResponse(predict(body))
    except BadRequest as error:
        return JSONResponse({"error": str(error)}, status_code=400)
