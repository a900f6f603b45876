"""The dashboards' figures equal hand computations on a small set of requests filed and decided
at known times (through ``cases.services``, with the clock moved), folded into the rollups.

The set lives in Khordad 1404, far from the demo's requests (the last weeks), so the figures of
its period are the set's alone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from pishkhan.accounts.models import User
from pishkhan.accounts.roles import Role
from pishkhan.accounts.services import ensure_user
from pishkhan.cases.demo import demo_uploads, sample_values
from pishkhan.cases.models import ServiceRequest
from pishkhan.cases.services import submit, transition
from pishkhan.catalog.models import Channel, Service
from pishkhan.core.demo import DEMO_PASSWORD, demo_national_code
from pishkhan.core.jalali import TEHRAN, format_jalali_numeric
from pishkhan.feedback.models import Complaint, ComplaintKind, Rating
from pishkhan.feedback.services import file_complaint, rate
from pishkhan.insights import rollups, selectors
from pishkhan.insights.periods import Period
from pishkhan.offices.models import Office, OfficeService
from pishkhan.payments.demo import settle  # paid as its office or citizen pays

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
# Sunday 1404/03/11 (1 June 2025), 10:00 in Tehran.
START = dt.datetime(2025, 6, 1, 10, 0, tzinfo=TEHRAN)
FIRST_DAY = dt.date(2025, 6, 1)
LAST_DAY = dt.date(2025, 7, 10)  # 40 days: read by day


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class SmallSet:
    """Five requests of one service in Tehran; three decided."""

    service: Service
    office: Office
    requests: dict[str, ServiceRequest]
    clock: Clock

    def request(self, key: str) -> ServiceRequest:
        return ServiceRequest.objects.get(pk=self.requests[key].pk)


@pytest.fixture(autouse=True)
def _no_otp(settings, tmp_path):
    settings.PISHKHAN_STAFF_OTP = False
    settings.MEDIA_ROOT = tmp_path
    cache.clear()


def _service_at(office: Office) -> Service:
    """A default-workflow service offered on both channels; the office is made to offer it."""
    service = (
        Service.objects.filter(
            workflow_key="default", offered_online=True, offered_at_office=True, is_active=True
        )
        .order_by("pk")
        .first()
    )
    assert service is not None
    OfficeService.objects.get_or_create(
        office=office, service=service, defaults={"office_fee_rials": 0}
    )
    return service


@pytest.fixture
def small_set(monkeypatch) -> SmallSet:
    return make_small_set(monkeypatch)


def make_small_set(monkeypatch) -> SmallSet:
    """A (counter): filed 10:00, review at +2 h, approved at +32 h, delivered, rated 4, an
    overcharge complaint. B (online): filed 11:00, review +1 h, rejected +4 h. C (online): filed
    the next day, review after 10 days, approved 20 days after filing (late). D (counter): filed
    the next day, still submitted. E (counter): filed on day 3, cancelled 5 hours later."""
    clock = Clock(START)
    monkeypatch.setattr(timezone, "now", clock)
    rollups.fold_all()
    office = Office.objects.get(licence_number="23-1001")
    service = _service_at(office)
    operator = User.objects.get(username="operator-1001")
    citizen = User.objects.get(role=Role.CITIZEN, national_code=demo_national_code(1))
    officer, _ = ensure_user(
        f"test-dash-{service.agency.code}",
        Role.AGENCY_OFFICER,
        DEMO_PASSWORD,
        agency=service.agency,
    )

    def file(channel: str) -> ServiceRequest:
        at_office = channel == Channel.OFFICE
        request, _ = submit(
            service=service,
            citizen=citizen,
            channel=channel,
            actor=operator if at_office else citizen,
            office=office if at_office else None,
            form_values=sample_values(service, citizen),
            uploads=demo_uploads(service),
        )
        return request

    def at(moment: dt.datetime) -> None:
        clock.now = moment

    requests = {}
    at(START)
    requests["A"] = file(Channel.OFFICE)
    at(START + HOUR)
    requests["B"] = file(Channel.ONLINE)
    at(START + 2 * HOUR)
    transition(requests["A"].pk, "start_review", officer)
    transition(requests["B"].pk, "start_review", officer)
    at(START + 5 * HOUR)
    transition(requests["B"].pk, "reject", officer, comment="مدارک ناقص است.")
    at(START + DAY)
    requests["C"] = file(Channel.ONLINE)
    requests["D"] = file(Channel.OFFICE)
    at(START + 32 * HOUR)
    transition(requests["A"].pk, "approve", officer)
    at(START + 34 * HOUR)
    settle(requests["A"])  # delivering waits for the fees
    transition(requests["A"].pk, "deliver", operator)
    at(START + 2 * DAY)
    requests["E"] = file(Channel.OFFICE)
    at(START + 2 * DAY + 5 * HOUR)
    transition(requests["E"].pk, "cancel", operator)
    at(START + 11 * DAY)
    transition(requests["C"].pk, "start_review", officer)
    at(START + 21 * DAY)
    transition(requests["C"].pk, "approve", officer)
    at(START + 22 * DAY)
    a = ServiceRequest.objects.get(pk=requests["A"].pk)
    rating = rate(a, score=4, via="test")
    complaint = file_complaint(
        citizen,
        a,
        kind=ComplaintKind.OVERCHARGE,
        text="بیش از رسید گرفتند.",
        amount_claimed_rials=a.fee_total_rials + 100_000,
    )
    # Their filing times are the models' defaults (the real clock): put them in the set's time.
    Rating.objects.filter(pk=rating.pk).update(created_at=clock.now)
    Complaint.objects.filter(pk=complaint.pk).update(created_at=clock.now)
    rollups.fold_all()
    at(dt.datetime(2025, 7, 10, 12, 0, tzinfo=TEHRAN))
    return SmallSet(service, office, requests, clock)


def _breached(small: SmallSet, key: str, decided: dt.datetime) -> int:
    return int(decided.astimezone(TEHRAN).date() > small.request(key).sla_due_on)


def _cut(small: SmallSet, **more):
    return selectors.Cut(province_id=small.office.province_id, service_id=small.service.pk, **more)


PERIODS = [
    pytest.param(Period(FIRST_DAY, LAST_DAY), id="by-day"),
    pytest.param(Period(dt.date(2025, 4, 1), dt.date(2025, 8, 20)), id="by-month"),
]


@pytest.mark.parametrize("period", PERIODS)
def test_volume_equals_the_requests_filed(small_set, period):
    volume = selectors.volume(_cut(small_set), period)
    assert (volume.total.office, volume.total.online) == (3, 2)  # A, D, E; B, C
    assert volume.total.online_share == pytest.approx(40.0)
    assert volume.by_service == {small_set.service.pk: selectors.Counts(3, 2)}
    assert volume.by_agency == {small_set.service.agency_id: selectors.Counts(3, 2)}
    assert volume.by_status == {
        "delivered": 1,
        "rejected": 1,
        "approved": 1,
        "submitted": 1,
        "cancelled": 1,
    }
    by_time = {day: counts for day, counts in volume.over_time if counts.total}
    if period.grain == "day":
        assert by_time == {
            FIRST_DAY: selectors.Counts(1, 1),
            FIRST_DAY + DAY: selectors.Counts(1, 1),
            FIRST_DAY + 2 * DAY: selectors.Counts(1, 0),
        }
        assert len(volume.over_time) == 40  # every day, with zeros
    else:
        assert by_time == {rollups.jalali_month(FIRST_DAY): selectors.Counts(3, 2)}


@pytest.mark.parametrize("period", PERIODS)
def test_turnaround_and_sla_from_the_decisions(small_set, period):
    decided = selectors.decisions(_cut(small_set), period).total
    # A: 32 hours (bucket "up to 2 days"), B: 4 hours ("up to 4 hours", the bound included),
    # C: 21 days ("up to 21 days").
    assert decided.count == 3
    expected = [0] * 15
    expected[1] += 1
    expected[4] += 1
    expected[11 - 1] += 1
    assert list(decided.buckets) == expected
    assert decided.median == 4  # the 2nd of 3 decisions
    assert decided.p90 == 10  # 90 % of 3 = 2.7: the 3rd
    late = (
        _breached(small_set, "A", START + 32 * HOUR)
        + _breached(small_set, "B", START + 5 * HOUR)
        + _breached(small_set, "C", START + 21 * DAY)
    )
    assert late >= 1  # C took 21 days
    assert decided.breached == late
    assert decided.breach_rate == pytest.approx(100 * late / 3)
    assert decided.total_seconds == (32 + 4) * 3600 + 20 * 86400


def test_channel_and_service_filters(small_set):
    period = Period(FIRST_DAY, LAST_DAY)
    online = selectors.volume(_cut(small_set, channel=Channel.ONLINE), period)
    assert (online.total.office, online.total.online) == (0, 2)
    decided = selectors.decisions(_cut(small_set, channel=Channel.ONLINE), period)
    assert decided.total.count == 2 and decided.by_channel.keys() == {"online"}
    other = Service.objects.exclude(pk=small_set.service.pk).first()
    cut = selectors.Cut(province_id=small_set.office.province_id, service_id=other.pk)
    assert selectors.volume(cut, period).total.total == 0


def test_where_time_goes_puts_the_bottleneck_first(small_set):
    steps = selectors.steps(_cut(small_set), Period(FIRST_DAY, LAST_DAY))
    by_state = {step.state: step.time for step in steps}
    # Left "submitted": A after 2 h, B after 1 h, C after 10 days, E after 5 h.
    assert by_state["submitted"].count == 4
    assert by_state["submitted"].total_seconds == (2 + 1 + 5) * 3600 + 10 * 86400
    # Left "in_review": A after 30 h, B after 3 h, C after 10 days.
    assert by_state["in_review"].count == 3
    assert by_state["in_review"].total_seconds == (30 + 3) * 3600 + 10 * 86400
    assert by_state["approved"].count == 1  # A, delivered 2 hours after approval
    assert [step.state for step in steps][:2] == ["in_review", "submitted"]
    assert by_state["in_review"].average_hours == pytest.approx((33 + 240) / 3)


def test_office_cells_count_counter_requests_only(small_set):
    cut = _cut(small_set, office_ids=(small_set.office.pk,))
    period = Period(FIRST_DAY, LAST_DAY)
    volume = selectors.volume(cut, period)
    assert (volume.total.office, volume.total.online) == (3, 0)
    assert selectors.decisions(cut, period).total.count == 1  # A
    assert selectors.volume_by_office(_cut(small_set), period) == {small_set.office.pk: 3}
    online = _cut(small_set, office_ids=(small_set.office.pk,), channel=Channel.ONLINE)
    assert selectors.volume(online, period).total.total == 0


def test_satisfaction_and_complaints(small_set):
    cut = _cut(small_set)
    rated = selectors.satisfaction(cut, FIRST_DAY, LAST_DAY, "service")
    assert rated[small_set.service.pk].count == 1 and rated[small_set.service.pk].average == 4
    found = selectors.complaints(cut, FIRST_DAY, LAST_DAY, "office")
    assert found[small_set.office.pk].by_kind == {"overcharge": 1}
    assert found[small_set.office.pk].overcharge == 1
    assert selectors.complaints(cut, FIRST_DAY, FIRST_DAY + DAY, "office") == {}
    assert (
        selectors.complaints(_cut(small_set, channel="online"), FIRST_DAY, LAST_DAY, "office") == {}
    )


def _page(client, username, url, **params):
    client.force_login(User.objects.get(username=username))
    return client.get(url, params)


def _filters(small: SmallSet) -> dict[str, str]:
    return {
        "start": format_jalali_numeric(FIRST_DAY),
        "end": format_jalali_numeric(LAST_DAY),
        "service": str(small.service.pk),
    }


def test_the_province_page_shows_the_same_figures(client, small_set):
    response = _page(
        client, "supervisor-tehran", reverse("insights:my_province"), **_filters(small_set)
    )
    assert response.status_code == 200
    board = response.context["board"]
    kpis = {kpi.key: kpi.value for kpi in board.kpis}
    assert kpis["filed"] == "۵"
    assert kpis["online-share"] == "۴۰٫۰٪"
    assert kpis["decisions"] == "۳"
    assert kpis["median"] == "تا ۲ روز"
    assert kpis["p90"] == "تا ۲۱ روز"
    assert kpis["rating"] == "۴٫۰۰"
    assert kpis["complaints"] == "۱"
    # States in the order requests meet them, whatever the database keeps of the JSON's order.
    statuses = [row[0].text for row in board.table("status").rows]
    assert statuses == ["ثبت‌شده", "تاییدشده", "ردشده", "تحویل‌شده", "لغوشده"]
    counties = board.table("counties")
    tehran = next(row for row in counties.rows if row[0].text == small_set.office.county.name)
    assert tehran[1].value == 3  # counter requests of the county's offices
    html = response.content.decode()
    assert "Online requests have no county" not in html  # in Persian
    assert "درخواست برخط شهرستان ندارد" in html
    assert 'id="chart-data-over-time"' in html and "chart.umd.min.js" in html
    # The footnote names all three marks the exports use (decision 52), as the exports' own do.
    footnote = html[html.index("«&lt;5»") - 200 :][:600]
    assert "«x»" in footnote and "«*»" in footnote


def test_the_office_page_and_its_request_list(client, small_set):
    office = small_set.office
    args = [office.province.sci_code, office.licence_number]
    response = _page(
        client, "supervisor-tehran", reverse("insights:office", args=args), **_filters(small_set)
    )
    assert response.status_code == 200
    kpis = {kpi.key: kpi.value for kpi in response.context["board"].kpis}
    assert kpis["filed"] == "۳" and kpis["decisions"] == "۱"
    listing = client.get(reverse("insights:office_requests", args=args), _filters(small_set))
    assert listing.status_code == 200
    codes = {r.tracking_code for r in listing.context["page"].object_list}
    assert codes == {small_set.requests[k].tracking_code for k in ("A", "D", "E")}
    html = listing.content.decode()
    citizen = small_set.request("A").citizen
    for personal in (citizen.national_code, citizen.mobile, citizen.last_name):
        assert personal not in html
    # A supervisor opens a request on the read-only page of the province's requests.
    assert "/agency/requests/" not in html
    assert reverse("cases:province_request", args=[small_set.request("A").tracking_code]) in html


def test_english_labels(client, small_set, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = _page(client, "regulator", reverse("insights:national"), **_filters(small_set))
    kpis = {kpi.key: kpi.value for kpi in response.context["board"].kpis}
    assert kpis["median"] == "up to 2 days"
    assert kpis["online-share"] == "40.0%"
    over_time = response.context["board"].table("over-time")
    assert over_time.chart["labels"][0] == "11 Khordad"
    assert over_time.rows[0][0].text == "11 Khordad 1404"


def test_a_mistyped_period_is_explained_and_the_default_shown(client, small_set):
    response = _page(
        client, "supervisor-tehran", reverse("insights:my_province"), start="1404/13/40"
    )
    assert response.status_code == 200
    assert response.context["form"].errors["start"]
    board = response.context["board"]
    assert board.grain == "day" and board.covered[1] - board.covered[0] == dt.timedelta(days=29)
    backwards = _page(
        client,
        "supervisor-tehran",
        reverse("insights:my_province"),
        start="1404/03/20",
        end="1404/03/10",
    )
    assert backwards.context["form"].errors["end"]
