"""Walk every URL pattern with junk arguments: nothing may answer 500."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

# %00: PostgreSQL refuses NUL in text, so a NUL that reached a query would be a 500 there.
JUNK = [
    "x",
    "0",
    "-1",
    "99999999999999999999",
    "%D9%8A",
    "..%2F..%2Fetc",
    "' OR 1=1 --",
    "ي" * 300,
    "a%00b",
    "a\x00b",  # in the path and, through the data below, in the query string and the body
]


def walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


def fill(route: str, junk: str) -> str:
    import re

    route = re.sub(r"<(?:\w+:)?\w+>", junk, route)
    route = route.lstrip("^").rstrip("$").replace("\\Z", "").replace("\\/", "/")
    route = re.sub(r"\(\?P<\w+>[^)]*\)", junk, route)
    return "/" + route


def test_no_url_answers_500(client, admin_user, settings):
    from pishkhan.accounts.models import User

    settings.PISHKHAN_STAFF_OTP = False
    routes = sorted(set(walk(get_resolver().url_patterns)))
    assert any(r.startswith("services/") for r in routes)
    client.raise_request_exception = False
    people = [
        None,
        admin_user,
        *User.objects.filter(username__in=["9990000018", "operator-1001", "officer-nocr-tehran"]),
    ]
    for person in people:
        if person is not None:
            client.force_login(person)
        for route in routes:
            for junk in JUNK:
                url = fill(route, junk)
                for method in (client.get, client.post):
                    response = method(
                        url,
                        {
                            "q": junk,
                            "next": junk,
                            "language": junk,
                            "version": junk,
                            "action": junk,
                            "code": junk,
                            "national_code": junk,
                        },
                    )
                    assert response.status_code < 500, (method.__name__, url, response.status_code)
