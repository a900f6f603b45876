"""Feedback on other apps' pages: the complaint and rating links on the citizen's request page,
the citizens' average on the service page, and the average's display."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import template
from django.utils.translation import gettext as _

from pishkhan.core.i18n import active_language
from pishkhan.core.text import digits_for_language

from ..models import Complaint, Rating
from ..selectors import service_satisfaction as _service_satisfaction
from ..services import DELIVERED_STATES, OVERCHARGE_FLAG_COUNT, OVERCHARGE_FLAG_DAYS

register = template.Library()


@register.filter
def score(value: Any) -> str:
    """An average score to one decimal: ۴٫۲ in Persian, 4.2 in English."""
    if value in (None, ""):
        return ""
    rounded = Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    language = active_language()
    text = str(rounded)
    return digits_for_language(text.replace(".", "٫"), "fa") if language == "fa" else text


@register.inclusion_tag("feedback/_request_feedback.html")
def request_feedback(req: Any) -> dict[str, Any]:
    """What the citizen can do about a request of theirs: complain about its office, rate it
    once delivered, and how their complaints stand."""
    rating = Rating.objects.filter(request_id=req.pk).first()
    return {
        "req": req,
        "complaints": list(
            Complaint.objects.filter(request_id=req.pk).order_by("-created_at", "-pk")
        ),
        "rating": rating,
        "can_complain": req.office_id is not None,
        "can_rate": rating is None and req.status in DELIVERED_STATES,
    }


@register.inclusion_tag("feedback/_satisfaction.html")
def service_satisfaction(service: Any) -> dict[str, Any]:
    """The citizens' average rating of a service (one row read)."""
    tally = _service_satisfaction(service.pk)
    return {
        "average": tally.average if tally else None,
        "count": tally.ratings_count if tally else 0,
        "label": True,
    }


@register.simple_tag
def overcharge_rule() -> str:
    """The rule behind the overcharge flag, in words (the numbers are the code's)."""
    language = active_language()
    return _("Flagged: %(count)s or more overcharge complaints upheld within %(days)s days.") % {
        "count": digits_for_language(OVERCHARGE_FLAG_COUNT, language),
        "days": digits_for_language(OVERCHARGE_FLAG_DAYS, language),
    }
