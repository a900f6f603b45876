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


@pytest.fixture
def water_admin(settings):
    """The water company's services administrator: an agency that uses only the default
    workflow, like most."""
    from pishkhan.accounts.roles import Role
    from pishkhan.catalog.models import Agency
    from pishkhan.catalog.services import ensure_agency_admin_group

    settings.PISHKHAN_STAFF_OTP = False
    user = User.objects.create(
        username="agencyadmin-abfa",
        role=Role.AGENCY_ADMIN,
        agency=Agency.objects.get(code="abfa"),
        is_staff=True,
    )
    user.groups.add(ensure_agency_admin_group())
    return user


@pytest.mark.parametrize(
    "key",
    # The Assessment Center's own workflow, the teachers' employment certificate (the ministry
    # of education's), and the regulator's two licensing workflows.
    ["academic_verification", "employment_certificate", "licence_application", "office_licence"],
)
def test_an_agency_neither_reads_nor_publishes_a_workflow_not_its_own(client, water_admin, key):
    client.force_login(water_admin)
    current = WorkflowDefinition.objects.current(key)
    listed = client.get("/admin/workflow/workflowdefinition/").content.decode()
    assert f"/admin/workflow/workflowdefinition/{current.pk}/change/" not in listed
    assert current.name_fa not in listed
    # The admin's answer for an object outside the list: back to its index, naming nothing.
    page = client.get(f"/admin/workflow/workflowdefinition/{current.pk}/change/")
    assert page.status_code == 302 and current.name_fa not in page.content.decode()
    # A valid definition that lets agency administrators take the first step themselves.
    changed = json.loads(json.dumps(current.definition))
    changed["transitions"][0]["roles"] = [*changed["transitions"][0]["roles"], "agency_admin"]
    post_definition(client, current, changed)
    assert WorkflowDefinition.objects.current(key).pk == current.pk
    # Nor by starting a "new" workflow under the same key: refused, saying why.
    refused = client.post(
        "/admin/workflow/workflowdefinition/add/",
        {"key": key, "name_fa": "ت", "name_en": "", "definition": json.dumps(changed)},
    )
    assert refused.status_code == 200
    assert "فقط مدیر سامانه می‌تواند آن را تغییر دهد" in refused.content.decode()
    assert WorkflowDefinition.objects.current(key).pk == current.pk


def test_an_agency_reads_the_workflows_its_services_use_and_starts_new_ones(client, water_admin):
    client.force_login(water_admin)
    default = WorkflowDefinition.objects.current("default")
    listed = client.get("/admin/workflow/workflowdefinition/").content.decode()
    assert f"/admin/workflow/workflowdefinition/{default.pk}/change/" in listed
    assert client.get(f"/admin/workflow/workflowdefinition/{default.pk}/change/").status_code == 200
    answer = client.post(
        "/admin/workflow/workflowdefinition/add/",
        {
            "key": "abfa_inspection",
            "name_fa": "بازدید آبفا",
            "name_en": "",
            "definition": json.dumps(default.definition),
        },
    )
    assert answer.status_code == 302
    assert WorkflowDefinition.objects.current("abfa_inspection").version == 1


@pytest.mark.parametrize(
    "key",
    # Another agency's workflow (taking it would show it and stop its owner publishing), the
    # regulator's, and one that does not exist (the service could no longer be filed).
    ["academic_verification", "licence_application", "no_such_workflow"],
)
def test_an_agency_gives_its_service_only_a_workflow_of_its_own(rf, water_admin, key):
    from django.contrib.admin.sites import site

    from pishkhan.catalog.models import Service

    service = Service.objects.get(code="abfa-water-connection")
    request = rf.post("/")
    request.user = water_admin
    form_class = site._registry[Service].get_form(request, service, change=True)
    refused = form_class(data={"workflow_key": key}, instance=service)
    assert refused.errors["workflow_key"] == [
        "گردش کاری با این کلید نیست که بتوانید به خدمات خود بدهید."
    ]
    kept = form_class(data={"workflow_key": "default"}, instance=service)
    assert "workflow_key" not in kept.errors


# --- Owners (decision 62): an agency's new workflow is its own until it gives it a service ----


