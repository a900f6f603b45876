from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "pishkhan.accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save

        from .backends import forget_user

        user_model = get_user_model()
        post_save.connect(forget_user, sender=user_model, dispatch_uid="accounts.forget_user")
        post_delete.connect(forget_user, sender=user_model, dispatch_uid="accounts.forget_user")
