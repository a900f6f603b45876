"""Django's Persian wording for the messages Django REST framework's catalogue translates too.

Installed apps' catalogues come before Django's own, so DRF's Persian would otherwise replace
Django's on every page (the sign-in form's «گذرواژه» would read «رمز‌عبور»). The project's
catalogue (LOCALE_PATHS) comes before both: these entries, translated there with Django's own
words, keep the pages as they were. ``tests/api/test_wording.py`` lists the shared messages
again from the installed catalogues, so a DRF upgrade that adds one fails there.
"""

from django.utils.translation import gettext_noop

SHARED_WITH_DJANGO = [
    gettext_noop("This field is required."),
    gettext_noop("Enter a valid URL."),
    gettext_noop("Enter a valid email address."),
    gettext_noop("No file was submitted."),
    gettext_noop("The submitted file is empty."),
    gettext_noop(
        "Upload a valid image. The file you uploaded was either not an image or a corrupted image."
    ),
    gettext_noop("Value must be valid JSON."),
    gettext_noop("Password"),
    gettext_noop("None"),
]