def start_workflow(client, key="nocr_birth_check", **extra):
    """A workflow started in the admin, as the signed-in user (the default's steps)."""
    default = WorkflowDefinition.objects.current("default")
    return client.post(
        "/admin/workflow/workflowdefinition/add/",
        {
            "key": key,
            "name_fa": "بررسی ولادت ثبت احوال",
            "name_en": "",
            "definition": json.dumps(default.definition),
            **extra,
        },
    )


@pytest.fixture
def nocr_started(client, water_admin):
    """The civil registry's administrator has started a workflow and given it no service yet
    (and tried to say it is the water company's: an agency's administrator cannot)."""
    from pishkhan.catalog.models import Agency

    nocr_admin = User.objects.get(username="agencyadmin-nocr")
    client.force_login(nocr_admin)
    abfa = Agency.objects.get(code="abfa")
    assert start_workflow(client, owner=str(abfa.pk)).status_code == 302
    client.logout()
    return WorkflowDefinition.objects.current("nocr_birth_check")


def test_an_agencys_new_workflow_is_its_own_and_keeps_its_owner(client, rf, nocr_started):
    from django.contrib.admin.sites import site

    from pishkhan.catalog.models import Service

    nocr_admin = User.objects.get(username="agencyadmin-nocr")
    assert nocr_started.owner_id == nocr_admin.agency_id
    client.force_login(nocr_admin)
    listed = client.get("/admin/workflow/workflowdefinition/").content.decode()
    assert f"/admin/workflow/workflowdefinition/{nocr_started.pk}/change/" in listed
    page = client.get(f"/admin/workflow/workflowdefinition/{nocr_started.pk}/change/")
    assert page.status_code == 200
    assert 'name="owner"' not in page.content.decode()  # shown, not editable
    assert nocr_started.owner.name_fa in page.content.decode()
    changed = json.loads(json.dumps(nocr_started.definition))
    changed["states"]["approved"]["label_fa"] = "تایید ثبت احوال"
    assert post_definition(client, nocr_started, changed).status_code == 302
    newest = WorkflowDefinition.objects.current("nocr_birth_check")
    assert newest.version == 2 and newest.owner_id == nocr_admin.agency_id
    # And gives it to its own service.
    service = Service.objects.filter(agency_id=nocr_admin.agency_id).first()
    request = rf.post("/")
    request.user = nocr_admin
    form_class = site._registry[Service].get_form(request, service, change=True)
    given = form_class(data={"workflow_key": "nocr_birth_check"}, instance=service)
    assert "workflow_key" not in given.errors


def test_another_agency_neither_reads_nor_takes_an_unused_workflow(
    client, rf, water_admin, nocr_started
):
    from django.contrib.admin.sites import site

    from pishkhan.catalog.models import Service

    client.force_login(water_admin)
    listed = client.get("/admin/workflow/workflowdefinition/").content.decode()
    assert f"/admin/workflow/workflowdefinition/{nocr_started.pk}/change/" not in listed
    assert nocr_started.name_fa not in listed
    page = client.get(f"/admin/workflow/workflowdefinition/{nocr_started.pk}/change/")
    assert page.status_code == 302 and page["Location"] == "/admin/"
    # A new version, by its page or by starting "a new one" under its key: refused.
    changed = json.loads(json.dumps(nocr_started.definition))
    changed["states"]["approved"]["label_fa"] = "تایید آبفا"
    post_definition(client, nocr_started, changed)
    refused = start_workflow(client)
    assert refused.status_code == 200
    assert "فقط مدیر سامانه می‌تواند آن را تغییر دهد" in refused.content.decode()
    newest = WorkflowDefinition.objects.current("nocr_birth_check")
    assert newest.pk == nocr_started.pk and newest.owner_id == nocr_started.owner_id
    # Nor given to its own service.
    service = Service.objects.get(code="abfa-water-connection")
    request = rf.post("/")
    request.user = water_admin
    form_class = site._registry[Service].get_form(request, service, change=True)
    taken = form_class(data={"workflow_key": "nocr_birth_check"}, instance=service)
    assert taken.errors["workflow_key"] == [
        "گردش کاری با این کلید نیست که بتوانید به خدمات خود بدهید."
    ]


