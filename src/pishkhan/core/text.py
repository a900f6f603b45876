"""Persian text: normalisation on input, Persian digits on output, search keys.

Stable entry point: ``normalize(s)`` (design.md, public interfaces).
"""

from __future__ import annotations

import re
import unicodedata

ZWNJ = "\u200c"

_PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
_ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"

# Applied to every form input: Arabic letter forms that keyboards and old systems produce are
# folded to the Persian ones, and all digits are stored as ASCII.
_INPUT_TABLE = str.maketrans(
    {
        "ي": "ی",  # ARABIC LETTER YEH
        "ى": "ی",  # ARABIC LETTER ALEF MAKSURA
        "ك": "ک",  # ARABIC LETTER KAF
        **{p: str(i) for i, p in enumerate(_PERSIAN_DIGITS)},
        **{a: str(i) for i, a in enumerate(_ARABIC_INDIC_DIGITS)},
    }
)

_TO_PERSIAN_DIGITS = str.maketrans({str(i): p for i, p in enumerate(_PERSIAN_DIGITS)})

# Search also forgives what people type differently for the same word: hamza forms, teh
# marbuta, heh with yeh, Arabic diacritics and tatweel, and ZWNJ versus a space versus nothing.
_SEARCH_TABLE = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ؤ": "و",
        "ئ": "ی",
        "ة": "ه",
        "ۀ": "ه",
        "ـ": None,  # tatweel
        ZWNJ: " ",
    }
)
_DIACRITICS = re.compile("[\u064b-\u065f\u0670]")
_SPACES = re.compile(r"\s+")


def normalize(value: str) -> str:
    """Normalise user input for storage.

    Arabic ي/ى/ك become Persian ی/ک, Persian and Arabic-Indic digits become ASCII, surrounding
    white space is trimmed. ZWNJ (the Persian half-space) is kept: it is part of the spelling.
    """
    return value.translate(_INPUT_TABLE).strip()


# A letter of the Arabic script (Persian's): digits and punctuation alone do not make Persian text.
_PERSIAN_LETTER = re.compile(
    "[\u0620-\u064a\u066e-\u06d3\u06d5\u06fa-\u06ff\ufb50-\ufdff\ufe70-\ufefc]"
)


def has_persian_script(value: str) -> bool:
    """True when the text has a letter of the Persian (Arabic) script."""
    return _PERSIAN_LETTER.search(value) is not None


def to_persian_digits(value: object) -> str:
    """Show ASCII digits as Persian digits (for the Persian UI only)."""
    return str(value).translate(_TO_PERSIAN_DIGITS)


def digits_for_language(value: object, language: str) -> str:
    """Persian digits in Persian, the value as it is otherwise."""
    return to_persian_digits(value) if language == "fa" else str(value)


def to_ascii_digits(value: str) -> str:
    return value.translate(_INPUT_TABLE)


def search_key(value: str) -> str:
    """A folded form of text for matching: what two spellings of one word have in common.

    The key has no spaces, so «کارت ملی», «کارت‌ملی» and «کارتملی» share it.
    """
    text = unicodedata.normalize("NFC", normalize(value)).lower()
    text = _DIACRITICS.sub("", text.translate(_SEARCH_TABLE))
    return _SPACES.sub("", text)


def search_terms(query: str) -> list[str]:
    """Split a search query into folded terms (on spaces and ZWNJ), dropping empty ones."""
    text = normalize(query).replace(ZWNJ, " ")
    return [key for key in (search_key(word) for word in text.split()) if key]
