"""`coopsearch sync` through CliRunner, and `coopsearch serve --sync-every` as a real server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import click
import pytest
from conftest import COOPSEARCH, _free_port
from syncsite import Site, start_site
from testdata import SYNONYMS, THEMES

import indexer
from indexer.ids import stable_id
from webui.cli import main
from webui.cli_sync import DURATION
from webui.curation import save_pushed, set_override
from webui.db import open_db

ENV = {"COOPSEARCH_SYNONYMS": str(SYNONYMS), "COOPSEARCH_THEMES": str(THEMES)}


@pytest.fixture
def site(tmp_path: Path):
    site = start_site(tmp_path)
    yield site
    site.stop()


def run(runner, *args: object):
    return runner.invoke(main, [str(a) for a in args], env=ENV)


def test_sync_prints_one_line_per_source_and_each_problem(runner, site, tmp_path):
    index_dir = tmp_path / "index"
    result = run(
        runner, "sync", "--sources", site.sources, "--index", index_dir, "--only", "news", "--only", "members"
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "feed news: added 4, updated 0, deleted 0, unchanged 0, failed 0\n"
        "csv members: added 4, updated 0, deleted 0, unchanged 0, failed 4\n"
    )
    csv_url = site.url("/exports/members.csv")
    assert result.stderr.splitlines() == [
        f"members: {csv_url}: line 4: title: missing; every entry needs a title",
        f"members: {csv_url}: line 5: date: 'someday' is not a date python-dateutil can read "
        "(Unknown string format: someday)",
        f"members: {csv_url}: line 6: duplicate id 'M-2' (first read at line 3); skipped",
        f"members: {csv_url}: line 9: title: not valid utf-8 text",
    ]
    again = run(runner, "sync", "--sources", site.sources, "--index", index_dir, "--only", "news", "--strict")
    assert again.exit_code == 0
    assert again.stdout == "feed news: added 0, updated 0, deleted 0, unchanged 4, failed 0\n"
    strict = run(
        runner, "sync", "--sources", site.sources, "--index", index_dir, "--only", "members", "--strict"
    )
    assert strict.exit_code == 1
    assert strict.stdout.startswith("csv members: added 0, updated 0, deleted 0, unchanged 4, failed 4")


def test_a_source_that_cannot_be_synced_makes_the_exit_status_1(runner, site, tmp_path):
    result = run(
        runner,
        "sync",
        "--sources",
        site.sources,
        "--index",
        tmp_path / "index",
        "--only",
        "down",
        "--only",
        "news",
    )
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [  # in the order of the sources file
        "feed news: added 4, updated 0, deleted 0, unchanged 0, failed 0",
        f"feed down: not synced: {site.url('/dyn/500')}: HTTP 500 Internal Server Error "
        "(what the index had from it is kept)",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--only", "nothing"], "error: no source named 'nothing' (sources: news, partners, broken, latin"),
        (["--column", "title=Headline"], "--column is for --csv files"),
        (["--themes", "/no/such/themes.toml"], "/no/such/themes.toml: no such themes file"),
    ],
)
def test_bad_arguments_exit_2(runner, site, tmp_path, args, message):
    result = run(runner, "sync", "--sources", site.sources, "--index", tmp_path / "index", *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_a_bad_sources_file_exits_2_naming_the_key(runner, tmp_path):
    sources = tmp_path / "sources.toml"
    sources.write_text('[feeds.news]\nurl = "https://example.org/rss"\ncolour = "red"\n', encoding="utf-8")
    result = run(runner, "sync", "--sources", sources, "--index", tmp_path / "index")
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {sources}: [feeds.news]: unknown key 'colour' "
        "(known: categories, file, id_from, type, url)\n"
    )


def test_a_csv_file_and_its_columns_from_the_command_line(runner, site, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no sources.toml here: only the CSV is synced
    export = tmp_path / "Members Export.csv"
    export.write_text("Ref;Headline;When\nA-1;Solar co-op meets;2024-05-01\nA-2;;2024\n", encoding="utf-8")
    args = [
        "sync",
        "--index",
        tmp_path / "index",
        "--csv",
        export,
        "--column",
        "id=Ref",
        "--column",
        "title=Headline",
    ]
    result = run(runner, *args, "--column", "date=When")
    assert result.exit_code == 1  # the file uses ";": no "Ref" column in a header split on ","
    assert result.stdout == (
        f"csv Members-Export: not synced: {export}: line 1: no column 'Ref' for id "
        "(columns: Ref;Headline;When) (what the index had from it is kept)\n"
    )
    export.write_text("Ref,Headline,When\nA-1,Solar co-op meets,2024-05-01\nA-2,,2024\n", encoding="utf-8")
    result = run(runner, *args, "--column", "date=When")
    assert result.exit_code == 0, result.output
    assert result.stdout == "csv Members-Export: added 1, updated 0, deleted 0, unchanged 0, failed 1\n"
    assert result.stderr == f"Members-Export: {export}: line 3: title: missing; every entry needs a title\n"
    entry = indexer.stored_entries(tmp_path / "index", ["A-1"])[0]
    assert (entry.source, entry.entry.date.isoformat()) == ("csv:Members-Export", "2024-05-01")


def test_sync_applies_staff_choices_from_the_staff_database(runner, site, tmp_path):
    db_file = tmp_path / "staff.sqlite3"
    solar, nurses = stable_id("geo-news-101"), stable_id("geo-news-102")
    conn = open_db(db_file)
    set_override(conn, solar, ("housing",), "librarian@example.org")
    save_pushed(conn, indexer.Entry.from_mapping({"id": nurses, "title": "From the CMS"}), "cms@example.org")
    conn.close()
    index_dir = tmp_path / "index"
    result = run(
        runner, "sync", "--sources", site.sources, "--index", index_dir, "--db", db_file, "--only", "news"
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == "feed news: added 3, updated 0, deleted 0, unchanged 0, failed 0\n"
    assert f"warning: news: {site.url('/feeds/news.rss')}:16: {nurses!r} is an entry pushed" in result.stderr
    stored = {s.entry.id: s for s in indexer.stored_entries(index_dir)}
    assert (stored[solar].themes, stored[solar].theme_source) == (("housing",), "curated")
    assert (stored[nurses].source, stored[nurses].entry.title) == ("api", "From the CMS")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("30m", 1800), ("2h", 7200), ("1h30m", 5400), ("1d", 86400), ("45", 45)],
)
def test_durations(text, seconds):
    assert DURATION.convert(text, None, None) == seconds


@pytest.mark.parametrize("text", ["soon", "30x", "m", "0s", "-5m", ""])
def test_bad_durations(text):
    with pytest.raises(click.BadParameter):
        DURATION.convert(text, None, None)


def test_serve_rejects_sources_without_sync_every(runner, tmp_path):
    result = run(runner, "serve", "--index", tmp_path / "index", "--sources", tmp_path / "s.toml")
    assert result.exit_code == 2
    assert "--sources is for --sync-every" in result.stderr


def test_serve_refuses_to_start_with_a_bad_sources_file(runner, tmp_path):
    result = run(
        runner, "serve", "--index", tmp_path / "index", "--sync-every", "1m", "--sources", tmp_path / "s.toml"
    )
    assert result.exit_code == 2
    assert f"--sync-every: {tmp_path / 's.toml'}: no such sources file" in result.stderr


# -- serve --sync-every, for real ----------------------------------------------------------


def search_ids(base: str) -> list[str]:
    try:
        with urllib.request.urlopen(base + "/api/v1/search?per_page=50", timeout=2) as response:
            return [hit["id"] for hit in json.load(response)["hits"]]
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return []


def wait_for(condition, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"not within {timeout}s; server log:\n{log.read_text(errors='replace')}")


def children(pid: int) -> list[tuple[int, str]]:
    """(pid, command line) of the live child processes of `pid`, read from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append((int(stat.parent.name), cmdline))
    return found


