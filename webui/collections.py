"""Collections in the staff database: curated, living, versioned views of the library.

A collection's whole state is one frozen `State`: title, slug, description (Markdown),
themes, the saved search, the pinned ids in order, the hidden ids, and whether it is
published. Every change is a function from the current state to a new state and a one-line
summary ("pinned “X” at position 2"); `change` applies it inside one transaction, adds a
version holding the whole new state as JSON, and writes the audit log. Versions are never
rewritten: restoring an old one adds a new version equal to it. The engine turns a state into
a `search.Scope`; entries are never copied here, so new entries matching the saved search
join the collection by themselves.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from search import SORTS, Scope, SearchRequest

from . import accounts

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_SLUG = 80
MAX_TITLE = 200
MAX_DESCRIPTION = 20_000
MAX_IDS = 500
#: Slugs that name staff pages rather than collections.
RESERVED_SLUGS = frozenset({"new"})

Change = Callable[["State"], tuple["State", str]]


class CollectionError(ValueError):
    """A change that cannot be made; `field` names the form field at fault, if one is."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class SavedSearch:
    """The search a collection is built on: what /search?… would run, less the paging."""

    query: str = ""
    themes: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sort: str = "relevance"

    @classmethod
    def from_request(cls, req: SearchRequest) -> SavedSearch:
        return cls(req.query, req.themes, req.authors, req.types, req.date_from, req.date_to, req.sort)

    def args(self) -> list[tuple[str, str]]:
        """The search page's query-string arguments for this search."""
        pairs = [("q", self.query)] if self.query else []
        pairs += [("theme", v) for v in self.themes] + [("author", v) for v in self.authors]
        pairs += [("type", v) for v in self.types]
        pairs += [(k, d.isoformat()) for k, d in (("from", self.date_from), ("to", self.date_to)) if d]
        return pairs + ([("sort", self.sort)] if self.sort != "relevance" else [])

    def describe(self) -> str:
        """One line for summaries: “solar co-ops”, themes energy, 2020–…, newest first."""
        parts = [f"“{self.query}”" if self.query else "all entries"]
        for label, values in (("themes", self.themes), ("authors", self.authors), ("types", self.types)):
            if values:
                parts.append(f"{label} {' or '.join(values)}")
        if self.date_from or self.date_to:
            dates = [d.isoformat() if d else "…" for d in (self.date_from, self.date_to)]
            parts.append(f"dated {dates[0]} to {dates[1]}")
        return ", ".join(parts + [{"relevance": "by relevance"}.get(self.sort, f"{self.sort} first")])

    def to_dict(self) -> dict:
        return {
            "q": self.query,
            "theme": list(self.themes),
            "author": list(self.authors),
            "type": list(self.types),
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "sort": self.sort,
        }

    @classmethod
    def from_dict(cls, data: dict) -> SavedSearch:
        day = dt.date.fromisoformat
        return cls(
            data.get("q", ""),
            tuple(data.get("theme", ())),
            tuple(data.get("author", ())),
            tuple(data.get("type", ())),
            day(data["from"]) if data.get("from") else None,
            day(data["to"]) if data.get("to") else None,
            data.get("sort", "relevance"),
        )


@dataclass(frozen=True)
class State:
    """Everything about a collection that staff can change; one version holds one state."""

    title: str
    slug: str
    description: str = ""
    themes: tuple[str, ...] = ()
    published: bool = False
    search: SavedSearch = field(default_factory=SavedSearch)
    pinned: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()

    def scope(self, pinned_first: bool = True) -> Scope:
        s = self.search
        return Scope(
            s.query,
            s.themes,
            s.authors,
            s.types,
            s.date_from,
            s.date_to,
            self.pinned,
            self.hidden,
            pinned_first,
        )

    def to_json(self) -> str:
        data = {
            "title": self.title,
            "slug": self.slug,
            "description": self.description,
            "themes": list(self.themes),
            "published": self.published,
            "search": self.search.to_dict(),
            "pinned": list(self.pinned),
            "hidden": list(self.hidden),
        }
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> State:
        data = json.loads(text)
        return cls(
            data["title"],
            data["slug"],
            data.get("description", ""),
            tuple(data.get("themes", ())),
            bool(data.get("published")),
            SavedSearch.from_dict(data.get("search", {})),
            tuple(data.get("pinned", ())),
            tuple(data.get("hidden", ())),
        )


