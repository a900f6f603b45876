"""Workflow definitions, stored as versioned data that agency administrators edit.

A definition row never changes once saved: editing makes a new version, and every request keeps
the version it started with.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cached_property
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pishkhan.accounts.roles import Role
from pishkhan.core.i18n import active_language
from pishkhan.core.text import digits_for_language

from .definition import Definition, DefinitionError

SYSTEM_ROLE = "system"  # see workflow.engine

# Parsed definitions by version id (see WorkflowDefinition.parsed_by_id).
_PARSED: dict[int, Definition] = {}


def forget_parsed() -> None:
    """Drop the parsed definitions this process keeps (tests whose database is rebuilt)."""
    _PARSED.clear()


# The platform's own processes, not any agency's: licensing registers the licence application's
# workflow and the licence's life cycle when it starts (``reserve_for_platform``). Only the
# national administrator reads or publishes these; no service's choice of key makes them an
# agency's.
_PLATFORM_KEYS: set[str] = set()


def reserve_for_platform(*keys: str) -> None:
    _PLATFORM_KEYS.update(keys)


def is_platform_key(key: str) -> bool:
    return key in _PLATFORM_KEYS


def is_national(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False)) or getattr(user, "role", None) == (
        Role.NATIONAL_ADMIN
    )


def agency_of(user: Any) -> int | None:
    if getattr(user, "role", None) == Role.AGENCY_ADMIN and getattr(user, "agency_id", None):
        return int(user.agency_id)
    return None


# Which agency a workflow serves is known only above this layer: each service (catalog) names
# its workflow's key. Catalog hands the engine this look-up when it starts (``catalog.apps``),
# as listeners are registered, so workflow never imports the layers above it.
AgencyServices = Callable[[int], tuple[Any, Any]]
_agency_services: list[AgencyServices] = []


def set_agency_services(look_up: AgencyServices) -> None:
    """``look_up(agency_id)`` gives two querysets of services, with a ``workflow_key`` field:
    the agency's own (and its units') and every other agency's."""
    _agency_services[:] = [look_up]


def _services(agency_id: int) -> tuple[Any, Any]:
    if not _agency_services:
        raise RuntimeError("workflow: no agency-services look-up registered (catalog.apps)")
    return _agency_services[0](agency_id)


def _owned_by(agency_id: int) -> Q:
    # An agency's own and its units', as its administrator's services are (catalog's
    # ``_of_agency``): a ministry's administrator also runs the workflows of its centres.
    return Q(owner_id=agency_id) | Q(owner__parent_id=agency_id)


def may_publish(user: Any, key: str) -> bool:
    """Whether ``user`` may publish a new version of the workflow ``key`` (or start it): the
    national administrator any; an agency's administrator one its agency owns (or a new key,
    which it will own), that no other agency's service uses and that is not the platform's own
    (licensing's). Decision 62."""
    if is_national(user):
        return True
    agency_id = agency_of(user)
    if agency_id is None or key in _PLATFORM_KEYS:
        return False
    versions = WorkflowDefinition.objects.filter(key=key)
    if versions.exists() and not versions.filter(_owned_by(agency_id)).exists():
        return False
    _mine, others = _services(agency_id)
    return not others.filter(workflow_key=key).exists()


def owning_agency(users: Iterable[tuple[int, int | None]]) -> int | None:
    """The agency that owns a workflow, from the (agency, its parent) of each service that
    uses it: the one agency whose own services (its own and its units', as ``_services``
    counts them) are all of them; none (the platform's) when no service uses it or services of
    several agencies do — then no agency may say it is theirs alone."""
    found = set(users)
    if not found:
        return None
    agencies = {agency for agency, _parent in found}
    if len(agencies) == 1:
        return agencies.pop()
    common = set.intersection(*({agency, parent} for agency, parent in found)) - {None}
    return common.pop() if len(common) == 1 else None  # type: ignore[return-value]


def assign_owners(
    workflow_model: Any, service_model: Any, keys: Iterable[str] | None = None
) -> dict[str, int | None]:
    """Give each unowned workflow (of ``keys``, else all) the owner the services using it say
    (``owning_agency``); the platform's reserved ones stay the platform's. Takes the models as
    arguments so that the migration passes its historical ones, and the catalogue's loader its
    own, without this layer importing catalog. Returns what it set, by key."""
    workflows = workflow_model.objects.filter(owner__isnull=True)
    if keys is not None:
        workflows = workflows.filter(key__in=list(keys))
    users: dict[str, set[tuple[int, int | None]]] = {}
    for key, agency, parent in service_model.objects.values_list(
        "workflow_key", "agency_id", "agency__parent_id"
    ):
        users.setdefault(key, set()).add((agency, parent))
    assigned: dict[str, int | None] = {}
    for key in sorted(set(workflows.values_list("key", flat=True))):
        owner = None if key in _PLATFORM_KEYS else owning_agency(users.get(key, ()))
        if owner is not None:
            workflow_model.objects.filter(key=key).update(owner_id=owner)
        assigned[key] = owner
    return assigned


