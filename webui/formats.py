"""How dates and counts read on pages: "4 March 2021", "March 2021", "2021"; "1 result"."""

from __future__ import annotations

import datetime as dt

from flask import Flask

MONTHS = ("January February March April May June July August September October November December").split()


def human_date(value: str | None) -> str:
    """An entry's date at the precision it was given; "undated" when it has none."""
    if not value:
        return "undated"
    parts = value.split("-")
    try:
        if len(parts) == 3:
            day = dt.date(*map(int, parts))
            return f"{day.day} {MONTHS[day.month - 1]} {day.year}"
        if len(parts) == 2:
            return f"{MONTHS[int(parts[1]) - 1]} {parts[0]}"
    except (ValueError, IndexError):
        return value
    return value


def plural(count: int, word: str, many: str | None = None) -> str:
    """ "1 result", "2 results", with thousands separated."""
    return f"{count:,} {word if count == 1 else (many or word + 's')}"


def init_app(app: Flask) -> None:
    app.add_template_filter(human_date)
    app.add_template_global(plural)