def test_serve_sync_every_keeps_the_index_in_sync_from_one_process(site: Site, tmp_path):
    sources = tmp_path / "news.toml"
    sources.write_text(
        f'[fetch]\ndelay = 0\n[feeds.news]\nurl = "{site.url("/feeds/news.rss")}"\n', encoding="utf-8"
    )
    port, log = _free_port(), tmp_path / "serve.log"
    command = [COOPSEARCH, "serve", "--index", tmp_path / "index", "--port", port, "--workers", "2"]
    command += ["--sync-every", "1s", "--sources", sources]
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(c) for c in command], stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **ENV}
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: len(search_ids(base)) == 4, 30, log)
        kids = children(proc.pid)
        syncs = [pid for pid, cmd in kids if " sync " in cmd]
        assert len(syncs) == 1, kids  # one sync process beside the master, not one per worker
        assert len(kids) == 3, kids  # and the two workers
        site.edit(
            "feeds/news.rss",
            "<title>Bakery workers buy their shop</title>",
            "<title>Bakers buy the bakery</title>",
        )
        site.edit(
            "feeds/news.rss",
            "</channel>",
            '<item><title>A new item</title><guid isPermaLink="false">n-5</guid></item></channel>',
        )
        wait_for(lambda: stable_id("n-5") in search_ids(base), 15, log)
        assert "feed news: added 4, updated 0, deleted 0, unchanged 0, failed 0" in log.read_text()
        assert "feed news: added 1, updated 1, deleted 0, unchanged 3, failed 0" in log.read_text()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and Path(f"/proc/{syncs[0]}").exists():
        time.sleep(0.2)
    assert not _alive(syncs[0]), "the sync process outlived the server"


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
