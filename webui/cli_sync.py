"""`coopsearch sync`: bring the index up to date with the sources file, once or every so often.

`coopsearch serve --sync-every 30m` starts `coopsearch sync --every 30m` as one process beside
gunicorn (see `webui.server`), never one per worker.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
import time
from pathlib import Path

import click

from indexer import (
    SourceReport,
    SourcesConfig,
    SourcesFileError,
    csv_sources,
    read_sources_file,
    sync_sources,
)

from .cli_options import cli_settings, index_option, themes_option, themes_to_index
from .cli_staff import db_option
from .config import Settings
from .curation import read_curation

DEFAULT_SOURCES = Path("sources.toml")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)([smhd]?)")


class Duration(click.ParamType):
    """A length of time: "90s", "30m", "2h", "1h30m", "1d"; a bare number is seconds."""

    name = "duration"

    def convert(self, value, param, ctx) -> float:
        if isinstance(value, (int, float)):
            return float(value)
        text = str(value).strip().lower().replace(" ", "")
        if not text or _DURATION.sub("", text):
            self.fail(f"{value!r} is not a duration; write it like 90s, 30m, 2h or 1h30m", param, ctx)
        seconds = sum(float(number) * _UNITS[unit] for number, unit in _DURATION.findall(text))
        if seconds <= 0:
            self.fail(f"{value!r}: a duration must be longer than 0", param, ctx)
        return seconds


DURATION = Duration()


@click.command()
@click.option(
    "--sources",
    "sources_file",
    type=click.Path(path_type=Path),
    help="The sources file (TOML) [default sources.toml].",
)
@click.option("--only", multiple=True, help="Sync only the source of this name (repeatable).")
@click.option("--csv", "csv_files", multiple=True, help="Also sync this CSV file or URL (repeatable).")
@click.option(
    "--column",
    "columns",
    multiple=True,
    help="FIELD=HEADER: the column of --csv files holding an entry field (repeatable).",
)
@click.option("--full", is_flag=True, help="Fetch every page again, even those whose lastmod is unchanged.")
@click.option("--strict", is_flag=True, help="Exit with status 1 if anything was skipped.")
@click.option(
    "--wait",
    type=float,
    default=10.0,
    show_default=True,
    help="Seconds to wait for another indexing run to let go of the index.",
)
@click.option("--every", type=DURATION, help="Keep running: sync again every DURATION (90s, 30m, 2h).")
@click.option("--stop-with-parent", is_flag=True, hidden=True)
@index_option
@themes_option
@db_option
def sync(
    sources_file: Path | None,
    only: tuple[str, ...],
    csv_files: tuple[str, ...],
    columns: tuple[str, ...],
    full: bool,
    strict: bool,
    wait: float,
    every: float | None,
    stop_with_parent: bool,
    index_dir: Path | None,
    themes_file: Path | None,
    db_file: Path | None,
) -> None:
    """Bring every source of the sources file up to date: feeds, CSV exports, web pages, folders.

    Prints per source: added, updated, deleted, unchanged, failed; each problem goes to
    stderr with its file or URL and position. Staff's pushed entries, theme choices and theme
    edits come from the staff database, as for `coopsearch index`.
    """
    if columns and not csv_files:
        raise click.UsageError("--column is for --csv files")
    settings = cli_settings(index_dir=index_dir, themes_file=themes_file, db_file=db_file)
    options = _Options(
        settings, themes_to_index(settings, themes_file), sources_file, only, csv_files, columns
    )
    if every is None:
        sys.exit(options.run(full, strict, wait))
    parent = os.getppid()
    while True:
        click.echo(f"sync at {dt.datetime.now().astimezone().isoformat(timespec='seconds')}")
        options.run(full, strict, wait)
        full = False
        if not _pause(every, parent if stop_with_parent else None):
            return


class _Options:
    """What one `coopsearch sync` run needs, read again at every run of --every."""

    def __init__(
        self,
        settings: Settings,
        themes: Path | None,
        sources_file: Path | None,
        only: tuple[str, ...],
        csv_files: tuple[str, ...],
        columns: tuple[str, ...],
    ) -> None:
        self.settings = settings
        self.themes = themes
        self.sources_file = sources_file
        self.only = only
        self.csv_files = csv_files
        self.columns = columns

    def config(self) -> SourcesConfig:
        path = self.sources_file or DEFAULT_SOURCES
        if self.sources_file or path.exists() or not self.csv_files:
            config = read_sources_file(path)
        else:
            config = SourcesConfig()
        if self.csv_files:
            config = config.with_sources(csv_sources(self.csv_files, self.columns))
        return config.only(self.only) if self.only else config

    def run(self, full: bool, strict: bool, wait: float) -> int:
        """One sync of every source; the exit status (2: bad sources file, 1: a source failed)."""
        try:
            config = self.config()
        except SourcesFileError as exc:
            click.echo(f"error: {exc}", err=True)
            return 2
        reports = sync_sources(
            self.settings.index_dir,
            config,
            themes_file=self.themes,
            wait=wait,
            curation=lambda: read_curation(self.settings.staff_db),
            full=full,
        )
        for report in reports:
            _print(report)
        if any(r.error for r in reports):
            return 1
        return 1 if strict and any(r.failed for r in reports) else 0


def _print(report: SourceReport) -> None:
    click.echo(report.summary())
    for problem in report.problems:
        click.echo(f"{report.name}: {problem}", err=True)
    for warning in report.warnings:
        click.echo(f"warning: {report.name}: {warning}", err=True)


def _pause(seconds: float, parent: int | None) -> bool:
    """Sleep until the next run; False if the parent process (the server) has gone."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        time.sleep(min(left, 1.0))
        if parent is not None and os.getppid() != parent:
            return False
    return True


def sync_command(settings: Settings, every: float, sources_file: Path | None) -> list[str]:
    """The command line of the sync process that `coopsearch serve --sync-every` runs beside it.

    Checks the sources file first, so that a bad one stops the server from starting.
    """
    try:
        read_sources_file(sources_file or DEFAULT_SOURCES)
    except SourcesFileError as exc:
        raise click.UsageError(f"--sync-every: {exc}") from exc
    command = [sys.executable, "-m", "webui.cli", "sync", "--every", f"{every:f}", "--stop-with-parent"]
    command += ["--index", str(Path(settings.index_dir).resolve())]
    if sources_file:
        command += ["--sources", str(sources_file.resolve())]
    return command
