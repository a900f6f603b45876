"""Secondary suppression in the exports (docs/decisions.md, 52): a small count hidden in one table
of a page cannot be worked back by subtracting the other counts of its group from a total
published elsewhere on the page. The rule is a pure function of the tables; the last tests go
through the view with requests filed for real."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from pishkhan.accounts.models import User
from pishkhan.accounts.roles import Role
from pishkhan.cases.demo import demo_uploads, sample_values
from pishkhan.cases.services import submit
from pishkhan.catalog.models import Channel, Service
from pishkhan.core.demo import demo_national_code
from pishkhan.core.jalali import TEHRAN, format_jalali_numeric
from pishkhan.core.text import to_persian_digits
from pishkhan.insights import exports, rollups
from pishkhan.insights.sections import (
    Names,
    agencies_table,
    channels_table,
    services_table,
    turnaround_table,
)
from pishkhan.insights.selectors import Counts, Decisions, Histogram, Volume
from pishkhan.insights.suppression import hidden_counts
from pishkhan.insights.tables import Group, Table, count, text
from pishkhan.offices.models import Office, OfficeService

from .test_dashboard_figures import Clock

# --- the rule, on plain tables -------------------------------------------------------------------


def _table(counts: dict[str, int], *groups: tuple[str, ...], total: tuple[str, ...] = ()) -> Table:
    """One row per count, keyed by its name; ``groups`` of names that add up to a known total."""
    table = Table("t", "T", ["name", "n"])
    for name, n in counts.items():
        table.rows.append([text(name), count(n, "en", key=(name,))])
    table.groups = [Group(tuple((name,) for name in group), total) for group in groups]
    return table


def _names(hidden: frozenset) -> set[str]:
    return {key[0] for key in hidden}


def test_a_single_suppressed_count_in_a_group_hides_the_smallest_other_one():
    table = _table({"a": 3, "b": 40, "c": 12, "d": 25}, ("a", "b", "c", "d"))
    assert _names(hidden_counts([table])) == {"a", "c"}
    assert exports.cells(table) == [["a", "<5"], ["b", 40], ["c", "x"], ["d", 25]]


def test_two_suppressed_counts_need_nothing_more():
    table = _table({"a": 3, "b": 40, "c": 2, "d": 25}, ("a", "b", "c", "d"))
    assert _names(hidden_counts([table])) == {"a", "c"}
    assert exports.cells(table) == [["a", "<5"], ["b", 40], ["c", "<5"], ["d", 25]]


def test_zeros_are_never_complements():
    # A zero hides nothing: the 9 goes. With nothing but zeros beside it, the small count is the
    # whole total — as small, and suppressed wherever it is published — and nothing goes.
    table = _table({"a": 3, "z1": 0, "z2": 0, "b": 9}, ("a", "z1", "z2", "b"))
    assert _names(hidden_counts([table])) == {"a", "b"}
    alone = _table({"a": 3, "z1": 0, "z2": 0}, ("a", "z1", "z2"))
    assert _names(hidden_counts([alone])) == {"a"}


def test_a_complement_that_leaves_another_group_with_one_hidden_count_gets_its_own():
    # a and b add up to one total, b and d to another: hiding b for a leaves b alone in the
    # second group, so d goes too (c, smaller, is in neither group with b).
    first = _table({"a": 3, "b": 6, "c": 5}, ("a", "b"))
    second = _table({"d": 10, "e": 12}, ("b", "d", "e"))
    assert _names(hidden_counts([first, second])) == {"a", "b", "d"}


def test_a_group_s_total_on_the_page_is_part_of_the_group():
    # The agency's cell (a) is the total of its services (s1, s2): hiding a for another group
    # leaves the services' group with one hidden count — a complement goes there too.
    services = _table({"s1": 10, "s2": 20}, ("s1", "s2"), total=(("a",),))
    agencies = _table({"a": 30, "b": 4, "c": 50}, ("a", "b", "c"))
    assert _names(hidden_counts([services, agencies])) == {"b", "a", "s1"}


def test_a_total_on_the_page_is_never_the_complement():
    # The statuses (a, b) add up to the requests at offices and online (office, online), cells
    # of another table: the complement is b, though the 23 online is smaller — the requests
    # online are the sum of other breakdowns too (the days, the services...).
    statuses = _table({"a": 3, "b": 50}, ("a", "b"), total=(("office",), ("online",)))
    channels = _table({"office": 30, "online": 23})
    assert _names(hidden_counts([statuses, channels])) == {"a", "b"}


def _names_of(services: dict[int, int]) -> Names:
    """Names without the database: services 1.. of agencies 100 (services 1-3), 200 and 300."""
    names = Names.__new__(Names)
    names.language = "en"
    names.services = {
        pk: SimpleNamespace(agency_id=agency, name_fa=f"s{pk}", name_en=f"s{pk}")
        for pk, agency in services.items()
    }
    names.agencies = {
        pk: SimpleNamespace(name_fa=f"a{pk}", name_en=f"a{pk}") for pk in (100, 200, 300)
    }
    names.states = {}
    return names


def test_an_agency_table_and_its_services_table_cascade():
    # Agency 200 has 4 requests (suppressed); hiding agency 300 (30, the smallest other) for it
    # leaves 300's services with their total hidden and nothing else: service 5 goes too.
    agency_of = {1: 100, 2: 100, 3: 100, 4: 200, 5: 300, 6: 300}
    office = {1: 40, 2: 30, 3: 23, 4: 4, 5: 10, 6: 20}
    volume = Volume(
        "day",
        by_service={pk: Counts(office=n) for pk, n in office.items()},
        by_agency={100: Counts(office=93), 200: Counts(office=4), 300: Counts(office=30)},
        total=Counts(office=127),
    )
    names = _names_of(agency_of)
    tables = [
        channels_table(volume, Decisions(), names),
        services_table(volume, names),
        agencies_table(volume, names),
    ]
    hidden = hidden_counts(tables)
    rows = {row[0]: row[1:] for row in exports.cells(tables[2], hidden)}
    assert rows["a200"] == ["<5", 0, "*", "*"]
    assert rows["a300"] == ["x", 0, "*", "*"]  # at offices, online, total, online share
    assert rows["a100"] == [93, 0, 93, 0.0]
    services = {row[0]: row[2:] for row in exports.cells(tables[1], hidden)}
    assert services["s5"] == ["x", 0, "*", "*"]
    assert services["s6"] == [20, 0, 20, 0.0]
    assert services["s4"] == ["<5", 0, "*", "*"]
    # Neither the agencies' column against the page's total nor agency 300's services against
    # it gives a hidden count back: each subtraction leaves two of them.
    channels = exports.cells(tables[0], hidden)
    assert channels[0][1] == 127


def test_a_cumulative_share_between_two_hidden_buckets_is_hidden():
    # Buckets 100, 3, 50, 7 and 20 of 180 decisions: the 3 hides the 7 (the smallest other).
    # The cumulative shares up to the first (100 of 180) and the second (103 of 180) would give
    # the 3 back: a share is published only while the decisions up to it, or those after it,
    # are all published.
    buckets = (100, 3, 50, 7, 20) + (0,) * 10
    decided = Decisions(total=Histogram(count=180, buckets=buckets))
    table = turnaround_table(decided, "en")
    rows = exports.cells(table)
    assert [row[1] for row in rows][:5] == [100, "<5", 50, "x", 20]
    assert [row[2] for row in rows][:5] == [55.6, "*", "*", 88.9, 100.0]


def test_a_large_page_gets_a_complement_in_every_agency():
    """20,000 services of 400 agencies, a small count in each agency, by channel, with the
    agencies' table. Its speed is `make bench`'s business, not a timed test's (the rule is
    linear: each group is completed at most once, see ``hidden_counts``)."""

    def page(services: int) -> list[Table]:
        agency_of = {pk: 1000 + pk % (services // 50) for pk in range(1, services + 1)}
        office = {pk: 3 if pk <= services // 50 else 5 + pk % 97 for pk in agency_of}
        by_agency: Counter[int] = Counter()
        for pk, n in office.items():
            by_agency[agency_of[pk]] += n
        volume = Volume(
            "day",
            by_service={pk: Counts(office=n, online=n % 7) for pk, n in office.items()},
            by_agency={pk: Counts(office=n, online=0) for pk, n in by_agency.items()},
            total=Counts(office=sum(office.values())),
        )
        names = _names_of(agency_of)
        names.agencies = {pk: SimpleNamespace(name_fa=str(pk), name_en="") for pk in by_agency}
        return [services_table(volume, names), agencies_table(volume, names)]

    hidden = hidden_counts(page(20_000))
    assert len(hidden) >= 2 * 400  # each agency's small service and its complement


# --- through the view ----------------------------------------------------------------------------

START = dt.datetime(2025, 8, 3, 9, 0, tzinfo=TEHRAN)  # Sunday 1404/05/12


def _agency_with_three_services() -> list[Service]:
    services = Service.objects.filter(
        workflow_key="default", offered_at_office=True, is_active=True
    ).order_by("agency_id", "pk")
    by_agency: dict[int, list[Service]] = {}
    for service in services:
        by_agency.setdefault(service.agency_id, []).append(service)
    return next(found[:3] for found in by_agency.values() if len(found) >= 3)


@pytest.fixture
def three_services(monkeypatch, settings, tmp_path):
    """An agency's three services filed at office 23-1001 on one day: 3, 6 and 8 requests."""
    settings.PISHKHAN_STAFF_OTP = False
    settings.MEDIA_ROOT = tmp_path
    clock = Clock(START)
    monkeypatch.setattr(timezone, "now", clock)
    rollups.fold_all()
    office = Office.objects.get(licence_number="23-1001")
    operator = User.objects.get(username="operator-1001")
    services = _agency_with_three_services()
    for service in services:
        OfficeService.objects.get_or_create(
            office=office, service=service, defaults={"office_fee_rials": 0}
        )
    for index, (service, n) in enumerate(zip(services, (3, 6, 8), strict=True)):
        for j in range(n):
            clock.now = START + dt.timedelta(minutes=10 * (index * 10 + j))
            citizen = User.objects.get(
                role=Role.CITIZEN, national_code=demo_national_code(1 + j % 5)
            )
            submit(
                service=service,
                citizen=citizen,
                channel=Channel.OFFICE,
                actor=operator,
                office=office,
                form_values=sample_values(service, citizen),
                uploads=demo_uploads(service),
            )
    rollups.fold_all()
    clock.now = START + dt.timedelta(days=30)
    return services


