"""indexer/build.py, update.py, lock.py: incremental runs, atomic rebuilds, one writer at a time,
and searchers that follow the index."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import build_index
from testdata import ALL_IDS, AUTO_THEMED_ID, LIBRARY, ROOT, THEMES

import indexer
from indexer import Entry, IndexLocked
from indexer.themes import themes_toml
from search import SearchEngine, SearchRequest, Theme, load_themes, store
from webui.cli import main

QUERIES = ["co-op", "nurses home care", "solar", "wind energy grid", "theme:governance", ""]


def results_of(engine: SearchEngine) -> list[list[tuple[str, float]]]:
    out = []
    for query in QUERIES:
        results = engine.search(SearchRequest(query=query, per_page=100))
        out.append([(hit.id, round(hit.score, 4)) for hit in results.hits])
    return out


def live_ids(index_dir: Path) -> set[str]:
    engine = SearchEngine(index_dir, refresh_seconds=0)
    try:
        return {hit.id for hit in engine.search(SearchRequest(per_page=100)).hits}
    finally:
        engine.close()


def leftovers(index_dir: Path) -> list[str]:
    return sorted(p.name for p in index_dir.iterdir() if p.name.endswith(".building"))


def write_entry(folder: Path, entry_id: str, title: str, body: str = "Some words.") -> Path:
    path = folder / f"{entry_id}.md"
    path.write_text(f'---\nid: {entry_id}\ntitle: "{title}"\ndate: "2020"\n---\n{body}\n', encoding="utf-8")
    return path


# -- incremental runs -----------------------------------------------------------------------


def test_rerun_on_unchanged_files_reports_all_unchanged(index_copy, library_copy):
    report = build_index(index_copy, [library_copy])
    assert (report.added, report.updated, report.deleted, report.skipped) == (0, 0, 0, 0)
    assert report.unchanged == 18
    assert not report.rebuilt
    assert "unchanged 18" in report.summary()


def test_editing_one_file_updates_exactly_it(index_copy, library_copy):
    path = library_copy / "tricycle-delivery.md"
    path.write_text(path.read_text().replace("Cargo Tricycle Delivery", "Cargo Bike Delivery"))
    report = build_index(index_copy, [library_copy])
    assert (report.added, report.updated, report.deleted, report.unchanged) == (0, 1, 0, 17)
    engine = SearchEngine(index_copy)
    try:
        assert engine.get_entry("tricycle-delivery").title == "Cargo Bike Delivery for a Food Co-op"
        assert engine.stats()["entries"] == 18
    finally:
        engine.close()


def test_editing_one_line_of_a_jsonl_updates_exactly_that_entry(index_copy, library_copy):
    path = library_copy / "news.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    first["title"] = "Patients Own a Clinic"
    lines[0] = json.dumps(first)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = build_index(index_copy, [library_copy])
    assert (report.added, report.updated, report.deleted, report.unchanged) == (0, 1, 0, 17)


def test_deleting_a_file_deletes_its_entry(index_copy, library_copy):
    (library_copy / "esop-buyout.md").unlink()
    report = build_index(index_copy, [library_copy])
    assert (report.added, report.updated, report.deleted, report.unchanged) == (0, 0, 1, 17)
    assert live_ids(index_copy) == ALL_IDS - {"esop-buyout"}
    engine = SearchEngine(index_copy)
    try:
        assert engine.get_entry("esop-buyout") is None
        assert [h.id for h in engine.search(SearchRequest(query="esop")).hits] == []
    finally:
        engine.close()


def test_a_new_file_is_added(index_copy, library_copy):
    write_entry(library_copy, "new-entry", "A Brand New Entry", "About zeppelins.")
    report = build_index(index_copy, [library_copy])
    assert (report.added, report.updated, report.deleted, report.unchanged) == (1, 0, 0, 18)
    assert live_ids(index_copy) == ALL_IDS | {"new-entry"}


def test_entries_from_another_source_are_untouched(index_copy, library_copy, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    write_entry(other, "other-1", "Other One")
    write_entry(other, "other-2", "Other Two")
    report = build_index(index_copy, [other])
    assert (report.added, report.deleted) == (2, 0)

    (library_copy / "esop-buyout.md").unlink()
    report = build_index(index_copy, [library_copy])
    assert (report.deleted, report.unchanged) == (1, 17)
    assert live_ids(index_copy) == (ALL_IDS - {"esop-buyout"}) | {"other-1", "other-2"}

    (other / "other-2.md").unlink()
    report = build_index(index_copy, [other])
    assert (report.deleted, report.unchanged) == (1, 1)
    assert live_ids(index_copy) == (ALL_IDS - {"esop-buyout"}) | {"other-1"}


def test_entries_pushed_through_update_survive_a_files_run(index_copy, library_copy):
    pushed = Entry.from_mapping({"id": "staff-note", "title": "A Staff Note", "date": "2024"})
    report = indexer.update(index_copy, [pushed])
    assert report.added == 1
    assert build_index(index_copy, [library_copy]).deleted == 0
    assert "staff-note" in live_ids(index_copy)

    assert indexer.update(index_copy, [], deleted=["staff-note", "never-existed"]).deleted == 1
    assert live_ids(index_copy) == ALL_IDS


def test_changing_theme_keywords_reassigns_only_automatic_themes(index_copy, library_copy, tmp_path):
    themes = tmp_path / "themes.toml"
    themes.write_text(
        THEMES.read_text().replace('"energy", "wind", "turbine", "electric", "electricity", "grid"', '"zzz"')
    )
    assert themes.read_text() != THEMES.read_text()
    report = indexer.index_sources(index_copy, [library_copy], themes_file=themes)
    assert (report.updated, report.unchanged) == (1, 17)
    engine = SearchEngine(index_copy)
    try:
        entry = engine.get_entry(AUTO_THEMED_ID)
        assert (entry.themes, entry.theme_source) == ((), "auto")
    finally:
        engine.close()


def test_an_edited_themes_file_reaches_the_engine_after_an_incremental_run(
    index_copy, library_copy, tmp_path
):
    themes = tmp_path / "themes.toml"
    themes.write_text(
        THEMES.read_text().replace('label = "Energy"', 'label = "Energy and power"')
        + '\n[transport]\nlabel = "Transport"\ndescription = "Getting around."\n'
        'keywords = ["wind", "turbine", "grid", "electric", "energy"]\n'
    )
    report = indexer.index_sources(index_copy, [library_copy], themes_file=themes)
    assert report.updated == 1  # the automatically themed entry now also gets "transport"
    engine = SearchEngine(index_copy)
    try:
        assert "transport" in engine.get_entry(AUTO_THEMED_ID).themes
        labels = {theme.id: theme.label for theme, _ in engine.themes()}
        assert labels["energy"] == "Energy and power"
        assert labels["transport"] == "Transport"
    finally:
        engine.close()


# -- rebuilds -------------------------------------------------------------------------------


def test_rebuild_publishes_a_new_generation_and_keeps_one_previous(index_copy, library_copy):
    first = (index_copy / store.CURRENT).read_text().strip()
    for _ in range(3):
        report = build_index(index_copy, [library_copy], rebuild=True)
        assert report.rebuilt and report.added == 18
    current = (index_copy / store.CURRENT).read_text().strip()
    assert current == report.generation != first
    gens = [p.name for p in store.generations(index_copy)]
    assert len(gens) == 2 and gens[-1] == current


def _crashing(entries: list[Entry], after: int):
    for i, entry in enumerate(entries):
        if i == after:
            raise RuntimeError("the feed broke halfway")
        yield entry


def test_a_rebuild_that_crashes_halfway_leaves_the_previous_index_serving(index_copy, library_copy):
    engine = SearchEngine(index_copy, refresh_seconds=0)
    try:
        before = results_of(engine)
        current = (index_copy / store.CURRENT).read_text()
        gens = store.generations(index_copy)
        entries = [e for e in indexer.read_source(library_copy) if isinstance(e, Entry)]

        with pytest.raises(RuntimeError, match="halfway"):
            indexer.rebuild(index_copy, _crashing(entries, after=5), themes_file=THEMES)

        assert (index_copy / store.CURRENT).read_text() == current
        assert store.generations(index_copy) == gens
        assert leftovers(index_copy) == []
        assert results_of(engine) == before
        fresh = SearchEngine(index_copy)
        try:
            assert results_of(fresh) == before
        finally:
            fresh.close()
    finally:
        engine.close()


CRASH_SCRIPT = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from indexer import read_source
    from indexer.build import IndexReport, Themes, build_generation, prepare

    root, source, themes = Path(sys.argv[1]), Path(sys.argv[2]), Themes.load(Path(sys.argv[3]))
    report = IndexReport()

    def prepared():
        for i, entry in enumerate(e for e in read_source(source) if not isinstance(e, Exception)):
            if i == 5:
                os._exit(9)  # a power cut: no cleanup of any kind
            yield prepare(entry, "api", themes, report)

    build_generation(root, prepared(), themes, report)
    """
)


