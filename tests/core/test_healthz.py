"""/healthz/: 200 when the node can serve, 503 naming what it cannot reach."""

import os
import socket

import pytest
from django.db import OperationalError

from pishkhan.core import views
from tests.conftest import skip_or_fail

pytestmark = pytest.mark.django_db


def redis_cache(url):
    return {
        "default": {
            "BACKEND": "pishkhan.core.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "pishkhan-healthz-test",
        }
    }


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_node_that_reaches_its_database_is_healthy(client, settings):
    settings.REDIS_URL = ""
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}


class Unreachable:
    alias = "default"

    def cursor(self):
        raise OperationalError("connection refused")


class Connections(dict):
    settings: dict = {}


def test_without_its_database_a_node_says_so_in_json(client, settings, monkeypatch):
    settings.REDIS_URL = ""
    monkeypatch.setattr(views, "connections", Connections(default=Unreachable()))
    response = client.get("/healthz/")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "unreachable"}}


def test_without_its_redis_a_node_is_unavailable(client, settings):
    url = f"redis://127.0.0.1:{closed_port()}/0"
    settings.REDIS_URL = url
    settings.CACHES = redis_cache(url)
    response = client.get("/healthz/")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "redis": "unreachable"},
    }


def test_with_its_redis_a_node_is_healthy(client, settings):
    url = os.environ.get("PISHKHAN_TEST_REDIS_URL")
    if not url:
        skip_or_fail("PISHKHAN_TEST_REDIS_URL is not set")
    settings.REDIS_URL = url
    settings.CACHES = redis_cache(url)
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}


def test_a_missing_replica_is_reported_but_does_not_take_the_node_out(settings, monkeypatch, rf):
    settings.REDIS_URL = ""
    from django.db import connections as real

    class WithReplica(dict):
        settings = {"default": {}, "replica": {}}

    monkeypatch.setattr(
        views, "connections", WithReplica(default=real["default"], replica=Unreachable())
    )
    response = views.healthz(rf.get("/healthz/"))
    assert response.status_code == 200
    assert b'"replica": "unreachable"' in response.content
