from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


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

        user_model = get_user_model()
        post_save.connect(forget_user, sender=user_model, dispatch_uid="accounts.forget_user")
        post_delete.connect(forget_user, sender=user_model, dispatch_uid="accounts.forget_user")
        # Every kind of second-factor device installed (TOTP today), as django-otp finds them.
        for model in apps.get_models():
            if issubclass(model, Device):
                uid = f"accounts.forget_device.{model._meta.label}"
                post_save.connect(forget_device, sender=model, dispatch_uid=uid)
                post_delete.connect(forget_device, sender=model, dispatch_uid=uid)
