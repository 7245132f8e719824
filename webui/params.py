"""Query-string arguments to one `SearchRequest`, shared by pages and API; 400 on bad values."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from search import MAX_PER_PAGE, SORTS, BadDate, SearchRequest, parse_date

MAX_VALUES = 50
MAX_FACET_SIZE = 200


class BadParam(Exception):
    """A request parameter that cannot be used; `param` names it."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param = param
        self.message = message


def int_param(args: MultiDict, name: str, default: int, low: int, high: int) -> int:
    raw = args.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadParam(name, f"{name} must be a whole number, not {raw[:40]!r}") from None
    if not low <= value <= high:
        raise BadParam(name, f"{name} must be between {low} and {high}, not {value}")
    return value


def _values(args: MultiDict, name: str) -> tuple[str, ...]:
    values = tuple(dict.fromkeys(v.strip() for v in args.getlist(name) if v.strip()))
    if len(values) > MAX_VALUES:
        raise BadParam(name, f"at most {MAX_VALUES} {name} values")
    return values


def _date(args: MultiDict, name: str, end: bool):
    raw = args.get(name, "").strip()
    if not raw:
        return None
    try:
        partial = parse_date(raw, name)
    except BadDate as exc:
        raise BadParam(name, f"{exc.message}; try 2020, June 2023 or 2023-06-16") from None
    return partial.last_day() if end else partial.first_day()


def search_request(args: MultiDict, themes: set[str], author_facet_size: int = 20) -> SearchRequest:
    """Read q, theme, author, type, from, to, sort, page, per_page and facet_size."""
    query = args.get("q", "")
    if "\x00" in query:
        raise BadParam("q", "the query contains a NUL character")
    chosen_themes = tuple(t.lower() for t in _values(args, "theme"))
    unknown = [t for t in chosen_themes if themes and t not in themes]
    if unknown:
        raise BadParam("theme", f"unknown theme {unknown[0]!r}; the themes are {', '.join(sorted(themes))}")
    sort = args.get("sort", "relevance").strip() or "relevance"
    if sort not in SORTS:
        raise BadParam("sort", f"sort must be one of {', '.join(SORTS)}, not {sort[:40]!r}")
    date_from, date_to = _date(args, "from", end=False), _date(args, "to", end=True)
    if date_from and date_to and date_from > date_to:
        raise BadParam("from", f"from ({date_from}) is after to ({date_to})")
    per_page = int_param(args, "per_page", 10, 1, MAX_PER_PAGE)
    return SearchRequest(
        query=query.strip(),
        themes=chosen_themes,
        authors=_values(args, "author"),
        types=tuple(t.lower() for t in _values(args, "type")),
        date_from=date_from,
        date_to=date_to,
        sort=sort,
        page=int_param(args, "page", 1, 1, 10_000 // per_page),
        per_page=per_page,
        author_facet_size=int_param(args, "facet_size", author_facet_size, 1, MAX_FACET_SIZE),
    )
