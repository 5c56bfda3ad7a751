"""The Celery app, configured from the Django settings' CELERY_* names."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "celery_baseline.settings")

app = Celery("celery_baseline", include=["celery_baseline.tasks"])
app.config_from_object("django.conf:settings", namespace="CELERY")
