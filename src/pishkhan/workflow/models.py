"""Workflow definitions, stored as versioned data that agency administrators edit.

A definition row never changes once saved: editing makes a new version, and every request keeps
the version it started with.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
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


def _is_national(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False)) or getattr(user, "role", None) == (
        Role.NATIONAL_ADMIN
    )


def _agency_of(user: Any) -> int | None:
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


def may_publish(user: Any, key: str) -> bool:
    """Whether ``user`` may publish a new version of the workflow ``key`` (or start it): the
    national administrator any; an agency's administrator one that no other agency's service
    uses and that is not the platform's own (licensing's)."""
    if _is_national(user):
        return True
    agency_id = _agency_of(user)
    if agency_id is None or key in _PLATFORM_KEYS:
        return False
    _mine, others = _services(agency_id)
    return not others.filter(workflow_key=key).exists()


class WorkflowQuerySet(models.QuerySet["WorkflowDefinition"]):
    def visible_to(self, user: Any) -> WorkflowQuerySet:
        """The workflows ``user`` may read (the admin's list and pages; outside it, not found):
        the national administrator every one; an agency's administrator those its own services
        use (the shared default among them, read-only: ``may_publish``) and those no service
        uses yet (one it has just started), never another agency's nor the platform's own."""
        if _is_national(user):
            return self.all()
        agency_id = _agency_of(user)
        if agency_id is None:
            return self.none()
        mine, others = _services(agency_id)
        theirs_only = others.exclude(workflow_key__in=mine.values("workflow_key"))
        return self.exclude(key__in=_PLATFORM_KEYS).exclude(
            key__in=theirs_only.values("workflow_key")
        )

    def current(self, key: str) -> WorkflowDefinition:
        """The newest version of a workflow: what a new request starts on."""
        return self.filter(key=key).order_by("-version").first() or self.get(key=key)


class WorkflowDefinition(models.Model):
    key = models.SlugField(_("key"), max_length=60)
    version = models.PositiveIntegerField(_("version"))
    name_fa = models.CharField(_("Persian name"), max_length=120)
    name_en = models.CharField(_("English name"), max_length=120, blank=True)
    definition = models.JSONField(_("definition"))
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
        cls, key: str, definition: dict[str, Any], name_fa: str, name_en: str = ""
    ) -> WorkflowDefinition:
        """Add a new version of a workflow (or the first). Requests in flight keep theirs."""
        latest = cls.objects.select_for_update().filter(key=key).order_by("-version").first()
        if latest is not None and latest.definition == definition:
            return latest
        workflow = cls(
            key=key,
            version=(latest.version + 1) if latest else 1,
            name_fa=name_fa,
            name_en=name_en,
            definition=definition,
        )
        workflow.full_clean()
        workflow.save()
        return workflow
