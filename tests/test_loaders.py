"""indexer/loaders.py and records.py: broken inputs are reported as file:line: field: reason
and skipped, while the good entries of the same run are indexed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from testdata import BROKEN, LIBRARY, THEMES

import indexer
import search
from indexer import Entry, InvalidEntry, read_source
from search import PartialDate, SearchEngine, SearchRequest
from webui.cli import main

#: (file name, line, field) of every broken input in tests/data/broken.
EXPECTED_ERRORS = {
    ("bad-yaml.md", 3, "front matter"),
    ("no-front-matter.md", 1, "front matter"),
    ("missing-title.md", 1, "title"),
    ("bad-date.md", 5, "date"),
    ("latin1.jsonl", 1, "file"),
    ("feed.jsonl", 2, "json"),
    ("feed.jsonl", 4, "id"),
}
GOOD_IDS = {"broken-dir-good", "feed-good-1", "feed-good-2", "feed-good-3"}


@pytest.fixture(scope="module")
def broken_run(tmp_path_factory):
    index_dir = tmp_path_factory.mktemp("broken") / "index"
    report = indexer.index_sources(index_dir, [BROKEN], themes_file=THEMES)
    return index_dir, report


def error_for(report, name: str, field: str) -> InvalidEntry:
    return next(e for e in report.errors if Path(e.source).name == name and e.field == field)


def test_every_broken_input_is_reported_with_file_line_and_field(broken_run):
    _, report = broken_run
    found = {(Path(e.source).name, e.line, e.field) for e in report.errors}
    assert found == EXPECTED_ERRORS
    assert report.skipped == len(EXPECTED_ERRORS)


def test_errors_read_file_colon_line_colon_field_colon_reason(broken_run):
    _, report = broken_run
    for error in report.errors:
        assert Path(error.source).parent == BROKEN
        assert str(error) == f"{error.source}:{error.line}: {error.field}: {error.reason}"
        assert error.reason


@pytest.mark.parametrize(
    ("name", "field", "words"),
    [
        ("bad-yaml.md", "front matter", "invalid YAML"),
        ("no-front-matter.md", "front matter", "missing"),
        ("missing-title.md", "title", "missing"),
        ("bad-date.md", "date", "'the day after tomorrow'"),
        ("latin1.jsonl", "file", "not UTF-8"),
        ("feed.jsonl", "json", "invalid JSON"),
        ("feed.jsonl", "id", "duplicate id 'broken-dir-good'"),
    ],
)
def test_each_reason_says_what_is_wrong(broken_run, name, field, words):
    _, report = broken_run
    assert words in error_for(report, name, field).reason


def test_the_duplicate_names_where_the_first_one_is(broken_run):
    _, report = broken_run
    assert "a-good.md" in error_for(report, "feed.jsonl", "id").reason


def test_good_entries_of_the_same_run_are_indexed(broken_run):
    index_dir, report = broken_run
    assert report.added == len(GOOD_IDS)
    engine = SearchEngine(index_dir)
    try:
        results = engine.search(SearchRequest(per_page=100))
        assert {hit.id for hit in results.hits} == GOOD_IDS
        # The duplicate did not replace the first entry with that id.
        assert engine.get_entry("broken-dir-good").title == "A Good Entry Among Broken Ones"
    finally:
        engine.close()


def test_read_source_yields_entries_and_errors_in_file_order():
    items = list(read_source(BROKEN / "feed.jsonl"))
    assert [type(i).__name__ for i in items] == ["Entry", "InvalidEntry", "Entry", "Entry", "Entry"]
    assert [i.origin for i in items if isinstance(i, Entry)] == [
        f"{BROKEN / 'feed.jsonl'}:1",
        f"{BROKEN / 'feed.jsonl'}:3",
        f"{BROKEN / 'feed.jsonl'}:4",
        f"{BROKEN / 'feed.jsonl'}:6",
    ]


def test_markdown_front_matter_becomes_an_entry():
    entry = next(read_source(LIBRARY / "pv-array-farm.md"))
    assert entry.id == "pv-array-farm"
    assert entry.title == "Photovoltaic Panels for a Dairy Cooperative"
    assert entry.date == PartialDate(2020)
    assert entry.authors == ("Maya Chen", "Tom Okafor")
    assert entry.themes == ("energy",)
    assert entry.type == "report"
    assert entry.body.startswith("The cooperative installed")


def test_non_utf8_markdown_is_reported_and_skipped(tmp_path):
    # Made here rather than kept in tests/data: ruff format refuses a non-UTF-8 .md file.
    path = tmp_path / "latin1.md"
    path.write_bytes(b'---\nid: latin1\ntitle: "Caf\xe9 Co-op"\n---\nA caf\xe9.\n')
    error = next(read_source(path))
    assert isinstance(error, InvalidEntry)
    assert str(error) == f"{path}:1: file: not UTF-8 text"


def test_markdown_id_defaults_to_the_file_name(tmp_path):
    path = tmp_path / "named-by-file.md"
    path.write_text("---\ntitle: No id here\n---\nBody.\n", encoding="utf-8")
    assert next(read_source(path)).id == "named-by-file"


def test_invalid_json_reason_points_at_the_column_of_the_line(tmp_path):
    line = '{"id": "x", "title": "Missing the closing brace"'
    path = tmp_path / "feed.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    error = next(read_source(path))
    assert isinstance(error, InvalidEntry) and (error.line, error.field) == (1, "json")
    # The brace is missing at the end of the line, not at its first column.
    assert f"column {len(line) + 1}" in error.reason


def test_non_utf8_line_in_jsonl_keeps_the_good_lines_before_it(tmp_path):
    path = tmp_path / "feed.jsonl"
    path.write_bytes(
        b'{"id": "ok-1", "title": "One"}\n{"id": "ok-2", "title": "Two"}\n{"id": "bad", "title": "Caf\xe9"}\n'
    )
    items = list(read_source(path))
    assert [i.id for i in items if isinstance(i, Entry)] == ["ok-1", "ok-2"]
    errors = [i for i in items if isinstance(i, InvalidEntry)]
    assert [(e.line, e.field) for e in errors] == [(3, "file")]


def test_unknown_source_format_and_missing_source_are_source_errors(tmp_path):
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    with pytest.raises(indexer.SourceError, match="unknown format"):
        list(read_source(tmp_path / "notes.txt"))
    with pytest.raises(indexer.SourceError, match="no such file"):
        list(read_source(tmp_path / "missing"))


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"title": "No id"}, "id", "missing"),
        ({"id": "has space", "title": "T"}, "id", "not URL-safe"),
        ({"id": "x", "title": "   "}, "title", "missing"),
        ({"id": "x", "title": ["a", "list"]}, "title", "must be text"),
        ({"id": "x", "title": "T", "authors": {"a": 1}}, "authors", "must be a list"),
        ({"id": "x", "title": "T", "date": "June"}, "date", "has no year"),
    ],
)
def test_entry_validation_names_the_field(data, field, words):
    with pytest.raises(InvalidEntry) as caught:
        Entry.from_mapping(data, "feed.jsonl", 7)
    assert (caught.value.source, caught.value.line, caught.value.field) == ("feed.jsonl", 7, field)
    assert words in caught.value.reason
    assert str(caught.value).startswith(f"feed.jsonl:7: {field}: ")


def test_entry_normalises_lists_themes_and_type():
    entry = Entry.from_mapping(
        {"id": "x", "title": " T ", "authors": "Ana Ruiz", "themes": "Food; Health", "type": "Case Study"}
    )
    assert (entry.title, entry.authors, entry.themes, entry.type) == (
        "T",
        ("Ana Ruiz",),
        ("food", "health"),
        "case study",
    )


def _index_args(index_dir: Path) -> list[str]:
    return ["index", str(BROKEN), "--index", str(index_dir), "--themes", str(THEMES)]


def test_cli_index_strict_exits_1_and_lists_the_errors(runner, tmp_path):
    result = runner.invoke(main, [*_index_args(tmp_path / "index"), "--strict"])
    assert result.exit_code == 1, result.output
    for name, line, field in EXPECTED_ERRORS:
        assert f"{BROKEN / name}:{line}: {field}: " in result.stderr
    assert "added 4" in result.stdout and "skipped 7" in result.stdout


def test_cli_index_without_strict_exits_0_and_indexes_the_good_entries(runner, tmp_path):
    index_dir = tmp_path / "index"
    result = runner.invoke(main, _index_args(index_dir))
    assert result.exit_code == 0, result.output
    assert f"{BROKEN / 'bad-date.md'}:5: date: " in result.stderr
    assert "added 4" in result.stdout
    engine = search.SearchEngine(index_dir)
    try:
        assert engine.stats()["entries"] == len(GOOD_IDS)
    finally:
        engine.close()


def test_jsonl_with_only_good_lines_has_no_errors(tmp_path):
    path = tmp_path / "feed.jsonl"
    lines = [{"id": f"e{i}", "title": f"Entry {i}"} for i in range(3)]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n\n", encoding="utf-8")
    assert [e.id for e in read_source(path)] == ["e0", "e1", "e2"]
