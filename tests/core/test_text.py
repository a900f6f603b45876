from hypothesis import given
from hypothesis import strategies as st

from pishkhan.core.text import ZWNJ, normalize, search_key, search_terms, to_persian_digits


def test_arabic_letters_become_persian():
    assert normalize("كارت ملي") == "کارت ملی"
    assert normalize("موسى") == "موسی"


def test_digits_are_stored_ascii_and_space_trimmed():
    assert normalize("  ۱۴۰۵/۰۹/۱۰\n") == "1405/09/10"
    assert normalize("٠١٢٣٤٥٦٧٨٩") == "0123456789"


def test_zwnj_is_kept():
    assert normalize(f"می{ZWNJ}شود") == f"می{ZWNJ}شود"


def test_persian_digits_for_display():
    assert to_persian_digits("Tehran 1405") == "Tehran ۱۴۰۵"


def test_search_key_folds_spellings_together():
    forms = ["کارت ملی", "كارت ملي", f"کارت{ZWNJ}ملی", "کارتملی"]
    assert len({search_key(f) for f in forms}) == 1
    assert search_terms(f"کارت{ZWNJ}ملي") == ["کارت", "ملی"]
    assert search_key("تأییدیه") == search_key("تاییدیه")


persian_text = st.text(
    alphabet=st.sampled_from(
        [*list("ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیيكىۀ ۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩0123456789"), ZWNJ, "\t"]
    ),
    max_size=40,
)


@given(persian_text)
def test_normalize_is_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once


@given(persian_text)
def test_normalized_text_has_no_arabic_forms_or_non_ascii_digits(text):
    result = normalize(text)
    assert not set(result) & set("يكى۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩")
    assert result == result.strip()
    assert result.count(ZWNJ) == text.count(ZWNJ)


@given(persian_text)
def test_display_digits_round_trip(text):
    normal = normalize(text)
    assert normalize(to_persian_digits(normal)) == normal
