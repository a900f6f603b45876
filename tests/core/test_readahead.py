"""A signed-in request reads its user, its second-factor device and the catalogue's generation
from Redis in one round trip, once its session is read (core/readahead.py)."""

from __future__ import annotations

import pytest
import redis.client
from django.core.cache import cache
from django.urls import reverse

from pishkhan.accounts.models import User
from pishkhan.catalog.filing import GENERATION_KEY
from pishkhan.core import outage, readahead

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


def test_the_user_device_and_generation_come_in_one_round_trip(
    redis_cache,  # noqa: F811
    sessions_in_redis,
    client,
    verified,  # noqa: F811
    redis_commands,
):
    queue = reverse("cases:agency_queue")
    assert client.get(queue).status_code == 200  # fills what is kept
    redis_commands.clear()

    assert client.get(queue).status_code == 200

    user_key = redis_cache.make_key(f"accounts:user:{verified.user_id}")
    device_key = redis_cache.make_key(f"accounts:otp-device:{verified.persistent_id}")
    generation_key = redis_cache.make_key(GENERATION_KEY)
    (together,) = reads(redis_commands, "MGET")
    assert set(together) == {user_key, device_key, generation_key}
    one_by_one = {key for keys in reads(redis_commands, "GET") for key in keys}
    assert not one_by_one & {user_key, device_key, generation_key}
    assert len(reads(redis_commands, "GET")) == 1  # the session, which names the other two


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
        redis_cache.make_key(f"accounts:user:{citizen.pk}"),
        redis_cache.make_key(GENERATION_KEY),
    }
    assert len(reads(redis_commands, "GET")) == 1


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
