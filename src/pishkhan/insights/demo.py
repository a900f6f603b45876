"""The demo's requests were made through the services (their pending changes are written), but
some demo loaders move dates afterwards (to spread requests over weeks): the rollups are rebuilt
from the event log once everything is loaded. Insights is the last app, so this runs last."""

from __future__ import annotations

from .rollups import rebuild


def load(stdout: object) -> list[tuple[str, str, str]]:
    rebuild()
    return []
