"""CSV exports with a header row, from a file or a URL.

A column mapping says which column holds which entry field (`title = "Headline"`); a field
left out of the mapping is read from a column of its own name, if there is one (any case).
Dates are anything python-dateutil reads; authors and themes may list several values in one
cell, split on the source's `list_separator`. An entry's id is the `id` column when it has
one, else made from the `url` column (so a row and the same page from a sitemap are one
entry). Each bad row is reported with its line and skipped; rows that leave the export are
removed from the index, unless part of the file could not be read.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Mapping

from .fetch import Fetcher, FetchError
from .harvest import Harvest, SourceFailed
from .ids import is_url, stable_id
from .records import MAX_TEXT, Entry, InvalidEntry
from .sources import FIELDS, CsvSource

_LIST_FIELDS = ("authors", "themes")


def harvest_csv(source: CsvSource, fetcher: Fetcher) -> Harvest:
    if source.url:
        try:
            raw = fetcher.get(source.url).body
        except FetchError as exc:
            raise SourceFailed(str(exc)) from None
        return read_csv(raw, source.url, source)
    try:
        raw = source.file.read_bytes() if source.file else b""
    except OSError as exc:
        raise SourceFailed(f"{source.file}: cannot read ({exc.strerror})") from None
    return read_csv(raw, str(source.file), source)


def read_csv(raw: bytes, where: str, source: CsvSource) -> Harvest:
    """The rows of a CSV export as entries; bytes not valid in its encoding cost only their row."""
    harvest = Harvest(delete_missing=True)
    utf8 = codecs.lookup(source.encoding).name == "utf-8"
    encoding = "utf-8-sig" if utf8 else source.encoding  # a BOM is not part of the header
    text = raw.decode(encoding, errors="surrogateescape")
    csv.field_size_limit(max(csv.field_size_limit(), MAX_TEXT))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=source.delimiter)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise SourceFailed(f"{where}: line 1: the header row cannot be read ({exc})") from None
    if not header:
        raise SourceFailed(f"{where}: empty; a CSV export starts with a header row")
    columns = _columns(header, source.columns, where)
    _rows(reader, columns, where, source, harvest)
    return harvest


def _columns(header: list[str], mapping: Mapping[str, str], where: str) -> dict[str, int]:
    """Entry field -> column index, from the mapping, else a header named like the field."""
    names = [h.strip() for h in header]
    folded = {name.casefold(): i for i, name in reversed(list(enumerate(names)))}
    columns = {}
    for entry_field in FIELDS:
        wanted = mapping.get(entry_field)
        index = folded.get((wanted or entry_field).casefold())
        if wanted and index is None:
            raise SourceFailed(
                f"{where}: line 1: no column {wanted!r} for {entry_field} (columns: {', '.join(names)})"
            )
        if index is not None:
            columns[entry_field] = index
    if "title" not in columns:
        raise SourceFailed(f'{where}: line 1: no title column; map one (title = "…")')
    if "id" not in columns and "url" not in columns:
        raise SourceFailed(f"{where}: line 1: no id or url column to identify rows; map one of them")
    return columns


def _rows(reader, columns: dict[str, int], where: str, source: CsvSource, harvest: Harvest) -> None:
    reader_line = 0
    while True:
        start = reader_line + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            harvest.problem(where, f"line {reader.line_num}", f"cannot read further ({exc})")
            harvest.complete = False
            return
        reader_line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        try:
            _check_text(row, columns, source.encoding)
            entry = Entry.from_mapping(_row_data(row, columns, source), where, start)
        except InvalidEntry as exc:
            harvest.problem(where, f"line {start}", f"{exc.field}: {exc.reason}")
            harvest.keep_ids.update(_row_id(row, columns))  # what an earlier sync had of it stays
            continue
        harvest.add(entry, source.key)


def _check_text(row: list[str], columns: dict[str, int], encoding: str) -> None:
    for entry_field, index in columns.items():
        if index < len(row) and any("\udc80" <= ch <= "\udcff" for ch in row[index]):
            raise InvalidEntry("", 0, entry_field, f"not valid {encoding} text")


def _row_id(row: list[str], columns: dict[str, int]) -> list[str]:
    """The id a row would have, if it can be told (for keeping it when the row is broken)."""
    cells = {name: row[i].strip() for name, i in columns.items() if i < len(row)}
    if cells.get("id"):
        return [cells["id"]]
    return [stable_id(cells["url"])] if is_url(cells.get("url", "")) else []


def _row_data(row: list[str], columns: dict[str, int], source: CsvSource) -> dict:
    def cell(name: str) -> str:
        index = columns.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    data: dict = {name: cell(name) or None for name in FIELDS}
    for name in _LIST_FIELDS:
        value = data[name]
        data[name] = [v.strip() for v in value.split(source.list_separator)] if value else None
    url = data["url"]
    if url and not is_url(url):
        raise InvalidEntry("", 0, "url", f"{url!r} is not an http or https URL")
    if not data["id"]:
        if not url:
            raise InvalidEntry("", 0, "id", "empty, and no url to make one from")
        data["id"] = stable_id(url)
    data["type"] = data["type"] or source.type
    return data
