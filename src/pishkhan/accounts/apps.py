from axes import apps as axes_apps
from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp import apps as otp_totp_apps


class AccountsConfig(AppConfig):
    name = "pishkhan.accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.apps import apps
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save
        from django_otp.models import Device

        from .backends import forget_user
        from .middleware import forget_device
        from .retention import register_pruners

        register_pruners()

        user_model = get_user_model()
        post_save.connect(forget_user, sender=user_model, dispatch_uid="accounts.forget_user")
        post_delete.connect(forget_user, sender=user_model, dispatch_uid="accounts.forget_user")
        # Every kind of second-factor device installed (TOTP today), as django-otp finds them.
        for model in apps.get_models():
            if issubclass(model, Device):
                uid = f"accounts.forget_device.{model._meta.label}"
                post_save.connect(forget_device, sender=model, dispatch_uid=uid)
                post_delete.connect(forget_device, sender=model, dispatch_uid=uid)


# Third-party apps of sign-in, named in the admin's language. Their models keep their tables and
# migrations; only the names people read change, here and in accounts/admin.py.


class AxesConfig(axes_apps.AppConfig):
    """django-axes: staff password sign-ins and their lockouts (its models are translated by its
    own catalogue; the app had none, and read "Axes")."""

    default = False  # named in INSTALLED_APPS; pishkhan.accounts stays AccountsConfig
    verbose_name = _("Password sign-in attempts")


# TOTPDevice's fields as the admin shows them (list columns, filters, form labels). The names
# people read, not the fields' definitions: migrations do not see them (Field._verbose_name).
TOTP_FIELD_NAMES = {
    "user": _("user"),
    "name": _("name"),
    "confirmed": _("ready for use"),
    "created_at": _("created at"),
    "last_used_at": _("last used at"),
    "key": _("secret key"),
    "step": _("time step"),
    "t0": _("start time"),
    "digits": _("digits"),
    "tolerance": _("tolerance"),
    "drift": _("clock drift"),
    "last_t": _("last time step used"),
    "throttling_failure_timestamp": _("last failed code at"),
    "throttling_failure_count": _("failed codes in a row"),
}


class TOTPConfig(otp_totp_apps.DefaultConfig):
    """django-otp's TOTP devices: the authenticator an administrator registers for each staff
    member (README, "Staff sign in"). The library names them in English only ("TOTP device",
    no translations): the names are set here, in the project's catalogue."""

    default = False  # named in INSTALLED_APPS; pishkhan.accounts stays AccountsConfig
    verbose_name = _("Two-step sign-in")

    def ready(self) -> None:
        super().ready()
        from django_otp.plugins.otp_totp.models import TOTPDevice

        options = TOTPDevice._meta
        options.verbose_name = _("authenticator")
        options.verbose_name_plural = _("authenticators")
        for name, label in TOTP_FIELD_NAMES.items():
            options.get_field(name).verbose_name = label


class AdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin, with the site that answers a page of an object the user may not
    see exactly as a page of an id that does not exist (accounts.admin_site, decision 64)."""

    default = False  # "pishkhan.accounts" is AccountsConfig
    default_site = "pishkhan.accounts.admin_site.AdminSite"
