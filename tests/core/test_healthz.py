"""/healthz/: 200 when the node can serve (degraded without Redis), 503 without its database."""

import os
import socket

import pytest
from django.core.exceptions import ImproperlyConfigured
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


def test_without_its_redis_a_node_serves_degraded(client, settings):
    """Every node shares the one Redis: a 503 here would take them all out of the load balancer,
    though each still serves (decision 61)."""
    url = f"redis://127.0.0.1:{closed_port()}/0"
    settings.REDIS_URL = url
    settings.CACHES = redis_cache(url)
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "checks": {"database": "ok", "redis": "unreachable"},
    }


def test_without_its_database_a_node_is_unavailable_whatever_redis_says(
    client, settings, monkeypatch
):
    url = f"redis://127.0.0.1:{closed_port()}/0"
    settings.REDIS_URL = url
    settings.CACHES = redis_cache(url)
    monkeypatch.setattr(views, "connections", Connections(default=Unreachable()))
    response = client.get("/healthz/")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "unreachable", "redis": "unreachable"},
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


SILENT_REDIS_CHECK = """
import django, json
django.setup()
import redis
from django.core.cache import cache
from django.test import Client
from pishkhan.core import ratelimit
outcomes = {}
for name, call in [
    ("cache", lambda: cache.get("x")),
    ("rate limit", lambda: ratelimit.hit("track", "127.0.0.1", 20)),
]:
    try:
        outcomes[name] = ["answered", call()]
    except redis.TimeoutError:
        outcomes[name] = "timed out"
response = Client().get("/healthz/")
outcomes["healthz"] = [response.status_code, response.json()]
print(json.dumps(outcomes))
"""


def test_a_redis_that_never_answers_fails_fast_instead_of_holding_the_worker(tmp_path):
    """A partition drops packets: the connection opens (the kernel's backlog) and no answer ever
    comes. Without REDIS_TIMEOUT_SECONDS every Redis call here would wait for ever; the
    subprocess's own limit turns such a hang into this test's failure. The cache call times out
    (its caller decides what to do without Redis); the rate limit then counts in the process
    (not over the limit), and the node says it serves, degraded (decision 61)."""
    import json
    import subprocess
    import sys

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "pishkhan.settings",
            "REDIS_URL": f"redis://127.0.0.1:{silent.getsockname()[1]}/0",
            "REDIS_TIMEOUT_SECONDS": "1",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "PISHKHAN_VAR_DIR": str(tmp_path),
            "DEBUG": "0",
            "SECRET_KEY": "test-only",
            "ALLOWED_HOSTS": "testserver",
            "LOG_LEVEL": "CRITICAL",
        }
        done = subprocess.run(
            [sys.executable, "-c", SILENT_REDIS_CHECK],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr[-2000:]
    outcomes = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcomes == {
        "cache": "timed out",
        "rate limit": ["answered", False],
        "healthz": [
            200,
            {"status": "degraded", "checks": {"database": "ok", "redis": "unreachable"}},
        ],
    }


def test_the_redis_timeout_is_a_whole_number_of_seconds(monkeypatch):
    from pishkhan.settings import env_at_least

    monkeypatch.setenv("REDIS_TIMEOUT_SECONDS", "0")
    with pytest.raises(ImproperlyConfigured, match="REDIS_TIMEOUT_SECONDS must be at least 1 s"):
        env_at_least("REDIS_TIMEOUT_SECONDS", 2, 1, "second")
