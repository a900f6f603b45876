"""The dashboards' filter: a period (a preset, or Jalali from/to dates), a service, a channel."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pishkhan.catalog.models import Channel
from pishkhan.core.forms import JalaliDateField, NormalizingForm
from pishkhan.core.i18n import active_language

from .periods import ALL, LAST_30, THIS_YEAR, Period, preset_period, today


class DashboardFilter(NormalizingForm):
    preset = forms.ChoiceField(
        label=_("Period"),
        choices=[
            (LAST_30, _("Last 30 days")),
            (THIS_YEAR, _("This Jalali year")),
            (ALL, _("All")),
        ],
        required=False,
    )
    start = JalaliDateField(label=_("From"), required=False)
    end = JalaliDateField(label=_("To"), required=False)
    service = forms.TypedChoiceField(label=_("Service"), coerce=int, required=False)
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[("", _("Both channels")), *Channel.choices],
        required=False,
    )

    def __init__(self, *args: Any, services: Sequence[tuple[int, str]] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [("", _("All services")), *services]  # type: ignore[attr-defined]
        # Placeholders: the example of a Jalali date, not a date the figures use.
        self.fields["start"].widget.attrs["placeholder"] = "1405/01/01"
        self.fields["end"].widget.attrs["placeholder"] = "1405/12/29"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("The end of the period comes before its start."))
        if end and end > today():
            data["end"] = today()
        return data

    def period(self) -> Period:
        """The chosen period: the dates when either is given, else the preset (by default the
        last 30 days)."""
        data = self.cleaned_data if self.is_valid() else {}
        start, end = data.get("start"), data.get("end")
        if start or end:
            return Period(start, end or today())
        return preset_period(data.get("preset") or LAST_30)

    def chosen_service(self) -> int | None:
        value = self.cleaned_data.get("service") if self.is_valid() else None
        return int(str(value)) if value not in (None, "") else None

    def chosen_channel(self) -> str:
        return str(self.cleaned_data.get("channel") or "") if self.is_valid() else ""


class PersianDataSelect(forms.Select):
    """A select whose options (not its empty one) are Persian data, such as offices' names: on
    an English page each option says so (``lang="fa"``), as ``fa_lang`` does in templates
    (decision 54), so that a screen reader speaks it with a Persian voice."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        if option["value"] not in (None, "") and active_language() == "en":
            option["attrs"]["lang"] = "fa"
        return option


class ProvinceRequestFilter(DashboardFilter):
    """The supervisor's list of the province's requests: the dashboards' period, service and
    channel, and a status and an office. The choices are the province's own, so an office or
    service of another province is refused as any unknown value is, in the same words."""

    status = forms.ChoiceField(label=_("Status"), required=False)
    office = forms.ChoiceField(label=_("Office"), required=False, widget=PersianDataSelect)

    def __init__(
        self,
        *args: Any,
        statuses: Sequence[tuple[str, str]] = (),
        offices: Sequence[tuple[str, str]] = (),
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All statuses")), *statuses]  # type: ignore[attr-defined]
        self.fields["office"].choices = [("", _("All offices")), *offices]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("office") and data.get("channel") == Channel.ONLINE:
            self.add_error(
                "office",
                _(
                    "Online requests have no office: choose an office or the online channel, "
                    "not both."
                ),
            )
        return data