def _csv(client, table: str) -> list[list[str]]:
    day = format_jalali_numeric(START.date())
    response = client.get(
        reverse("insights:my_province"),
        {"start": day, "end": day, "table": table, "export": "csv"},
    )
    assert response.status_code == 200
    body = response.content.decode("utf-8").lstrip("\ufeff")
    return list(csv.reader(io.StringIO(body)))


@pytest.mark.django_db
def test_an_agency_s_total_less_its_services_no_longer_gives_the_small_one(client, three_services):
    client.force_login(User.objects.get(username="supervisor-tehran"))
    agency = three_services[0].agency
    agencies = {row[0]: row[1:] for row in _csv(client, "agencies")[1:] if len(row) > 1}
    # At offices, online, total, online share: the agency's 17 requests, published.
    assert agencies[to_persian_digits(agency.name_fa)] == ["17", "0", "17", "0.0"]
    services = {row[0]: row[2:] for row in _csv(client, "services")[1:] if len(row) > 1}
    small, middle, large = (services[to_persian_digits(s.name_fa)] for s in three_services)
    assert small == ["<5", "0", "*", "*"]
    assert middle == ["x", "0", "*", "*"]  # hidden with it: the smallest of the others
    assert large == ["8", "0", "8", "0.0"]
    # The agency's total less the services' published figures leaves two counts, not one.
    published = sum(int(row[0]) for row in services.values() if row[0].isdigit())
    assert 17 - published == 3 + 6
    notes = _csv(client, "services")[-1][0]
    assert "«x»" in notes and "«<5»" in notes and "«*»" in notes
    # The page itself, for the staff whose scope it is, still shows every figure.
    day = format_jalali_numeric(START.date())
    response = client.get(reverse("insights:my_province"), {"start": day, "end": day})
    rows = response.context["board"].table("services").rows
    figures = {row[0].text: row[2].value for row in rows}
    assert [figures[to_persian_digits(s.name_fa)] for s in three_services] == [3, 6, 8]
