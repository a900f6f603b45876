"""The demo's requests were made through the services (their pending changes are written), but
some demo loaders move dates afterwards (to spread requests over weeks): the rollups are rebuilt
from the event log once everything is loaded. Insights is the last app, so this runs last.

It also adds a second provincial supervisor (Isfahan), so the dashboards can be seen from two
provinces (supervisor-tehran comes with accounts' demo)."""

from __future__ import annotations

from pishkhan.accounts.roles import Role
from pishkhan.accounts.services import ensure_user
from pishkhan.core.demo import DEMO_PASSWORD
from pishkhan.core.models import Province

from .rollups import rebuild


def load(stdout: object) -> list[tuple[str, str, str]]:
    ensure_user(
        "supervisor-isfahan",
        Role.PROVINCIAL_SUPERVISOR,
        DEMO_PASSWORD,
        first_name="ناظر",
        last_name="استانداری اصفهان",
        province=Province.objects.get(sci_code="10"),
    )
    rebuild()
    return [(str(Role.PROVINCIAL_SUPERVISOR.label), "supervisor-isfahan", DEMO_PASSWORD)]
