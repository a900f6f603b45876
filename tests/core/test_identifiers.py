import pytest
from hypothesis import given
from hypothesis import strategies as st

from pishkhan.core import identifiers as ids
from pishkhan.core.identifiers import (
    IdentifierError,
    is_valid_national_code,
    is_valid_tracking_code,
    normalize_mobile,
)


def with_check_digit(first_nine: str) -> str:
    return first_nine + str(ids.national_code_check_digit(first_nine))


@pytest.mark.parametrize("code", ["0499370899", "0790419904", "0084575948", "0063360993"])
def test_known_valid_national_codes(code):
    assert is_valid_national_code(code)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "empty"),
        ("04993708a9", "not_digits"),
        ("049937089", "checksum"),  # nine digits are padded, then the check digit fails
        ("04993708990", "length"),
        ("1234567", "length"),
        ("0000000000", "repeated"),
        ("1111111111", "repeated"),
        ("0499370898", "checksum"),
    ],
)
def test_invalid_national_codes_say_why(value, reason):
    with pytest.raises(IdentifierError) as exc:
        ids.normalize_national_code(value)
    assert exc.value.code == reason
    assert not is_valid_national_code(value)


def test_national_code_with_lost_leading_zeros_is_padded():
    # 0084575948 typed into a spreadsheet loses its zeros: 84575948.
    assert ids.normalize_national_code("84575948") == "0084575948"
    assert ids.normalize_national_code("499370899") == "0499370899"


def test_national_code_accepts_persian_digits_and_spaces():
    assert ids.normalize_national_code("۰۴۹۹۳۷۰۸۹۹") == "0499370899"
    assert ids.normalize_national_code(" 049-937-0899 ") == "0499370899"
    assert ids.normalize_national_code("٠٤٩٩٣٧٠٨٩٩") == "0499370899"


@given(st.from_regex(r"[0-9]{9}", fullmatch=True), st.integers(1, 9))
def test_check_digit_rule_round_trips(first_nine, delta):
    code = with_check_digit(first_nine)
    if len(set(code)) == 1:
        return
    assert is_valid_national_code(code)
    wrong_check = code[:9] + str((int(code[9]) + delta) % 10)
    assert not is_valid_national_code(wrong_check)


@pytest.mark.parametrize(
    "value",
    [
        "09121234567",
        "+989121234567",
        "00989121234567",
        "989121234567",
        "9121234567",
        "۰۹۱۲۱۲۳۴۵۶۷",
        "0912 123 4567",
        "+98 912-123-4567",
    ],
)
def test_mobile_numbers_normalise_to_09(value):
    assert normalize_mobile(value) == "09121234567"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "empty"),
        ("0912123456", "length"),
        ("091212345678", "length"),
        ("08121234567", "prefix"),
        ("0912abc4567", "not_digits"),
        ("+1 912 123 4567", "prefix"),
    ],
)
def test_bad_mobile_numbers_raise_value_error_with_reason(value, reason):
    with pytest.raises(ValueError) as exc:
        normalize_mobile(value)
    assert exc.value.code == reason


def test_postal_code():
    assert ids.normalize_postal_code("۱۹۹۱۶-۱۲۳۴۵") == "1991612345"
    for bad, reason in [
        ("199161234", "length"),
        ("0000000000", "repeated"),
        ("19916x2345", "not_digits"),
    ]:
        with pytest.raises(IdentifierError) as exc:
            ids.normalize_postal_code(bad)
        assert exc.value.code == reason


def legal_id(first_ten: str) -> str:
    return first_ten + str(ids.legal_entity_check_digit(first_ten))


def test_legal_entity_id_check_digit_by_hand():
    # 1010023456x: d = 6 + 2 = 8; sum of (8 + digit) * weight = 2320; 2320 % 11 = 10 -> 0.
    assert ids.legal_entity_check_digit("1010023456") == 0
    assert ids.is_valid_legal_entity_id("10100234560")
    assert not ids.is_valid_legal_entity_id("10100234566")
    # 1234567890x: d = 0 + 2 = 2; sum = 1491; 1491 % 11 = 6.
    assert ids.is_valid_legal_entity_id("12345678906")


@given(st.from_regex(r"[1-9][0-9]{9}", fullmatch=True))
def test_generated_legal_entity_ids_validate(first_ten):
    if int(first_ten[3:9]) == 0:
        return
    assert ids.is_valid_legal_entity_id(legal_id(first_ten))


def test_legal_entity_id_rejections():
    for bad, reason in [
        ("1010023456", "length"),
        ("10100000006", "checksum"),
        ("1010o234566", "not_digits"),
    ]:
        with pytest.raises(IdentifierError) as exc:
            ids.normalize_legal_entity_id(bad)
        assert exc.value.code == reason


@given(st.integers(0, 10**6))
def test_new_tracking_codes_are_valid_12_digits(_):
    code = ids.new_tracking_code()
    assert len(code) == 12 and code.isdigit() and code[0] != "0"
    assert is_valid_tracking_code(code)


@given(st.from_regex(r"[1-9][0-9]{10}", fullmatch=True), st.integers(0, 11), st.integers(1, 9))
def test_tracking_code_catches_every_single_digit_error(body, position, delta):
    code = body + str(ids.damm_check_digit(body))
    typo = code[:position] + str((int(code[position]) + delta) % 10) + code[position + 1 :]
    assert not is_valid_tracking_code(typo)


@given(st.from_regex(r"[1-9][0-9]{10}", fullmatch=True), st.integers(0, 10))
def test_tracking_code_catches_every_neighbour_swap(body, position):
    code = body + str(ids.damm_check_digit(body))
    swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
    if swapped != code:
        assert not is_valid_tracking_code(swapped)


def test_tracking_code_accepts_persian_digits():
    code = ids.new_tracking_code()
    persian = code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert is_valid_tracking_code(persian)
    assert not is_valid_tracking_code(code[:-1])


def test_a_tracking_code_is_drawn_at_once_over_every_11_digit_body(monkeypatch):
    """One draw for the body (not one per digit, each a system call), over the whole range."""
    for picked, body in [(0, "10000000000"), (9 * 10**10 - 1, "99999999999")]:
        draws = []
        monkeypatch.setattr(
            ids.secrets, "randbelow", lambda bound, p=picked, d=draws: d.append(bound) or p
        )
        code = ids.new_tracking_code()
        assert code[:11] == body and is_valid_tracking_code(code)
        assert draws == [9 * 10**10]
