"""The six-monthly ranking and the service shares it allows."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from pishkhan.accounts.models import User
from pishkhan.cases.services import RequestError
from pishkhan.catalog.models import Service
from pishkhan.licensing.models import OfficeRank
from pishkhan.licensing.ranking import run_ranking
from pishkhan.licensing.services import LicensingError
from pishkhan.offices.entitlements import allowed_count, entitled_service_ids
from pishkhan.offices.models import Office, OfficeService
from pishkhan.offices.services import set_office_fee

pytestmark = pytest.mark.django_db


def test_ranking_gives_each_province_ranks_and_keeps_the_inputs():
    regulator = User.objects.get(username="regulator")
    run = run_ranking(regulator)
    ranks = {r.office.licence_number: r for r in run.ranks.select_related("office")}
    assert set(ranks) == set(Office.objects.active().values_list("licence_number", flat=True))
    tehran = [ranks["23-1001"], ranks["23-1002"]]
    assert sorted(r.rank for r in tehran) == [1, 2]  # top 20 % (at least one) and up to 70 %
    busiest = max(tehran, key=lambda r: r.inputs["handled"])
    assert busiest.rank == 1
    assert Office.objects.get(licence_number=busiest.office.licence_number).rank == 1
    with pytest.raises(LicensingError):
        run_ranking(User.objects.get(username="operator-1001"))


def test_rank_three_offers_thirty_percent_and_the_counter_enforces_it(
    file_request, office, service
):
    available = Service.objects.active().filter(offered_at_office=True).count()
    Office.objects.filter(pk=office.pk).update(rank=3)
    office.refresh_from_db()
    assert allowed_count(office) == available * 30 // 100
    entitled = entitled_service_ids(office)
    outside = (
        OfficeService.objects.filter(office=office).exclude(service_id__in=entitled).first().service
    )
    with pytest.raises(RequestError) as exc:
        from pishkhan.cases.demo import sample_values

        file_request(
            service=outside, form_values=sample_values(outside, office.staff.first()), uploads=[]
        )
    assert exc.value.code == "not_entitled"
    # Adding yet another service is refused while the office is over its share.
    OfficeService.objects.filter(office=office, service__code="gas-meter-test").delete()
    with pytest.raises(ValidationError):
        set_office_fee(office, Service.objects.get(code="gas-meter-test"), 0)


def test_ranking_page(client, settings):
    settings.PISHKHAN_STAFF_OTP = False
    client.force_login(User.objects.get(username="regulator"))
    assert "رتبه‌بندی" in client.get(reverse("licensing:ranking")).content.decode()
    client.post(reverse("licensing:ranking"))
    assert OfficeRank.objects.exists()
    client.force_login(User.objects.get(username="operator-1001"))
    assert client.get(reverse("licensing:ranking")).status_code == 404


def test_satisfaction_and_upheld_complaints_count_in_the_ranking():
    """The feedback app's measures (registered in its AppConfig.ready) feed the documented
    formula: average rating in the period ÷ 5 (0.5 unrated), 1 − upheld ÷ the province's most."""
    import datetime as dt
    from collections import defaultdict

    from django.utils import timezone

    from pishkhan.feedback.models import Complaint, Rating
    from pishkhan.licensing.ranking import PERIOD, _office_hours

    run = run_ranking(User.objects.get(username="regulator"))
    ranks = list(run.ranks.select_related("office"))
    # Hours are kept rounded with each rank; the score used them unrounded.
    since = timezone.make_aware(dt.datetime.combine(run.period_end - PERIOD, dt.time.min))
    hours = _office_hours([r.office_id for r in ranks], since)
    by_province = defaultdict(list)
    for r in ranks:
        by_province[r.office.province_id].append(r)
    rated = upheld_seen = unrated = 0
    for group in by_province.values():
        most = {
            key: max(r.inputs[key] for r in group)
            for key in ("handled", "insured_staff", "upheld_complaints")
        }
        slowest = max(hours.get(r.office_id, 0.0) for r in group)
        for r in group:
            scores = list(Rating.objects.filter(office=r.office).values_list("score", flat=True))
            upheld = Complaint.objects.filter(office=r.office, status="upheld").count()
            assert r.inputs["ratings"] == len(scores)
            assert r.inputs["upheld_complaints"] == upheld
            if scores:
                rated += 1
                assert r.inputs["satisfaction"] == round(sum(scores) / len(scores), 2)
                satisfaction = sum(scores) / len(scores) / 5
            else:
                unrated += 1
                assert r.inputs["satisfaction"] is None
                satisfaction = 0.5
            upheld_seen += upheld

            def share(key, r=r, most=most):
                return r.inputs[key] / most[key] if most[key] else 0.0

            expected = (
                0.40 * share("handled")
                + 0.25 * satisfaction
                + 0.15 * (1 - share("upheld_complaints"))
                + 0.10 * (1 - (hours.get(r.office_id, 0.0) / slowest if slowest else 0.0))
                + 0.10 * share("insured_staff")
            )
            assert float(r.score) == pytest.approx(expected, abs=1e-3), (r.inputs, most)
    assert rated and unrated and upheld_seen  # the demo has rated, unrated and complained offices
