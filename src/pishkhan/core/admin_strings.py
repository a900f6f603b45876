"""Strings of Django's own admin templates that Django's Persian catalogue leaves untranslated.

Listing them here puts them into our catalogue (makemessages), whose translations win.
"""

from django.utils.translation import gettext_lazy, ngettext_lazy

ADMIN_STRINGS = [
    ngettext_lazy("Please correct the error below.", "Please correct the errors below.", 1),
    gettext_lazy("Django site admin"),
    gettext_lazy("Django administration"),
]