@dataclass(frozen=True)
class Collection:
    id: int
    version: int
    created_at: str
    updated_at: str
    state: State
    #: Who made the current version, and its summary.
    changed_by: str = ""
    change: str = ""

    @property
    def slug(self) -> str:
        return self.state.slug

    @property
    def etag(self) -> str:
        """Changes with every version, for the ETag of the collection's public pages."""
        return f"c{self.id}.{self.version}"


@dataclass(frozen=True)
class Version:
    number: int
    at: str
    actor: str
    summary: str
    state: State


# -- slugs and checks ------------------------------------------------------------------------


def slugify(title: str) -> str:
    """ "Co-ops in Health & Care" -> "co-ops-in-health-care": ASCII, lower case, hyphens."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > MAX_SLUG:
        slug = slug[:MAX_SLUG].rsplit("-", 1)[0]
    return slug or "collection"


def check(state: State) -> State:
    """The state with its text trimmed, or CollectionError naming the field at fault."""
    state = replace(state, title=state.title.strip(), slug=state.slug.strip())
    if not state.title:
        raise CollectionError("the title is empty", "title")
    if len(state.title) > MAX_TITLE:
        raise CollectionError(f"the title is longer than {MAX_TITLE} characters", "title")
    if not SLUG.match(state.slug) or len(state.slug) > MAX_SLUG:
        raise CollectionError(
            f"the slug must be lower-case letters, digits and single hyphens, at most {MAX_SLUG} "
            f"characters (such as community-energy), not {state.slug[:100]!r}",
            "slug",
        )
    if state.slug in RESERVED_SLUGS:
        raise CollectionError(f"{state.slug!r} is reserved; choose another slug", "slug")
    if len(state.description) > MAX_DESCRIPTION:
        raise CollectionError(f"the description is longer than {MAX_DESCRIPTION} characters", "description")
    if state.search.sort not in SORTS:
        raise CollectionError(f"sort must be one of {', '.join(SORTS)}", "sort")
    if len(state.pinned) + len(state.hidden) > MAX_IDS:
        raise CollectionError(f"a collection can pin and hide at most {MAX_IDS} entries")
    return state


# -- changes: state -> (new state, summary) ----------------------------------------------------


def _position(pinned: tuple[str, ...], entry_id: str, missing: frozenset[str]) -> int:
    """Where visitors see a pinned entry: counting only pinned entries still in the library."""
    return [p for p in pinned if p not in missing].index(entry_id) + 1


def pin(entry_id: str, title: str, missing: frozenset[str] = frozenset()) -> Change:
    def apply(state: State) -> tuple[State, str]:
        if entry_id in state.pinned:
            raise CollectionError(f"“{title}” is already pinned")
        pinned = (*state.pinned, entry_id)
        hidden = tuple(h for h in state.hidden if h != entry_id)
        new = replace(state, pinned=pinned, hidden=hidden)
        return new, f"pinned “{title}” at position {_position(pinned, entry_id, missing)}"

    return apply


def unpin(entry_id: str, title: str) -> Change:
    def apply(state: State) -> tuple[State, str]:
        if entry_id not in state.pinned:
            raise CollectionError(f"“{title}” is not pinned")
        return replace(state, pinned=tuple(p for p in state.pinned if p != entry_id)), f"unpinned “{title}”"

    return apply


def hide(entry_id: str, title: str) -> Change:
    def apply(state: State) -> tuple[State, str]:
        if entry_id in state.hidden:
            raise CollectionError(f"“{title}” is already hidden")
        pinned = tuple(p for p in state.pinned if p != entry_id)
        return replace(state, pinned=pinned, hidden=(*state.hidden, entry_id)), f"hid “{title}”"

    return apply


def unhide(entry_id: str, title: str) -> Change:
    def apply(state: State) -> tuple[State, str]:
        if entry_id not in state.hidden:
            raise CollectionError(f"“{title}” is not hidden")
        return replace(state, hidden=tuple(h for h in state.hidden if h != entry_id)), f"unhid “{title}”"

    return apply


def move(entry_id: str, title: str, step: int, missing: frozenset[str] = frozenset()) -> Change:
    """Swap a pinned entry with the next pinned one still in the library, up (-1) or down (+1)."""

    def apply(state: State) -> tuple[State, str]:
        shown = [p for p in state.pinned if p not in missing]
        if entry_id not in shown:
            raise CollectionError(f"“{title}” is not pinned")
        at = shown.index(entry_id)
        if not 0 <= at + step < len(shown):
            raise CollectionError(f"“{title}” is already {'first' if step < 0 else 'last'}")
        other = shown[at + step]
        swapped = {entry_id: other, other: entry_id}
        pinned = tuple(swapped.get(p, p) for p in state.pinned)
        direction = "up" if step < 0 else "down"
        new = replace(state, pinned=pinned)
        return new, f"moved “{title}” {direction} to position {_position(pinned, entry_id, missing)}"

    return apply


def forget(entry_id: str) -> Change:
    """Remove an id that is no longer in the library from the pinned and hidden lists."""

    def apply(state: State) -> tuple[State, str]:
        if entry_id not in state.pinned and entry_id not in state.hidden:
            raise CollectionError(f"{entry_id!r} is neither pinned nor hidden")
        pinned = tuple(p for p in state.pinned if p != entry_id)
        hidden = tuple(h for h in state.hidden if h != entry_id)
        return replace(state, pinned=pinned, hidden=hidden), f"removed the missing entry {entry_id!r}"

    return apply


def publish(published: bool) -> Change:
    def apply(state: State) -> tuple[State, str]:
        if state.published == published:
            raise CollectionError(f"the collection is already {'published' if published else 'a draft'}")
        return replace(
            state, published=published
        ), "published" if published else "unpublished (back to draft)"

    return apply


_FIELD_NAMES = {
    "title": "the title",
    "slug": "the slug",
    "description": "the description",
    "themes": "the themes",
    "published": "the state",
    "search": "the saved search",
}


def edit(title: str, slug: str, description: str, themes: tuple[str, ...], search: SavedSearch) -> Change:
    """New metadata and saved search; pinned, hidden and published stay as they are."""

    def apply(state: State) -> tuple[State, str]:
        new = replace(state, title=title, slug=slug, description=description, themes=themes, search=search)
        return new, "changed " + _changed(state, check(new))

    return apply


def _changed(old: State, new: State) -> str:
    names = [label for name, label in _FIELD_NAMES.items() if getattr(old, name) != getattr(new, name)]
    if not names:
        raise CollectionError("nothing changed")
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# -- the database ----------------------------------------------------------------------------


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction (the connection is in autocommit mode)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


_SELECT = (
    "SELECT c.id, c.version, c.created_at, c.updated_at, v.state, v.actor, v.summary FROM collections c "
    "JOIN collection_versions v ON v.collection_id = c.id AND v.number = c.version "
    "WHERE c.deleted_at IS NULL"
)


def _collection(row: sqlite3.Row) -> Collection:
    state = State.from_json(row["state"])
    return Collection(
        row["id"], row["version"], row["created_at"], row["updated_at"], state, row["actor"], row["summary"]
    )


def get(conn: sqlite3.Connection, slug: str) -> Collection | None:
    row = conn.execute(_SELECT + " AND c.slug = ?", (slug,)).fetchone()
    return _collection(row) if row else None


def list_all(conn: sqlite3.Connection, published_only: bool = False) -> list[Collection]:
    where = " AND c.published = 1" if published_only else ""
    rows = conn.execute(_SELECT + where + " ORDER BY c.title COLLATE NOCASE, c.id").fetchall()
    return [_collection(row) for row in rows]


def stamp(conn: sqlite3.Connection) -> str:
    """Changes whenever any collection changes or goes: for the ETag of the collections index."""
    row = conn.execute(
        "SELECT (SELECT COALESCE(MAX(id), 0) FROM collection_versions), "
        "(SELECT COUNT(*) FROM collections WHERE deleted_at IS NULL)"
    ).fetchone()
    return f"cs{row[0]}.{row[1]}"


def _slug_taken(conn: sqlite3.Connection, slug: str, other_than: int | None = None) -> bool:
    row = conn.execute(
        "SELECT id FROM collections WHERE slug = ? AND deleted_at IS NULL AND id IS NOT ?", (slug, other_than)
    ).fetchone()
    return row is not None


def free_slug(conn: sqlite3.Connection, slug: str) -> str:
    """`slug`, or `slug-2`, `slug-3`… if it is taken: for slugs derived from a title."""
    candidate, n = slug, 1
    while _slug_taken(conn, candidate) or candidate in RESERVED_SLUGS:
        n += 1
        candidate = f"{slug[: MAX_SLUG - len(str(n)) - 1]}-{n}"
    return candidate


def _write_version(
    conn: sqlite3.Connection, collection_id: int, number: int, state: State, actor: str, summary: str
):
    conn.execute(
        "INSERT INTO collection_versions (collection_id, number, state, actor, summary) "
        "VALUES (?, ?, ?, ?, ?)",
        (collection_id, number, state.to_json(), actor, summary),
    )
    conn.execute(
        "UPDATE collections SET slug = ?, title = ?, published = ?, version = ?, "
        "updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?",
        (state.slug, state.title, int(state.published), number, collection_id),
    )


def create(conn: sqlite3.Connection, state: State, actor: str, summary: str) -> Collection:
    state = check(state)
    with transaction(conn):
        if _slug_taken(conn, state.slug):
            raise CollectionError(f"there is already a collection at {state.slug!r}", "slug")
        cursor = conn.execute(
            "INSERT INTO collections (slug, title, published, version) VALUES (?, ?, ?, 1)",
            (state.slug, state.title, int(state.published)),
        )
        _write_version(conn, cursor.lastrowid, 1, state, actor, summary)
        accounts.audit(conn, actor, "collection.create", f"collection {state.slug}", summary)
    found = get(conn, state.slug)
    assert found is not None
    return found


def change(
    conn: sqlite3.Connection, slug: str, apply: Change, actor: str, action: str
) -> tuple[Collection, str]:
    """Apply one change to the current state as a new version; returns it and its summary."""
    with transaction(conn):
        current = get(conn, slug)
        if current is None:
            raise LookupError(slug)
        state, summary = apply(current.state)
        state = check(state)
        if state.slug != current.slug and _slug_taken(conn, state.slug, current.id):
            raise CollectionError(f"there is already a collection at {state.slug!r}", "slug")
        _write_version(conn, current.id, current.version + 1, state, actor, summary)
        accounts.audit(conn, actor, f"collection.{action}", f"collection {current.slug}", summary)
    changed = get(conn, state.slug)
    assert changed is not None
    return changed, summary


def history(conn: sqlite3.Connection, collection_id: int) -> list[Version]:
    rows = conn.execute(
        "SELECT number, at, actor, summary, state FROM collection_versions "
        "WHERE collection_id = ? ORDER BY number DESC",
        (collection_id,),
    ).fetchall()
    return [
        Version(r["number"], r["at"], r["actor"], r["summary"], State.from_json(r["state"])) for r in rows
    ]


def restore(conn: sqlite3.Connection, slug: str, number: int, actor: str) -> tuple[Collection, str]:
    """Make a new version equal to version `number` (history stays as it was)."""
    current = get(conn, slug)
    if current is None:
        raise LookupError(slug)
    old = next((v for v in history(conn, current.id) if v.number == number), None)
    if old is None:
        raise CollectionError(f"there is no version {number} of this collection")
    if number == current.version:
        raise CollectionError(f"version {number} is the current version")

    def apply(_state: State) -> tuple[State, str]:
        return old.state, f"restored version {number} ({old.summary})"

    return change(conn, slug, apply, actor, "restore")


def delete(conn: sqlite3.Connection, slug: str, actor: str) -> Collection:
    """Take the collection off the site; its versions stay in the database."""
    with transaction(conn):
        current = get(conn, slug)
        if current is None:
            raise LookupError(slug)
        conn.execute(
            "UPDATE collections SET deleted_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?",
            (current.id,),
        )
        accounts.audit(conn, actor, "collection.delete", f"collection {slug}", current.state.title)
    return current
