"""The Celery app. Configuration comes from Django settings (CELERY_* names)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coach.settings.local")
# The engine's matrix products are small (a few windows at a time): one BLAS thread per
# worker process. More threads spin on the cores the pose model uses: measured 5% more CPU
# for a whole analysis, 3-4x for a live refresh on a loaded 2-core machine. Set before numpy
# loads (the workers import this module first); an explicit setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

app = Celery("coach")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
