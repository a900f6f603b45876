"""The active UI language, reduced to the two the platform speaks."""

from django.utils.translation import get_language


def active_language() -> str:
    return "en" if (get_language() or "fa").startswith("en") else "fa"


def list_separator() -> str:
    """What goes between the items of a list in running text: the Persian comma in Persian."""
    return "، " if active_language() == "fa" else ", "
