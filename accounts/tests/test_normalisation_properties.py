"""Property tests: any spelling of one mobile number, any NFKC/case variant of one
username, names one user; normalising twice changes nothing."""

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from phonenumbers import is_valid_number, parse

from accounts.models import User
from accounts.selectors import (
    normalize_mobile,
    user_get_by_mobile,
    user_get_by_username,
)

SEPARATORS = st.sampled_from(["", " ", "-", ".", "  "])
USERNAME = st.from_regex(r"[A-Za-z0-9@.+_-]{1,40}", fullmatch=True)


@st.composite
def indian_mobiles(draw) -> str:
    """A valid Indian mobile number, national significant digits only."""
    first = draw(st.sampled_from("6789"))
    rest = draw(st.text(alphabet="0123456789", min_size=9, max_size=9))
    national = first + rest
    assume(is_valid_number(parse(national, "IN")))
    return national


@st.composite
def spellings(draw, national: str) -> str:
    """The same number written as people do: prefixes, groups and separators."""
    prefix = draw(st.sampled_from(["", "0", "+91", "+91 ", "0091", "(+91) ", "+91-"]))
    separator = draw(SEPARATORS)
    groups = draw(st.sampled_from([(5, 5), (3, 3, 4), (10,), (2, 4, 4)]))
    parts, start = [], 0
    for size in groups:
        parts.append(national[start : start + size])
        start += size
    return prefix + separator.join(parts)


@given(data=st.data())
def test_every_spelling_of_a_mobile_normalises_to_one_e164(data):
    national = data.draw(indian_mobiles())
    spelling = data.draw(spellings(national))

    assert normalize_mobile(spelling) == f"+91{national}"


@given(national=indian_mobiles())
def test_mobile_normalisation_is_idempotent(national):
    once = normalize_mobile(national)

    assert once is not None
    assert normalize_mobile(once) == once


@given(username=USERNAME)
def test_username_normalisation_is_idempotent_and_folds_fullwidth(username):
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in username)

    once = User.normalize_username(fullwidth)

    assert once == username
    assert User.normalize_username(once) == once


@pytest.mark.django_db
@settings(
    max_examples=25,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    deadline=None,
)
@given(data=st.data())
def test_any_spelling_finds_the_one_user(make_user, data):
    national = data.draw(indian_mobiles())
    username = data.draw(USERNAME)
    assume(not User.objects.filter(mobile=f"+91{national}").exists())
    assume(not User.objects.filter(username__iexact=username).exists())
    user = make_user(mobile=data.draw(spellings(national)), username=username)
    try:
        assert User.objects.get(pk=user.pk).mobile == f"+91{national}"
        assert user_get_by_mobile(data.draw(spellings(national))) == user
        assert user_get_by_username(username.swapcase()) == user
        fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in username.upper())
        assert user_get_by_username(fullwidth) == user
    finally:
        user.delete()
