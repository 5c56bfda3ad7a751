"""POST /invocations: the rows of an MLflow-style body, scored by a Celery worker; the request waits
for the result and answers `{"predictions": [{"label": …}]}` (labels only, as `iris serve
--queue` is asked for them in the benchmark)."""
import json

from celery.exceptions import TimeoutError as CeleryTimeout
from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from .tasks import predict


def _rows(body):
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    if "dataframe_split" in body:
        split = body["dataframe_split"]
        if not isinstance(split, dict) or not isinstance(split.get("columns"), list) or "data" not in split:
            raise ValueError("dataframe_split needs columns and data")
        return split["columns"], split["data"]
    raise ValueError("expected dataframe_split")


@require_GET
def ping(_request):
    return HttpResponse("\n")


@csrf_exempt
@require_POST
def invocations(request):
    if request.content_type != "application/json":
        return JsonResponse({"error": f"unsupported content type {request.content_type}"}, status=415)
    try:
        columns, rows = _rows(json.loads(request.body))
    except ValueError as error:
        return JsonResponse({"error": str(error)}, status=400)
    try:
        result = predict.delay(columns, rows).get(timeout=settings.PREDICT_TIMEOUT_SECONDS)
    except CeleryTimeout:
        return JsonResponse({"error": "the worker did not answer in time"}, status=504)
    if "error" in result:
        return JsonResponse({"error": result["error"]}, status=400)
    return JsonResponse({"predictions": [{"label": label} for label in result["labels"]]})
