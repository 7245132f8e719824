"""Readers for the formats entries come in; each names the file and line of a failure.

- A folder: every `*.md` / `*.markdown` (one entry per file: YAML front matter, then the body
  in Markdown) and every `*.jsonl` below it.
- A `.md` file: one entry. A `.jsonl` file: one JSON object per line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import yaml

from .records import Entry, InvalidEntry

MARKDOWN_SUFFIXES = (".md", ".markdown")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
_FRONT_RE = re.compile(r"\A---[ \t]*\r?\n(.*?\r?\n)?---[ \t]*(?:\r?\n|\Z)(.*)\Z", re.S)


class SourceError(ValueError):
    """A source that cannot be read at all (missing, unknown format)."""


def source_files(source: Path) -> list[Path]:
    """The files a source stands for, in a stable order."""
    if source.is_dir():
        files = [
            p
            for p in source.rglob("*")
            if p.is_file()
            and p.suffix.lower() in MARKDOWN_SUFFIXES + JSONL_SUFFIXES
            and not any(part.startswith(".") for part in p.relative_to(source).parts)
        ]
        return sorted(files)
    if not source.exists():
        raise SourceError(f"{source}: no such file or folder")
    if source.suffix.lower() not in MARKDOWN_SUFFIXES + JSONL_SUFFIXES:
        raise SourceError(f"{source}: unknown format; use a folder, .md files or .jsonl files")
    return [source]


def read_source(source: Path) -> Iterator[Entry | InvalidEntry]:
    """Every entry of a source, with an InvalidEntry in place of each broken one."""
    for path in source_files(source):
        if path.suffix.lower() in JSONL_SUFFIXES:
            yield from read_jsonl(path)
        else:
            yield read_markdown(path)


def read_jsonl(path: Path) -> Iterator[Entry | InvalidEntry]:
    """Each line on its own: a bad line (invalid JSON, not UTF-8) costs only itself."""
    name = str(path)
    try:
        handle = path.open("rb")
    except OSError as exc:
        yield InvalidEntry(name, 0, "file", f"cannot read ({exc.strerror})")
        return
    with handle:
        for lineno, raw in enumerate(handle, 1):
            try:
                line = raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError as exc:
                yield InvalidEntry(name, lineno, "file", f"not UTF-8 text (byte {exc.start + 1})")
                continue
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                yield InvalidEntry(name, lineno, "json", f"invalid JSON ({exc.msg} at column {exc.colno})")
                continue
            yield _validated(data, name, lineno)


def read_markdown(path: Path) -> Entry | InvalidEntry:
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return InvalidEntry(name, 1, "file", "not UTF-8 text")
    except OSError as exc:
        return InvalidEntry(name, 1, "file", f"cannot read ({exc.strerror})")
    match = _FRONT_RE.match(text.lstrip("\ufeff"))
    if not match:
        return InvalidEntry(
            name,
            1,
            "front matter",
            "missing: the file must start with a '---' line, YAML fields, and a closing '---' line",
        )
    front, body = match.group(1) or "", match.group(2)
    try:
        data = yaml.safe_load(front)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc)
        return InvalidEntry(name, line, "front matter", f"invalid YAML ({problem})")
    if not isinstance(data, dict):
        return InvalidEntry(name, 2, "front matter", "must be YAML fields (key: value)")
    data = dict(data)
    data.setdefault("id", path.stem)
    if body.strip():
        data["body"] = body
    try:
        return Entry.from_mapping(data, name, 1)
    except InvalidEntry as exc:
        return InvalidEntry(name, _key_line(front, exc.field), exc.field, exc.reason)


def _validated(data: object, source: str, line: int) -> Entry | InvalidEntry:
    try:
        return Entry.from_mapping(data, source, line)  # type: ignore[arg-type]
    except InvalidEntry as exc:
        return exc


def _key_line(front: str, key: str) -> int:
    """The file line of `key:` in the front matter (line 1 is the opening '---')."""
    for i, line in enumerate(front.splitlines(), 2):
        if line.startswith(f"{key}:"):
            return i
    return 1
