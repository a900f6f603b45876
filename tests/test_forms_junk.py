"""Every form each role can reach, filled with junk: nothing may answer 500.

A crawler signs in as each demo role, follows the links it sees (up to 60 pages each), and posts
every form on those pages with each junk value in every field. ``test_urls_junk.py`` does the
same for every route with a fixed set of field names; this one posts the fields the pages
really have (a service's declared fields, payment amounts, licence applications, …).
"""

import re

import pytest
from django.core.cache import cache

pytestmark = pytest.mark.django_db

JUNK = [
    "",
    "x",
    "-1",
    "99999999999999999999",
    "1e400",
    "a\x00b",  # PostgreSQL refuses NUL in text
    "ي" * 3000,
    "<script>alert(1)</script>",
    "۱۴۰۳/۱۳/۴۰",  # a Jalali date that does not exist
    "NaN",
    "1" * 40,
]
START = [
    "/",
    "/portal/",
    "/office/",
    "/agency/",
    "/regulator/",
    "/province/",
    "/insights/",
    "/settlement/",
    "/feedback/complaints/",
    "/offices/",
    "/services/",
    "/track/",
    "/verify/",
]
SKIP = ("/admin", "/accounts/logout", "/i18n", "/static", "/dev")
USERNAMES = [
    "9990000018",
    "operator-1001",
    "manager-1001",
    "officer-nocr-tehran",
    "supervisor-tehran",
    "regulator",
    "ict-tehran",
    "workgroup-tehran",
    "agencyadmin-nocr",
    "sanjesh-tehran",
]


def test_no_form_answers_500_to_junk(client, admin_user, settings):
    from pishkhan.accounts.models import User

    settings.PISHKHAN_STAFF_OTP = False
    settings.PISHKHAN_TRACK_PER_MINUTE = settings.PISHKHAN_VERIFY_PER_MINUTE = 10**9
    client.raise_request_exception = False
    people = [None, admin_user, *User.objects.filter(username__in=USERNAMES)]
    assert len(people) == len(USERNAMES) + 2
    failures, pages, posts = set(), 0, 0
    for person in people:
        client.logout()
        if person is not None:
            client.force_login(person)
        who = getattr(person, "username", "anonymous")
        seen: set[str] = set()
        todo = list(START)
        while todo and len(seen) < 60:
            url = todo.pop(0)
            if url in seen or url.startswith(SKIP):
                continue
            seen.add(url)
            page = client.get(url)
            if page.status_code >= 500:
                failures.add(("GET", url, who))
            if page.status_code != 200 or "text/html" not in page.get("Content-Type", ""):
                continue
            pages += 1
            html = page.content.decode()
            todo += [
                href
                for href in re.findall(r'href="(/[^"#?]*)', html)
                if href not in seen and not href.endswith((".pdf", ".css", ".js", ".woff2"))
            ]
            for form in re.findall(r"<form[^>]*method=\"post\"[^>]*>.*?</form>", html, re.S):
                action = re.search(r'action="([^"]*)"', form)
                target = action.group(1) if action and action.group(1) else url
                if target.startswith(SKIP):
                    continue
                names = set(re.findall(r'name="([^"]+)"', form)) - {"csrfmiddlewaretoken"}
                for junk in JUNK:
                    answer = client.post(target, {name: junk for name in names})
                    posts += 1
                    if answer.status_code >= 500:
                        failures.add(("POST", target, who, junk[:20]))
                    cache.clear()  # rate limits and sign-in lockouts would stop the walk
    assert pages > 300 and posts > 1000, (pages, posts)  # the walk reached the forms
    assert failures == set()