class WorkflowQuerySet(models.QuerySet["WorkflowDefinition"]):
    def visible_to(self, user: Any) -> WorkflowQuerySet:
        """The workflows ``user`` may read (the admin's list and pages; outside it, not found):
        the national administrator every one; an agency's administrator those its agency (or a
        unit of it) owns, and the platform's that its own services use (the shared default,
        read-only: ``may_publish``); never another agency's, used or not yet, nor the
        platform's reserved ones (decisions 58, 62)."""
        if is_national(user):
            return self.all()
        agency_id = agency_of(user)
        if agency_id is None:
            return self.none()
        mine, _others = _services(agency_id)
        used_by_mine = Q(owner__isnull=True, key__in=mine.values("workflow_key"))
        return self.exclude(key__in=_PLATFORM_KEYS).filter(_owned_by(agency_id) | used_by_mine)

    def current(self, key: str) -> WorkflowDefinition:
        """The newest version of a workflow: what a new request starts on."""
        return self.filter(key=key).order_by("-version").first() or self.get(key=key)


class WorkflowDefinition(models.Model):
    key = models.SlugField(_("key"), max_length=60)
    version = models.PositiveIntegerField(_("version"))
    name_fa = models.CharField(_("Persian name"), max_length=120)
    name_en = models.CharField(_("English name"), max_length=120, blank=True)
    definition = models.JSONField(_("definition"))
    # Who administers the workflow: the same on every version of a key (``publish`` copies it,
    # ``set_owner`` changes them all). Empty: the platform's (the national administrator's),
    # such as the shared default and licensing's. A lazy reference, as accounts' to agencies
    # (decision 1): this app never imports catalog. Decision 62.
    owner = models.ForeignKey(
        "catalog.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owning agency"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = WorkflowQuerySet.as_manager()

    class Meta:
        ordering = ["key", "-version"]
        verbose_name = _("workflow")
        verbose_name_plural = _("workflows")
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="workflow_version_unique")
        ]

    def __str__(self) -> str:
        # In the admin's titles and lists: «... (نسخهٔ ۳)», not "(v3)".
        return gettext("%(name)s (version %(version)s)") % {
            "name": self.name_fa,
            "version": digits_for_language(self.version, active_language()),
        }

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("workflow versions are immutable; save a new version instead")
        super().save(*args, **kwargs)

    def clean(self) -> None:
        try:
            Definition.parse(self.definition, known_roles={*Role.values, SYSTEM_ROLE})
        except DefinitionError as exc:
            raise ValidationError({"definition": str(exc)}) from exc

    @cached_property
    def parsed(self) -> Definition:
        return Definition.parse(self.definition)

    @classmethod
    def parsed_by_id(cls, pk: int, loaded: WorkflowDefinition | None = None) -> Definition:
        """The parsed definition of version ``pk``, parsed once per process: a version never
        changes, so the hot pages neither read nor parse its JSON again (docs/performance.md).
        ``loaded``: the row, when the caller has it already. A version is remembered only once
        the transaction that read it has committed, so a rolled-back one is never kept."""
        found = _PARSED.get(pk)
        if found is None:
            if loaded is None:
                loaded = cls.objects.only("definition").get(pk=pk)
            found = loaded.parsed
            transaction.on_commit(lambda: _PARSED.setdefault(pk, found))
        return found

    @classmethod
    @transaction.atomic
    def publish(
        cls,
        key: str,
        definition: dict[str, Any],
        name_fa: str,
        name_en: str = "",
        owner_id: int | None = None,
    ) -> WorkflowDefinition:
        """Add a new version of a workflow (or the first). Requests in flight keep theirs.
        ``owner_id`` is the first version's owner; later versions keep the workflow's."""
        latest = cls.objects.select_for_update().filter(key=key).order_by("-version").first()
        if latest is not None and latest.definition == definition:
            return latest
        workflow = cls(
            key=key,
            version=(latest.version + 1) if latest else 1,
            name_fa=name_fa,
            name_en=name_en,
            definition=definition,
            owner_id=latest.owner_id if latest else owner_id,
        )
        workflow.full_clean()
        workflow.save()
        return workflow

    @classmethod
    def set_owner(cls, key: str, owner_id: int | None) -> None:
        """Give the workflow ``key`` (every version) to another owner: the national
        administrator's act. The versions' processes stay as they were; who administers them
        is not part of them."""
        cls.objects.filter(key=key).update(owner_id=owner_id)
