"""Editing a workflow in the admin publishes a new version; agencies edit only their own."""

import html
import json
import re

import pytest
from django.utils import translation

from pishkhan.accounts.models import User
from pishkhan.core.text import to_persian_digits
from pishkhan.workflow.definition import Definition, DefinitionError
from pishkhan.workflow.models import WorkflowDefinition

pytestmark = pytest.mark.django_db


def post_definition(client, workflow, definition):
    return client.post(
        f"/admin/workflow/workflowdefinition/{workflow.pk}/change/",
        {
            "name_fa": workflow.name_fa,
            "name_en": workflow.name_en,
            "definition": json.dumps(definition),
        },
    )


def test_national_admin_edit_publishes_a_new_version(client, admin_user):
    client.force_login(admin_user)
    current = WorkflowDefinition.objects.current("default")
    changed = json.loads(json.dumps(current.definition))
    changed["states"]["approved"]["label_fa"] = "تاییدشده نهایی"
    response = post_definition(client, current, changed)
    assert response.status_code == 302
    newest = WorkflowDefinition.objects.current("default")
    assert newest.version == current.version + 1
    assert newest.definition["states"]["approved"]["label_fa"] == "تاییدشده نهایی"
    current.refresh_from_db()
    assert current.definition["states"]["approved"]["label_fa"] == "تاییدشده"


def test_a_broken_definition_is_refused_with_the_reason(client, admin_user):
    client.force_login(admin_user)
    current = WorkflowDefinition.objects.current("default")
    broken = {**current.definition, "initial": "nowhere"}
    response = post_definition(client, current, broken)
    assert response.status_code == 200
    assert "nowhere" in response.content.decode()
    assert WorkflowDefinition.objects.current("default").pk == current.pk


def test_an_agency_cannot_change_a_workflow_other_agencies_use(client):
    client.force_login(User.objects.get(username="agencyadmin-nocr"))
    current = WorkflowDefinition.objects.current("default")
    response = post_definition(client, current, current.definition | {"final": ["delivered"]})
    assert response.status_code == 200
    assert "فقط مدیر سامانه می‌تواند آن را تغییر دهد" in response.content.decode()
    assert WorkflowDefinition.objects.current("default").pk == current.pk


@pytest.mark.parametrize(
    "broken",
    [
        {},
        {"states": {"a": {"label_fa": "ا"}}, "initial": "b"},
        {
            "states": {"a": {"label_fa": "ا"}},
            "initial": "a",
            "final": ["a"],
            "transitions": [{"action": "x", "from": ["a"], "to": "a", "roles": ["citizen"]}],
        },
        {
            "states": {"a": {"label_fa": "ا"}},
            "initial": "a",
            "transitions": [{"action": "x", "from": ["a"], "to": "a", "roles": ["wizard"]}],
        },
    ],
)
def test_definition_checks(broken):
    with pytest.raises(DefinitionError):
        Definition.parse(broken, known_roles={"citizen"})


def _admin_error(client, workflow, definition) -> str:
    """The message the admin shows under the definition (the one error list of the form)."""
    response = post_definition(client, workflow, definition)
    assert response.status_code == 200
    found = re.search(
        r'<ul class="errorlist[^"]*"[^>]*>\s*<li>(.*?)</li>', response.content.decode()
    )
    assert found, "no error shown"
    return html.unescape(found.group(1))


def test_a_broken_definition_is_explained_in_persian_and_in_english(client, admin_user, settings):
    client.force_login(admin_user)
    current = WorkflowDefinition.objects.current("default")
    broken = json.loads(json.dumps(current.definition))
    broken["transitions"][1]["roles"] = ["wizard", "agency_officer"]
    action = broken["transitions"][1]["action"]
    assert _admin_error(client, current, broken) == (
        f"گذار «{action}» نقش‌هایی را نام می‌برد که وجود ندارند: wizard."
    )
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert _admin_error(client, current, broken) == (
        f"Transition “{action}” names roles that do not exist: wizard."
    )


def test_a_transitions_number_is_in_persian_digits(client, admin_user):
    client.force_login(admin_user)
    current = WorkflowDefinition.objects.current("default")
    broken = json.loads(json.dumps(current.definition))
    broken["transitions"].append("approve")
    number = to_persian_digits(len(broken["transitions"]))
    assert _admin_error(client, current, broken) == f"گذار {number} باید یک شیء JSON باشد."


@pytest.mark.parametrize(
    "change",
    [
        {"initial": []},
        {"initial": {"a": 1}},
        {"final": [["delivered"]]},
        {"states": {"submitted": {"label_fa": ["ثبت"]}}},
        {"transitions": {"approve": {}}},
    ],
)
def test_a_value_of_the_wrong_kind_is_refused_not_a_server_error(client, admin_user, change):
    client.force_login(admin_user)
    current = WorkflowDefinition.objects.current("default")
    message = _admin_error(client, current, {**current.definition, **change})
    assert re.search(r"[آ-ی]", message), message  # a sentence in Persian
    assert WorkflowDefinition.objects.current("default").pk == current.pk


@pytest.mark.parametrize("where", ["from", "to", "roles"])
def test_a_list_or_object_where_a_name_belongs_is_refused(where):
    spec = {"action": "x", "from": ["a"], "to": "a", "roles": ["citizen"]}
    spec[where] = [["a"]] if where != "to" else ["a"]
    with pytest.raises(DefinitionError):
        Definition.parse(
            {"states": {"a": {"label_fa": "ا"}}, "initial": "a", "transitions": [spec]},
            known_roles={"citizen"},
        )


def test_a_workflow_version_is_named_in_the_admins_language(admin_user, client):
    current = WorkflowDefinition.objects.current("default")
    with translation.override("fa"):
        assert str(current) == f"{current.name_fa} (نسخهٔ {to_persian_digits(current.version)})"
    client.force_login(admin_user)
    page = client.get(f"/admin/workflow/workflowdefinition/{current.pk}/change/").content.decode()
    assert f"(v{current.version})" not in page
