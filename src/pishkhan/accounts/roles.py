"""The roles of design.md, in one place."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    OFFICE_OPERATOR = "office_operator", _("Office operator")
    OFFICE_MANAGER = "office_manager", _("Office manager")
    AGENCY_OFFICER = "agency_officer", _("Agency officer")
    AGENCY_ADMIN = "agency_admin", _("Agency administrator")
    PROVINCIAL_SUPERVISOR = "provincial_supervisor", _("Provincial supervisor")
    REGULATOR = "regulator", _("Regulator (CRA)")
    ASSESSMENT_OFFICER = "assessment_officer", _("Assessment Center officer")
    NATIONAL_ADMIN = "national_admin", _("National administrator")
    PROVINCIAL_ICT = "provincial_ict", _("Provincial ICT office")
    WORKING_GROUP = "working_group", _("Provincial working group")


# Tuples, not sets: they appear in database constraints, whose migrations must not change with
# Python's per-process string hashing.
OFFICE_ROLES = (Role.OFFICE_MANAGER, Role.OFFICE_OPERATOR)
AGENCY_ROLES = (Role.AGENCY_ADMIN, Role.AGENCY_OFFICER, Role.ASSESSMENT_OFFICER)
# Roles whose reach is one province; for agency officers and Assessment Center officers an
# empty province means a national post.
PROVINCE_ROLES = (Role.PROVINCIAL_SUPERVISOR, Role.PROVINCIAL_ICT, Role.WORKING_GROUP)
STAFF_ROLES = tuple(role for role in Role if role != Role.CITIZEN)
# Who sets the office-fee caps: the regulator (design.md's roles table, "fee caps"), and the
# national administrator, who keeps every right. Never an agency: the cap protects citizens from
# the offices' fees, and its level is not the agency's charge (decision 66).
FEE_CAP_SETTERS = (Role.REGULATOR, Role.NATIONAL_ADMIN)
