"""A signed-in request reads its session, its user, its second-factor device and the catalogue's
generation from Redis together (core/readahead.py, accounts/middleware.py): after the session on
the session's first request in a process, with it afterwards."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import redis.client
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from pishkhan.accounts import middleware
from pishkhan.accounts.models import User
from pishkhan.catalog.filing import GENERATION_KEY
from pishkhan.core import outage, readahead
from pishkhan.core.sessions import SessionStore

from ..accounts.test_otp_device_cache import verified  # noqa: F401 - the fixture
from ..accounts.test_user_backend import redis_cache  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def sessions_in_redis(redis_cache, settings):  # noqa: F811
    """Sessions kept in Redis, as in production (settings choose them when REDIS_URL is set)."""
    settings.SESSION_ENGINE = "pishkhan.core.sessions"


@pytest.fixture
def redis_commands(monkeypatch) -> list[tuple[str, tuple[str, ...]]]:
    """Every command sent to Redis from here on: (name, keys as sent)."""
    sent: list[tuple[str, tuple[str, ...]]] = []
    original = redis.client.Redis.execute_command

    def record(self, *args, **options):
        sent.append((str(args[0]), tuple(str(a) for a in args[1:])))
        return original(self, *args, **options)

    monkeypatch.setattr(redis.client.Redis, "execute_command", record)
    return sent


def reads(sent, name: str) -> list[tuple[str, ...]]:
    return [keys for command, keys in sent if command == name]


def kept_keys(redis_cache, officer_device):  # noqa: F811
    user_key = redis_cache.make_key(f"accounts:user:{officer_device.user_id}")
    device_key = redis_cache.make_key(f"accounts:otp-device:{officer_device.persistent_id}")
    return user_key, device_key, redis_cache.make_key(GENERATION_KEY)


def session_key_of(redis_cache, client) -> str:  # noqa: F811
    return redis_cache.make_key(
        SessionStore.cache_key_prefix + client.cookies[settings.SESSION_COOKIE_NAME].value
    )


@dataclass
class Officer:
    cache: Any
    client: Any
    device: Any
    queue: str


@pytest.fixture
def queue_opened(redis_cache, sessions_in_redis, client, verified) -> Officer:  # noqa: F811
    """The officer (signed in with TOTP) opened the queue once, filling what is kept."""
    queue = reverse("cases:agency_queue")
    assert client.get(queue).status_code == 200
    return Officer(redis_cache, client, verified, queue)


def parts_of(officer: Officer) -> tuple[Any, Any, Any, str]:
    return officer.cache, officer.client, officer.device, officer.queue


def test_a_sessions_first_request_reads_the_session_then_the_rest_together(
    queue_opened,
    redis_commands,
    monkeypatch,
):
    kept, client, device, queue = parts_of(queue_opened)
    monkeypatch.setattr(middleware, "_keys_of_sessions", {})  # as in another process
    redis_commands.clear()

    assert client.get(queue).status_code == 200

    (session_read,) = reads(redis_commands, "GET")
    assert session_read == (session_key_of(kept, client),)
    (together,) = reads(redis_commands, "MGET")
    assert set(together) == set(kept_keys(kept, device))


def test_its_next_requests_read_everything_in_one_round_trip(
    queue_opened,
    redis_commands,
):
    kept, client, device, queue = parts_of(queue_opened)
    redis_commands.clear()

    assert client.get(queue).status_code == 200

    assert reads(redis_commands, "GET") == []
    (together,) = reads(redis_commands, "MGET")
    assert set(together) == {session_key_of(kept, client), *kept_keys(kept, device)}


def test_a_key_the_session_no_longer_names_is_left_and_the_new_one_read(
    queue_opened,
    redis_commands,
    monkeypatch,
):
    """The process remembers the keys a session read; what the session names now decides."""
    kept, client, device, queue = parts_of(queue_opened)
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    stale = ("accounts:user:0",)  # as if the session had named someone else
    monkeypatch.setattr(middleware, "_keys_of_sessions", {session_key: stale})
    redis_commands.clear()

    response = client.get(queue)

    assert response.status_code == 200 and response.context["user"] == device.user
    first, second = reads(redis_commands, "MGET")
    assert kept.make_key("accounts:user:0") in first
    user_key, device_key, _ = kept_keys(kept, device)
    assert {user_key, device_key} <= set(second)
    assert middleware._keys_of_sessions[session_key] == (
        f"accounts:user:{device.user_id}",
        f"accounts:otp-device:{device.persistent_id}",
    )


def test_a_deactivated_user_is_signed_out_on_the_next_request(
    redis_cache,  # noqa: F811
    sessions_in_redis,
    client,
    verified,  # noqa: F811
):
    queue = reverse("cases:agency_queue")
    assert client.get(queue).status_code == 200
    assert client.get(queue).status_code == 200  # read ahead with the session
    user = verified.user
    user.is_active = False
    user.save()
    assert client.get(queue).status_code == 302


def test_the_processs_memory_of_sessions_is_bounded(
    redis_cache,  # noqa: F811
    sessions_in_redis,
    client,
    verified,  # noqa: F811
    monkeypatch,
):
    monkeypatch.setattr(middleware, "REMEMBERED_SESSIONS", 3)
    monkeypatch.setattr(middleware, "_keys_of_sessions", {"a": (), "b": (), "c": ()})
    assert client.get(reverse("cases:agency_queue")).status_code == 200
    assert list(middleware._keys_of_sessions) == [
        client.cookies[settings.SESSION_COOKIE_NAME].value
    ]


def test_a_citizen_reads_their_user_with_the_generation(
    redis_cache,  # noqa: F811
    sessions_in_redis,
    client,
    redis_commands,
):
    citizen = User.objects.get(username="9990000018")
    client.force_login(citizen)
    page = reverse("cases:portal_new_request", args=["gas-meter-test"])
    assert client.get(page).status_code == 200
    redis_commands.clear()

    assert client.get(page).status_code == 200

    (together,) = reads(redis_commands, "MGET")
    assert set(together) == {
        session_key_of(redis_cache, client),
        redis_cache.make_key(f"accounts:user:{citizen.pk}"),
        redis_cache.make_key(GENERATION_KEY),
    }
    assert reads(redis_commands, "GET") == []


def test_a_value_is_handed_out_once_then_read_from_redis(redis_cache, rf):  # noqa: F811
    cache.set("a", "as the request began")
    with readahead.request_scope():
        readahead.fetch(rf.get("/"), "a")
        cache.set("a", "changed by the request")
        assert readahead.get("a") == "as the request began"
        assert readahead.get("a") == "changed by the request"
    # Nothing outlives the request.
    cache.set("a", "later")
    assert readahead.get("a") == "later"


def test_nothing_is_read_ahead_while_redis_is_held_down(
    redis_cache,  # noqa: F811
    rf,
    redis_commands,
    monkeypatch,
):
    monkeypatch.setattr(outage, "trouble", True)
    with readahead.request_scope():
        readahead.fetch(rf.get("/"), "a")
    assert redis_commands == []


def test_without_redis_nothing_is_read_ahead(rf, settings, monkeypatch):
    settings.REDIS_URL = ""
    asked: list[object] = []
    monkeypatch.setattr(cache, "get_many", lambda keys: asked.append(keys) or {})
    with readahead.request_scope():
        readahead.fetch(rf.get("/"), "a")
    assert asked == []
