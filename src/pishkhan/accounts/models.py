"""Users and the scope each one works in.

A user has exactly one role. The organisation a role works for is held on the user itself
(province, agency, office) as lazy foreign keys, so this app — the one place that decides who
sees what — never imports the apps above it (see docs/decisions.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pishkhan.core.validators import validate_mobile, validate_national_code

from .roles import AGENCY_ROLES, OFFICE_ROLES, PROVINCE_ROLES, STAFF_ROLES, Role


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.CITIZEN)
    national_code = models.CharField(
        _("national code"),
        max_length=10,
        blank=True,
        validators=[validate_national_code],
        db_index=True,
    )
    mobile = models.CharField(_("mobile"), max_length=11, blank=True, validators=[validate_mobile])
    province = models.ForeignKey(
        "core.Province",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("province"),
    )
    agency = models.ForeignKey(
        "catalog.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("agency"),
    )
    office = models.ForeignKey(
        "offices.Office",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("office"),
    )

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                fields=["national_code"],
                condition=Q(role=Role.CITIZEN) & ~Q(national_code=""),
                name="citizen_national_code_unique",
                # Django's default names the constraint, in English.
                violation_error_message=_("A citizen with this national code already exists."),
                violation_error_code="unique",
            ),
            models.CheckConstraint(
                condition=~Q(role__in=OFFICE_ROLES) | Q(office__isnull=False),
                name="office_roles_have_office",
            ),
            models.CheckConstraint(
                condition=~Q(role__in=AGENCY_ROLES) | Q(agency__isnull=False),
                name="agency_roles_have_agency",
            ),
            models.CheckConstraint(
                condition=~Q(role__in=PROVINCE_ROLES) | Q(province__isnull=False),
                name="province_roles_have_province",
            ),
        ]

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.role in OFFICE_ROLES and not self.office_id:
            errors["office"] = _("Office staff must belong to an office.")
        if self.role in AGENCY_ROLES and not self.agency_id:
            errors["agency"] = _("Agency staff must belong to an agency.")
        if self.role in PROVINCE_ROLES and not self.province_id:
            errors["province"] = _("A provincial supervisor needs a province.")
        if self.role == Role.CITIZEN and not self.national_code:
            errors["national_code"] = _("A citizen is identified by a national code.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_staff_role(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def scope(self) -> Scope:
        return Scope.of(self)


@dataclass(frozen=True)
class Scope:
    """Where a user's reach ends: read by every ``visible_to(user)`` queryset method."""

    role: str
    user_id: int | None
    province_id: int | None
    agency_id: int | None
    office_id: int | None

    @classmethod
    def of(cls, user: object) -> Scope:
        if not getattr(user, "is_authenticated", False):
            return cls("anonymous", None, None, None, None)
        return cls(
            role=user.role,  # type: ignore[attr-defined]
            user_id=user.pk,  # type: ignore[attr-defined]
            province_id=user.province_id,  # type: ignore[attr-defined]
            agency_id=user.agency_id,  # type: ignore[attr-defined]
            office_id=user.office_id,  # type: ignore[attr-defined]
        )

    @property
    def is_national(self) -> bool:
        return self.role in {Role.NATIONAL_ADMIN, Role.REGULATOR} or (
            self.role in AGENCY_ROLES and self.province_id is None
        )


class IdentityRecord(models.Model):
    """The local identity registry: who a national code belongs to and which mobile is theirs.

    Stands in for the national civil-registration and Shahkar (mobile ownership) inquiries in the
    embedded default; production swaps the adapter in ``accounts.identity``.
    """

    national_code = models.CharField(
        _("national code"), max_length=10, unique=True, validators=[validate_national_code]
    )
    first_name = models.CharField(_("first name"), max_length=80)
    last_name = models.CharField(_("last name"), max_length=80)
    father_name = models.CharField(_("father's name"), max_length=80, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    mobile = models.CharField(_("mobile"), max_length=11, validators=[validate_mobile])
    province = models.ForeignKey(
        "core.Province",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("province"),
    )

    class Meta:
        verbose_name = _("identity record")
        verbose_name_plural = _("identity records")

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class OneTimeCode(models.Model):
    """A citizen's sign-in code, sent by SMS. Only a keyed hash of the code is stored."""

    national_code = models.CharField(_("national code"), max_length=10, db_index=True)
    mobile = models.CharField(_("mobile"), max_length=11)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(_("wrong tries"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    client = models.CharField(_("client address"), max_length=45, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")

    def __str__(self) -> str:
        return f"{self.national_code} {self.created_at:%Y-%m-%d %H:%M}"


class SignInLock(models.Model):
    """A national code locked out of citizen sign-in after too many wrong codes. In the database,
    so the lockout holds across every web process and node."""

    national_code = models.CharField(_("national code"), max_length=10, unique=True)
    locked_until = models.DateTimeField(_("locked until"))

    class Meta:
        verbose_name = _("sign-in lock")
        verbose_name_plural = _("sign-in locks")

    def __str__(self) -> str:
        return self.national_code
