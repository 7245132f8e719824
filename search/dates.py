"""Reading dates the way people and files write them.

Every date goes through python-dateutil, so "2023-06-16", "June 16, 2023", "16 Jun 2023" and
"2019" all work. A date keeps its precision: "2019" is the year 2019, not the first of January,
so it is shown as "2019" and, as an upper bound, it means the end of 2019.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from dateutil import parser as dateparser

from .errors import BadDate

_DEFAULT_A = dt.datetime(1, 1, 1)
_DEFAULT_B = dt.datetime(2, 2, 2)


@dataclass(frozen=True)
class PartialDate:
    """A date known to the year, the month or the day."""

    year: int
    month: int | None = None
    day: int | None = None

    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month or 1, self.day or 1)

    def last_day(self) -> dt.date:
        month = self.month or 12
        day = self.day or calendar.monthrange(self.year, month)[1]
        return dt.date(self.year, month, day)

    def isoformat(self) -> str:
        """ "2019", "2019-06" or "2019-06-16", as precise as the source was."""
        text = f"{self.year:04d}"
        if self.month:
            text += f"-{self.month:02d}"
            if self.day:
                text += f"-{self.day:02d}"
        return text


def parse_date(value: object, field: str = "date") -> PartialDate:
    """Read a date from text (any form dateutil knows), a `date` or a `datetime`."""
    if isinstance(value, dt.datetime):
        return PartialDate(value.year, value.month, value.day)
    if isinstance(value, dt.date):
        return PartialDate(value.year, value.month, value.day)
    if isinstance(value, int) and 1000 <= value <= 9999:
        return PartialDate(value)
    text = str(value).strip()
    if not text:
        raise BadDate(f"{field} is empty", field)
    try:
        a = dateparser.parse(text, default=_DEFAULT_A)
        b = dateparser.parse(text, default=_DEFAULT_B)
    except (ValueError, OverflowError) as exc:
        raise BadDate(f"{field} {text!r} is not a date python-dateutil can read ({exc})", field) from exc
    if a.year != b.year:
        raise BadDate(f"{field} {text!r} has no year", field)
    month = a.month if a.month == b.month else None
    day = a.day if month is not None and a.day == b.day else None
    return PartialDate(a.year, month, day)
