"""Strings of Django's own admin templates that Django's Persian catalogue leaves untranslated.

Listing them here puts them into our catalogue (makemessages), whose translations win.
"""

from django.utils.translation import gettext_lazy, ngettext_lazy

ADMIN_STRINGS = [
    ngettext_lazy("Please correct the error below.", "Please correct the errors below.", 1),
    gettext_lazy("Django site admin"),
    gettext_lazy("Django administration"),
    # The app list's column headings (read by screen readers): Django's Persian has none for the
    # first, and reads the others as "adding a link" and "changing or seeing a list of links".
    gettext_lazy("Model name"),
    gettext_lazy("Add link"),
    gettext_lazy("Change or view list link"),
    # Django 5.1's choice, on adding a user, of whether they may sign in with a password.
    gettext_lazy("Password-based authentication"),
    gettext_lazy("Enabled"),
    gettext_lazy("Disabled"),
    gettext_lazy(
        "Whether the user will be able to authenticate using a password or not. "
        "If disabled, they may still be able to authenticate using other backends, "
        "such as Single Sign-On or LDAP."
    ),
]

# django-axes' admin (staff password sign-ins and lockouts): the strings its own Persian catalogue
# leaves untranslated.
AXES_STRINGS = [
    gettext_lazy("Access Attempt"),
    gettext_lazy("Attempt Remaining"),
    gettext_lazy("Clean up expired attempts"),
    gettext_lazy("Expires At"),
    gettext_lazy("Locked Out"),
    gettext_lazy("Not set"),
    gettext_lazy("The time when access attempt expires and is no longer valid."),
    gettext_lazy("access attempt expiration"),
    gettext_lazy("access attempt expirations"),
]
