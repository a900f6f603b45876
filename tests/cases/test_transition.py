"""Moving a request along its workflow: roles, states, comments, concurrent changes, versions."""

import threading

import pytest
from django.db import connection

from pishkhan.cases.models import ServiceRequest
from pishkhan.cases.services import RequestError, RequestNotFound, transition
from pishkhan.core.audit import events_for, verify
from pishkhan.notify.models import OutboxMessage
from pishkhan.payments.demo import settle  # paid as its office or citizen pays
from pishkhan.workflow.models import WorkflowDefinition

pytestmark = pytest.mark.django_db


def test_the_default_path_with_more_information(file_request, officer, operator, citizen):
    request, _ = file_request()
    transition(request.pk, "start_review", officer)
    transition(request.pk, "ask_info", officer, comment="تصویر خوانا نیست")
    transition(request.pk, "resubmit", operator)
    transition(request.pk, "start_review", officer)
    request = transition(request.pk, "approve", officer)
    assert request.status == "approved" and request.decided_at is not None
    settle(request)
    request = transition(request.pk, "deliver", operator)
    assert request.status == "delivered" and request.is_final
    actions = [e.action for e in events_for("service_request", request.pk)]
    assert actions == [
        "submit",
        "start_review",
        "ask_info",
        "resubmit",
        "start_review",
        "approve",
        "deliver",
    ]
    # "rating_link": the feedback app's listener sends the satisfaction link on delivery.
    assert set(
        OutboxMessage.objects.filter(subject_id=str(request.pk)).values_list("event", flat=True)
    ) == {"submitted", "needs_info", "approved", "delivered", "rating_link"}
    assert verify().ok


def test_citizen_may_cancel_before_review_only(file_request, citizen, officer):
    request, _ = file_request()
    assert transition(request.pk, "cancel", citizen).status == "cancelled"
    other, _ = file_request()
    transition(other.pk, "start_review", officer)
    with pytest.raises(RequestError) as exc:
        transition(other.pk, "cancel", citizen)
    assert exc.value.code == "not_allowed"


def test_roles_and_comments_are_enforced(file_request, officer, operator):
    request, _ = file_request()
    with pytest.raises(RequestError) as exc:
        transition(request.pk, "start_review", operator)
    assert exc.value.code == "role"
    transition(request.pk, "start_review", officer)
    with pytest.raises(RequestError) as exc:
        transition(request.pk, "reject", officer, comment="   ")
    assert exc.value.code == "comment_required"
    with pytest.raises(RequestError) as exc:
        transition(request.pk, "fly_to_the_moon", officer)
    assert exc.value.code == "not_allowed"
    assert ServiceRequest.objects.get(pk=request.pk).status == "in_review"


def test_out_of_scope_is_not_found(file_request):
    from pishkhan.accounts.models import User

    request, _ = file_request()
    isfahan_officer = User.objects.get(username="officer-abfa-isfahan")
    with pytest.raises(RequestNotFound):
        transition(request.pk, "start_review", isfahan_officer)


def test_a_stale_form_is_told_the_request_just_changed(file_request, officer):
    request, _ = file_request()
    transition(request.pk, "start_review", officer, expected_version=request.version)
    with pytest.raises(RequestError) as exc:
        transition(request.pk, "approve", officer, expected_version=request.version)
    assert exc.value.code == "stale"
    assert "همین حالا" in str(exc.value)  # "this request was just changed"


def test_requests_in_flight_keep_their_workflow_version(file_request, officer):
    request, _ = file_request()
    current = WorkflowDefinition.objects.current("default")
    changed = {
        **current.definition,
        "transitions": [t for t in current.definition["transitions"] if t["action"] != "ask_info"],
    }
    newer = WorkflowDefinition.publish("default", changed, current.name_fa)
    assert newer.version == current.version + 1
    transition(request.pk, "start_review", officer)
    assert transition(request.pk, "ask_info", officer, comment="x").status == "needs_info"
    later, _ = file_request()
    assert later.workflow_id == newer.pk
    transition(later.pk, "start_review", officer)
    with pytest.raises(RequestError):
        transition(later.pk, "ask_info", officer, comment="x")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_conflicting_transitions_at_once_exactly_one_wins(file_request, officer):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; this test runs in the PostgreSQL pass")
    request, _ = file_request()
    transition(request.pk, "start_review", officer)
    barrier = threading.Barrier(2)
    outcomes = []

    def act(action, comment):
        barrier.wait()
        try:
            transition(request.pk, action, officer, comment=comment, expected_version=2)
            outcomes.append(("ok", action))
        except RequestError as exc:
            outcomes.append((exc.code, action))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=act, args=("approve", "")),
        threading.Thread(target=act, args=("reject", "مدارک ناقص")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(code for code, _ in outcomes) == ["ok", "stale"]
    request.refresh_from_db()
    winner = next(action for code, action in outcomes if code == "ok")
    assert request.status == {"approve": "approved", "reject": "rejected"}[winner]
    assert [e.action for e in events_for("service_request", request.pk)][-1] == winner
