"""Adding Django REST framework must not change a word on the pages: where its Persian
catalogue and Django's translate the same message differently, Django's wording is kept."""

from __future__ import annotations

from pathlib import Path

import django
import polib
import rest_framework
from django.utils import translation


def _catalogue(*paths: Path) -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in paths:
        for entry in polib.mofile(str(path)):
            if entry.msgid and entry.msgstr:
                merged.setdefault(entry.msgid, entry.msgstr)
    return merged


def test_djangos_persian_wins_over_drfs_for_every_shared_message():
    root = Path(django.__file__).parent
    djangos = _catalogue(
        root / "conf/locale/fa/LC_MESSAGES/django.mo",
        *sorted(root.glob("contrib/*/locale/fa/LC_MESSAGES/django.mo")),
    )
    drfs = _catalogue(Path(rest_framework.__file__).parent / "locale/fa/LC_MESSAGES/django.mo")
    shared = {m for m in drfs if m in djangos and drfs[m] != djangos[m]}
    assert "This field is required." in shared  # the test sees the catalogues it means to
    with translation.override("fa"):
        differing = {
            m: translation.gettext(m) for m in shared if translation.gettext(m) != djangos[m]
        }
    assert differing == {}, "add these to pishkhan.api.wording and tools/fa_terms_api.json"


def test_the_sign_in_form_keeps_its_words(client):
    html = client.get("/accounts/login/").content.decode()
    assert "گذرواژه" in html and "رمز‌عبور" not in html
