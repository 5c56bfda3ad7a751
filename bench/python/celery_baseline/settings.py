"""Django settings as a deployment would have them: DEBUG off, hosts listed, the startproject
middleware minus sessions, authentication and messages (a stateless prediction API has no logins),
no database (the app stores nothing), logging left at Django's defaults (no access log)."""
import os
import secrets

DEBUG = False
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50)
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "celery_baseline.urls"
WSGI_APPLICATION = "celery_baseline.wsgi.application"
INSTALLED_APPS = []
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
DATABASES = {}
USE_TZ = True

# Celery: RabbitMQ as the broker, results sent back over AMQP to the caller that waits for them
# (the rpc backend, RabbitMQ's own; no second store). JSON messages, Celery's default.
CELERY_BROKER_URL = os.environ.get("BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")
CELERY_RESULT_BACKEND = "rpc://"
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# How long a request waits for its result before it answers 504.
PREDICT_TIMEOUT_SECONDS = 30