def test_a_killed_rebuild_leaves_no_half_built_generation_after_the_next_run(index_copy, library_copy):
    engine = SearchEngine(index_copy, refresh_seconds=0)
    try:
        before = results_of(engine)
        current = (index_copy / store.CURRENT).read_text()
        crashed = subprocess.run(
            [sys.executable, "-c", CRASH_SCRIPT, str(index_copy), str(library_copy), str(THEMES)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert crashed.returncode == 9, crashed.stderr
        assert len(leftovers(index_copy)) == 1  # the crash really left a half-built folder
        assert (index_copy / store.CURRENT).read_text() == current
        assert results_of(engine) == before

        report = build_index(index_copy, [library_copy], rebuild=True)
        assert report.added == 18
        assert leftovers(index_copy) == []
        assert results_of(engine) == before
    finally:
        engine.close()


# -- one writer at a time -------------------------------------------------------------------

HOLD_LOCK = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from indexer.lock import WriteLock

    with WriteLock(Path(sys.argv[1])):
        print("locked", flush=True)
        time.sleep(float(sys.argv[2]))
    """
)


@pytest.fixture
def lock_holder(index_copy):
    """Start a process that holds the index's write lock for `seconds`; yields the Popen."""
    procs = []

    def start(seconds: float) -> subprocess.Popen:
        proc = subprocess.Popen(
            [sys.executable, "-c", HOLD_LOCK, str(index_copy), str(seconds)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        procs.append(proc)
        assert proc.stdout.readline().strip() == "locked"
        return proc

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()


def test_a_second_writer_gets_index_locked_with_a_clear_message(index_copy, library_copy, lock_holder):
    holder = lock_holder(30)
    with pytest.raises(IndexLocked) as caught:
        build_index(index_copy, [library_copy])
    message = str(caught.value)
    assert f"pid {holder.pid}" in message
    assert str(index_copy) in message
    assert "--wait" in message


def test_cli_index_reports_the_lock_and_exits_2(runner, index_copy, library_copy, lock_holder):
    holder = lock_holder(30)
    result = runner.invoke(
        main, ["index", str(library_copy), "--index", str(index_copy), "--themes", str(THEMES)]
    )
    assert result.exit_code == 2
    assert f"error: another process (pid {holder.pid}) is writing the index" in result.stderr


def test_wait_queues_behind_the_writer(runner, index_copy, library_copy, lock_holder):
    holder = lock_holder(1.0)
    started = time.monotonic()
    result = runner.invoke(
        main,
        ["index", str(library_copy), "--index", str(index_copy), "--themes", str(THEMES), "--wait", "20"],
    )
    assert result.exit_code == 0, result.output
    assert "unchanged 18" in result.stdout
    # It got the lock only when the holder let go, about a second after it said "locked".
    assert time.monotonic() - started >= 0.8
    holder.wait(timeout=10)


def test_the_lock_is_free_again_after_a_run(index_copy, library_copy):
    build_index(index_copy, [library_copy])
    assert build_index(index_copy, [library_copy]).unchanged == 18


# -- searchers follow the index -------------------------------------------------------------


def test_an_open_searcher_sees_an_update_after_refresh(index_copy, library_copy):
    engine = SearchEngine(index_copy, refresh_seconds=0)
    try:
        assert [h.id for h in engine.search(SearchRequest(query="zeppelin")).hits] == []
        version = engine.version
        write_entry(library_copy, "zeppelin-coop", "A Zeppelin Co-op", "Members share one zeppelin.")
        (library_copy / "esop-buyout.md").unlink()
        build_index(index_copy, [library_copy])

        assert [h.id for h in engine.search(SearchRequest(query="zeppelin")).hits] == ["zeppelin-coop"]
        assert engine.get_entry("esop-buyout") is None
        assert engine.stats()["entries"] == 18
        assert engine.version != version
    finally:
        engine.close()


def test_an_open_searcher_follows_a_rebuild_to_the_new_generation(index_copy, library_copy):
    engine = SearchEngine(index_copy, refresh_seconds=0)
    try:
        old = engine.stats()["generation"]
        (library_copy / "tricycle-delivery.md").unlink()
        report = build_index(index_copy, [library_copy], rebuild=True)
        assert engine.stats()["generation"] == report.generation != old
        assert engine.get_entry("tricycle-delivery") is None
        assert engine.stats()["entries"] == 17
    finally:
        engine.close()


def test_indexing_one_file_of_a_folder_updates_it_without_duplicates(index_copy, library_copy):
    path = library_copy / "esop-buyout.md"
    path.write_text(path.read_text(encoding="utf-8").replace("ESOP", "ESOP zeppelin", 1), encoding="utf-8")
    report = build_index(index_copy, [path])
    assert report.errors == []
    assert (report.added, report.updated, report.deleted, report.unchanged) == (0, 1, 0, 0)
    assert live_ids(index_copy) == ALL_IDS
    engine = SearchEngine(index_copy)
    try:
        assert [h.id for h in engine.search(SearchRequest(query="zeppelin")).hits] == ["esop-buyout"]
    finally:
        engine.close()


# -- staff's curation: pushed entries, theme overrides, theme edits -------------------------


def test_themes_written_with_edits_read_back_as_given(tmp_path):
    hostile = Theme("odd-one", 'Quotes " and \\ back\nslash', "Tab\there, DEL \x7f, é 🌍", ('a "b"', "c\\d"))
    themes = {"odd-one": hostile, "plain": Theme("plain", "Plain", "", ())}
    path = tmp_path / "themes.toml"
    path.write_text(themes_toml(themes), encoding="utf-8")
    assert load_themes(path) == themes


def test_a_rebuild_applies_overrides_and_theme_edits(tmp_path):
    entries = [e for e in indexer.read_source(LIBRARY) if isinstance(e, Entry)]
    edits = {"energy": Theme("energy", "Power", "Renamed.", ("zzz",))}
    curation = indexer.Curation(overrides={"esop-buyout": ("food",)}, theme_edits=edits)
    index_dir = tmp_path / "index"
    indexer.rebuild(index_dir, entries, themes_file=THEMES, curation=curation)
    themes = {s.entry.id: (s.themes, s.theme_source) for s in indexer.stored_entries(index_dir)}
    assert themes["esop-buyout"] == (("food",), "curated")
    assert themes[AUTO_THEMED_ID] == ((), "auto")  # energy's keywords are now only "zzz"
    assert themes["j-wind-turbine"] == (("energy",), "curated")
    copy = load_themes(store.current_generation(index_dir) / store.THEMES)
    assert copy["energy"] == edits["energy"] and copy["food"].label == "Food"


def test_index_sources_reads_the_curation_once_while_it_holds_the_lock(index_copy, library_copy):
    calls = []

    def curation() -> indexer.Curation:
        with pytest.raises(IndexLocked):
            build_index(index_copy, [library_copy])  # a second writer is refused: we hold it
        calls.append(1)
        pushed = Entry.from_mapping({"id": "pushed-note", "title": "A Pushed Note"})
        return indexer.Curation(pushed=(pushed,), overrides={"esop-buyout": ("food",)})

    report = build_index(index_copy, [library_copy], curation=curation)
    assert calls == [1]
    assert (report.added, report.updated, report.unchanged) == (1, 1, 17)
    assert live_ids(index_copy) == ALL_IDS | {"pushed-note"}


def test_a_pushed_entry_wins_over_a_file_entry_with_its_id(index_copy, library_copy):
    pushed = Entry.from_mapping({"id": "esop-buyout", "title": "From the CMS"})
    curation = indexer.Curation(pushed=(pushed,))
    report = build_index(index_copy, [library_copy], curation=curation)
    assert (report.updated, report.skipped, report.errors) == (1, 0, [])
    assert any("'esop-buyout' is also an entry pushed through the API" in w for w in report.warnings)
    again = build_index(index_copy, [library_copy], curation=curation)
    assert (again.updated, again.unchanged) == (0, 18)
    rebuilt = build_index(index_copy, [library_copy], curation=curation, rebuild=True)
    assert rebuilt.added == 18
    (stored,) = indexer.stored_entries(index_copy, ids=["esop-buyout"])
    assert (stored.entry.title, stored.source) == ("From the CMS", "api")


def test_retheme_settles_an_override_in_place_and_a_files_run_agrees(index_copy, library_copy):
    curation = indexer.Curation(overrides={"esop-buyout": ("health", "food")})
    report = indexer.retheme(index_copy, curation, ids=["esop-buyout", "no-such-id"])
    assert (report.updated, report.unchanged) == (1, 0)
    (stored,) = indexer.stored_entries(index_copy, ids=["esop-buyout"])
    assert (stored.themes, stored.theme_source) == (("health", "food"), "curated")
    # Read back from the index or from its file, the entry hashes the same: nothing to rewrite.
    assert build_index(index_copy, [library_copy], curation=curation).unchanged == 18
    # Without the override, the entry gets back its own themes, from its file.
    report = indexer.retheme(index_copy, indexer.Curation(), ids=["esop-buyout"])
    assert report.updated == 1
    (stored,) = indexer.stored_entries(index_copy, ids=["esop-buyout"])
    assert (stored.themes, stored.theme_source) == (("governance",), "curated")


def test_preview_themes_lists_the_automatic_entries_that_would_change(index_copy):
    none = indexer.preview_themes(index_copy)
    assert none == []
    edits = {"energy": Theme("energy", "Energy", "", ("zzz",))}
    (change,) = indexer.preview_themes(index_copy, indexer.Curation(theme_edits=edits))
    assert (change.id, change.before, change.after, change.gained, change.lost) == (
        AUTO_THEMED_ID,
        ("energy",),
        (),
        (),
        ("energy",),
    )
    overridden = indexer.Curation(theme_edits=edits, overrides={AUTO_THEMED_ID: ("energy",)})
    assert indexer.preview_themes(index_copy, overridden) == []