def test_the_national_admin_reads_any_workflow_and_sets_its_owner(client, admin_user, nocr_started):
    from pishkhan.catalog.models import Agency

    client.force_login(admin_user)
    listed = client.get("/admin/workflow/workflowdefinition/").content.decode()
    assert f"/admin/workflow/workflowdefinition/{nocr_started.pk}/change/" in listed
    assert "owner__id__exact=" in listed  # the filter by owner
    assert (
        'name="owner"'
        in client.get(
            f"/admin/workflow/workflowdefinition/{nocr_started.pk}/change/"
        ).content.decode()
    )
    abfa = Agency.objects.get(code="abfa")
    answer = client.post(
        f"/admin/workflow/workflowdefinition/{nocr_started.pk}/change/",
        {
            "name_fa": nocr_started.name_fa,
            "name_en": "",
            "definition": json.dumps(nocr_started.definition),
            "owner": str(abfa.pk),
        },
    )
    assert answer.status_code == 302
    # The same definition: no new version, and every version has the new owner.
    assert set(
        WorkflowDefinition.objects.filter(key="nocr_birth_check").values_list("owner", flat=True)
    ) == {abfa.pk}


def test_the_list_names_the_owner_in_persian(client, admin_user, nocr_started):
    client.force_login(admin_user)
    listed = client.get("/admin/workflow/workflowdefinition/").content.decode()
    assert "دستگاه مالک" in listed
    assert nocr_started.owner.name_fa in listed
    assert "سامانه (مدیر سامانه)" in listed  # the default's: the platform's


def test_the_list_names_the_owner_in_english_too(client, admin_user, nocr_started, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(admin_user)
    listed = client.get("/admin/workflow/workflowdefinition/").content.decode()
    # The list's column (the owner filter's choices are the agencies' own names).
    assert f'<td class="field-owner_name">{nocr_started.owner.name_en}</td>' in listed


def test_the_shipped_workflows_owners():
    """As the migration would give them: the one agency whose services use it, else the
    platform."""
    owners = dict(WorkflowDefinition.objects.filter(version=1).values_list("key", "owner__code"))
    assert owners == {
        "default": None,
        "academic_verification": "moe-sanjesh",
        "employment_certificate": "moe",
        "licence_application": None,
        "office_licence": None,
    }


def test_owning_agency_is_the_one_agency_whose_services_use_it():
    from pishkhan.workflow.models import owning_agency

    assert owning_agency([]) is None  # no service: no one can say
    assert owning_agency([(7, None)]) == 7
    assert owning_agency([(8, 7)]) == 8  # a unit's alone: the unit's
    assert owning_agency([(7, None), (8, 7)]) == 7  # an agency and its unit: the agency's
    assert owning_agency([(8, 7), (9, 7)]) == 7  # two units of one agency
    assert owning_agency([(7, None), (9, None)]) is None  # shared: the platform's
    assert owning_agency([(8, 7), (9, None)]) is None


def test_the_migration_gives_each_unowned_workflow_its_agency():
    from pishkhan.catalog.models import Agency, Service
    from pishkhan.workflow.models import assign_owners

    WorkflowDefinition.objects.update(owner=None)  # as before the migration
    nocr = Agency.objects.get(code="nocr")
    definition = WorkflowDefinition.objects.current("default").definition
    WorkflowDefinition.publish("nocr_unused", definition, "بی‌خدمت")
    WorkflowDefinition.publish("nocr_own", definition, "ثبت احوال")
    Service.objects.filter(pk=Service.objects.filter(agency=nocr).first().pk).update(
        workflow_key="nocr_own"
    )
    assigned = assign_owners(WorkflowDefinition, Service)
    assert assigned["nocr_own"] == nocr.pk
    assert assigned["academic_verification"] == Agency.objects.get(code="moe-sanjesh").pk
    # Shared, unused and reserved: the platform's.
    assert assigned["default"] is None
    assert assigned["nocr_unused"] is None
    assert assigned["licence_application"] is None and assigned["office_licence"] is None
    assert WorkflowDefinition.objects.get(key="nocr_own").owner_id == nocr.pk
    # An owner already set is kept.
    WorkflowDefinition.set_owner("nocr_unused", nocr.pk)
    assert "nocr_unused" not in assign_owners(WorkflowDefinition, Service)
