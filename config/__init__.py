# The Celery app is loaded with Django, so `shared_task` tasks bind to it (Celery's Django guide).
from .celery import app as celery_app

__all__ = ("celery_app",)
