"""search/dates.py: dates as people and files write them, with their precision."""

from __future__ import annotations

import datetime as dt

import pytest

from search import BadDate, BadRequest, PartialDate, parse_date


@pytest.mark.parametrize(
    ("text", "expected", "iso"),
    [
        ("2023-06-16", PartialDate(2023, 6, 16), "2023-06-16"),
        ("June 16, 2023", PartialDate(2023, 6, 16), "2023-06-16"),
        ("16 Jun 2023", PartialDate(2023, 6, 16), "2023-06-16"),
        ("2019", PartialDate(2019), "2019"),
        ("June 2023", PartialDate(2023, 6), "2023-06"),
        ("2023-06", PartialDate(2023, 6), "2023-06"),
        ("  March 3, 2018 ", PartialDate(2018, 3, 3), "2018-03-03"),
        ("2019-06-16T10:00", PartialDate(2019, 6, 16), "2019-06-16"),
    ],
)
def test_parse_date_keeps_precision(text, expected, iso):
    parsed = parse_date(text)
    assert parsed == expected
    assert parsed.isoformat() == iso


def test_dates_and_datetimes_and_years_as_numbers():
    assert parse_date(dt.date(2020, 2, 29)) == PartialDate(2020, 2, 29)
    assert parse_date(dt.datetime(2020, 2, 29, 23, 59)) == PartialDate(2020, 2, 29)
    assert parse_date(2019) == PartialDate(2019)


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2019", dt.date(2019, 1, 1), dt.date(2019, 12, 31)),
        ("June 2023", dt.date(2023, 6, 1), dt.date(2023, 6, 30)),
        ("Feb 2024", dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
        ("Feb 2023", dt.date(2023, 2, 1), dt.date(2023, 2, 28)),
        ("16 Jun 2023", dt.date(2023, 6, 16), dt.date(2023, 6, 16)),
    ],
)
def test_first_and_last_day_follow_precision(text, first, last):
    parsed = parse_date(text)
    assert parsed.first_day() == first
    assert parsed.last_day() == last


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("the day after tomorrow", "not a date"),
        ("tomorrow", "not a date"),
        ("2023-02-30", "not a date"),
        ("1999-13-01", "not a date"),
        ("10000", "not a date"),
        ("June", "has no year"),
        ("16 June", "has no year"),
        ("Monday", "has no year"),
        ("", "is empty"),
        ("   ", "is empty"),
    ],
)
def test_bad_dates_raise_bad_date_with_a_message(text, words):
    with pytest.raises(BadDate) as caught:
        parse_date(text, "from")
    assert words in caught.value.message
    assert caught.value.message.startswith("from")
    assert caught.value.param == "from"
    if text.strip():
        assert repr(text.strip()) in str(caught.value)


def test_bad_date_is_a_bad_request():
    assert issubclass(BadDate, BadRequest)
    with pytest.raises(BadRequest):
        parse_date("the day after tomorrow")
