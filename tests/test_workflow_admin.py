"""Editing a workflow in the admin publishes a new version; agencies edit only their own."""

import json

import pytest

from pishkhan.accounts.models import User
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
