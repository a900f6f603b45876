"""The Redis cache takes any key: memcached's key rules are not checked on each call."""

from __future__ import annotations

import warnings

from django.core.cache.backends.base import BaseCache, CacheKeyWarning

from pishkhan.core.cache import RedisCache


def test_keys_memcached_would_refuse_pass_without_a_check():
    cache = RedisCache("redis://127.0.0.1:1/0", {})  # never connected: no call is made
    long_key_with_spaces = "service form " * 40
    # Django's own check warns of both (the key is over 250 characters and has spaces) ...
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        BaseCache.validate_key(cache, long_key_with_spaces)
    assert {w.category for w in warned} == {CacheKeyWarning}
    # ... which Redis does not need: no check, no warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cache.validate_key(long_key_with_spaces)
        assert cache.make_and_validate_key(long_key_with_spaces) == cache.make_key(
            long_key_with_spaces
        )
