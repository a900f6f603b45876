"""Pishkhan: government services through licensed counter offices and online self-service."""

from .celery import app as celery_app

__all__ = ["celery_app"]
