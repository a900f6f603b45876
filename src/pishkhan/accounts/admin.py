from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_otp.conf import settings as otp_settings
from django_otp.plugins.otp_totp import admin as otp_totp_admin
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "role", "province", "agency", "office"]
    list_filter = ["role", "province", "is_active"]
    search_fields = ["username", "first_name", "last_name", "national_code", "mobile"]
    autocomplete_fields = ["province", "agency", "office"]
    # Recorded by sign-in and sign-up, not edited: shown (in Jalali, decision 65), never typed
    # into Django's Gregorian date-time inputs.
    readonly_fields = ["last_login", "date_joined"]
    scope_fields = ("role", "national_code", "mobile", "province", "agency", "office")
    fieldsets = (*DjangoUserAdmin.fieldsets, (_("Role and scope"), {"fields": scope_fields}))
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Role and scope"), {"fields": scope_fields}),
    )


# django-otp's admin for TOTP devices, where an administrator registers each staff member's
# authenticator (README, "Staff sign in"), with its English-only wording put into ours: the
# fieldsets' titles, the fields' explanations, the search box's hint and the QR code's link. The
# fields' names are set in accounts.apps.TOTPConfig; the library's views and checks are kept.
TOTP_SECTIONS = {
    "Identity": _("Owner and name"),
    "Timestamps": _("Dates"),
    "Configuration": _("Settings of the codes"),
    "State": _("State"),
    "Throttling": _("Wrong codes"),
}
TOTP_HELP = {
    "user": _("The staff member who signs in with this authenticator."),
    "name": _("A name to tell this authenticator apart, such as the phone it is on."),
    "confirmed": _("Only an authenticator ready for use is accepted at sign-in."),
    "key": _(
        "The secret shared with the authenticator app, in hexadecimal (up to 40 bytes); the one "
        "filled in is new and random. After saving, the app scans it from the QR code."
    ),
    "step": _("How many seconds each code lasts."),
    "t0": _("The Unix time from which the time steps are counted."),
    "digits": _("How many digits each code has."),
    "tolerance": _("How many time steps before or after now a code is still accepted."),
    "drift": _("How many time steps the authenticator's clock is known to be off."),
    "last_t": _("The time step of the last code accepted; a code is never accepted twice."),
    "throttling_failure_timestamp": _(
        "When the last wrong code was entered; empty after a right one."
    ),
    "throttling_failure_count": _("Wrong codes entered in a row."),
    "created_at": _("When this authenticator was registered."),
    "last_used_at": _("When a code from it was last accepted."),
}


class TOTPDeviceForm(forms.ModelForm):
    class Meta:
        model = TOTPDevice
        fields = ["user", "name", "confirmed", "key"]  # the admin asks for its fieldsets'
        help_texts = TOTP_HELP  # the admin's read-only fields take theirs from here too


admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(otp_totp_admin.TOTPDeviceAdmin):
    form = TOTPDeviceForm
    # When the last wrong code came is recorded by the sign-in (shown in Jalali, decision 65);
    # the count of wrong codes stays editable, to let a locked-out member try again.
    readonly_fields = [
        *otp_totp_admin.TOTPDeviceAdmin.readonly_fields,
        "throttling_failure_timestamp",
    ]
    search_help_text = _("Search by user name.")

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        return [
            (TOTP_SECTIONS.get(title, title) if title else None, options)
            for title, options in super().get_fieldsets(request, obj)
        ]

    # The library's two pages of a device's secret fetch it before asking who may see it: an
    # id that does not exist was a server error, and an existing device a 403 for whoever may
    # not read it — so a guessed id said whether a device exists. Both now answer as the
    # change page does (decision 64): the same for a device outside the list as for no device.
    def config_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._not_found(request, pk) or super().config_view(request, pk)

    def qrcode_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._not_found(request, pk) or super().qrcode_view(request, pk)

    def _not_found(self, request: HttpRequest, pk: int) -> HttpResponse | None:
        if otp_settings.OTP_ADMIN_HIDE_SENSITIVE_DATA:
            raise PermissionDenied  # hidden for every id, as the library does
        device = self.get_object(request, str(pk))
        # The order of Django's change page: the permission for no object first, then "no
        # such object" (the index, with the admin's message).
        if not self.has_view_or_change_permission(request, device):
            raise PermissionDenied
        if device is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, str(pk))
        return None

    @admin.display(description=_("QR code"))
    def qrcode_link(self, device: TOTPDevice) -> str:
        href = reverse("admin:otp_totp_totpdevice_config", kwargs={"pk": device.pk})
        return format_html('<a href="{}">{}</a>', href, _("Show the QR code"))
