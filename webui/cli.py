"""The `coopsearch` command: index, search, evaluate, serve, themes (and, from their own
modules, staff, backup and sync).

Every command reads its settings through `Settings.from_env`, so `--index` and the
COOPSEARCH_INDEX variable mean the same thing everywhere.
"""

from __future__ import annotations

import errno
import json
import os
import sys
from pathlib import Path

import click

from indexer import IndexLocked, IndexReport, SourceError, evaluate_themes, index_sources, load_sources
from search import (
    SET_KINDS,
    SORTS,
    BadRequest,
    IndexUnavailable,
    SearchEngine,
    SearchRequest,
    ThemesFileError,
    evaluate_kinds,
    load_qrels,
    load_queries,
    load_query_kinds,
    load_themes,
    parse_date,
)
from search import (
    evaluate as run_evaluation,
)

from . import judgments, notices
from .cli_options import cli_settings, index_option, themes_option, themes_to_index
from .cli_staff import backup, db_option, staff
from .cli_sync import DURATION, sync, sync_command
from .config import Settings
from .curation import read_curation
from .db import DatabaseError, open_db


def _engine(settings: Settings) -> SearchEngine:
    return SearchEngine(settings.index_dir, settings.synonyms_file)


@click.group()
@click.version_option(package_name="coopsearch")
def main() -> None:
    """coopsearch: the search service of the co-op library."""


@main.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--rebuild", is_flag=True, help="Build a fresh index aside and switch to it.")
@click.option("--strict", is_flag=True, help="Exit with status 1 if any entry was skipped.")
@click.option(
    "--wait",
    type=float,
    default=0.0,
    show_default=True,
    help="Seconds to wait for another indexer to finish.",
)
@click.option(
    "--procs",
    type=click.IntRange(1, 16),
    default=min(os.cpu_count() or 1, 2),
    show_default="2, or 1 on a one-core machine",
    help="Processes for a full build.",
)
@index_option
@themes_option
@db_option
def index(
    sources: tuple[Path, ...],
    rebuild: bool,
    strict: bool,
    wait: float,
    procs: int,
    index_dir: Path | None,
    themes_file: Path | None,
    db_file: Path | None,
) -> None:
    """Index SOURCES (folders of Markdown, .md or .jsonl files); only changes are rewritten.

    Entries pushed through the API, staff's theme overrides and theme edits come from the
    staff database, read once the index is locked, so a rebuild keeps them.
    """
    settings = cli_settings(index_dir=index_dir, themes_file=themes_file, db_file=db_file)
    themes = themes_to_index(settings, themes_file)
    try:
        report = index_sources(
            settings.index_dir,
            list(sources),
            rebuild=rebuild,
            themes_file=themes,
            wait=wait,
            procs=procs,
            progress=True,
            curation=lambda: read_curation(settings.staff_db),
        )
    except (SourceError, ThemesFileError, IndexLocked, DatabaseError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except OSError as exc:
        click.echo(f"error: {_write_failure(settings.index_dir, exc)}", err=True)
        sys.exit(2)
    _print_report(report)
    if strict and report.skipped:
        sys.exit(1)


def _write_failure(index_dir: Path, exc: OSError) -> str:
    """What a librarian should know when the index could not be written: a rebuild is built
    aside and an update is one atomic commit, so the index being served is unchanged."""
    unchanged = "the index was left as it was (the version being served, if any, still is)"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return (
            f"the disk holding {index_dir} is full ({exc.strerror}); {unchanged}. "
            "Free some space there (or move the index to a larger disk) and run this again."
        )
    where = f" ({exc.filename})" if exc.filename else ""
    return f"could not write the index at {index_dir}: {exc.strerror or exc}{where}; {unchanged}."


def _print_report(report: IndexReport) -> None:
    for error in report.errors:
        click.echo(str(error), err=True)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(report.summary())


@main.command()
@click.argument("text", nargs=-1)
@click.option("--theme", "themes", multiple=True, help="Only these themes (repeatable: any of them).")
@click.option("--author", "authors", multiple=True, help="Only these authors (repeatable).")
@click.option("--type", "types", multiple=True, help="Only these types (repeatable).")
@click.option("--from", "date_from", help="Dated on or after (2020, June 2023, 2023-06-16).")
@click.option("--to", "date_to", help="Dated on or before (the end of a year or month given).")
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True)
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option("--per-page", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON instead of text.")
@index_option
def search(
    text: tuple[str, ...],
    themes: tuple[str, ...],
    authors: tuple[str, ...],
    types: tuple[str, ...],
    date_from: str | None,
    date_to: str | None,
    sort: str,
    page: int,
    per_page: int,
    as_json: bool,
    index_dir: Path | None,
) -> None:
    """Search the index for TEXT, with optional filters."""
    settings = cli_settings(index_dir=index_dir)
    try:
        request = SearchRequest(
            query=" ".join(text),
            themes=themes,
            authors=authors,
            types=tuple(t.lower() for t in types),
            date_from=parse_date(date_from, "from").first_day() if date_from else None,
            date_to=parse_date(date_to, "to").last_day() if date_to else None,
            sort=sort,
            page=page,
            per_page=per_page,
        )
        results = _engine(settings).search(request)
    except BadRequest as exc:
        raise click.BadParameter(exc.message, param_hint=exc.param) from exc
    except IndexUnavailable as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(results.to_dict(), indent=2, ensure_ascii=False))
        return
    _print_results(results)


def _print_results(results) -> None:
    first = (results.request.page - 1) * results.request.per_page + 1
    shown = f"{first}-{first + len(results.hits) - 1} shown, " if results.hits else ""
    click.echo(f"{results.total} results ({shown}{results.took_ms:.1f} ms)")
    for line in notices.lines(results):
        click.echo(line)
    if results.suggestion:
        click.echo(f"Did you mean: {results.suggestion}")
    for hit in results.hits:
        meta = ", ".join(
            filter(
                None,
                [
                    hit.date or "undated",
                    "; ".join(hit.authors),
                    hit.type,
                    "/".join(hit.themes) + (" (auto)" if hit.theme_source == "auto" else ""),
                ],
            )
        )
        click.echo(f"\n{click.style(hit.title, bold=True)}  [{hit.id}]\n  {meta}")
        snippet = hit.snippet.replace("<mark>", "\033[7m" if sys.stdout.isatty() else "[").replace(
            "</mark>", "\033[0m" if sys.stdout.isatty() else "]"
        )
        click.echo("  " + " ".join(_unescape(snippet).split()))
    for name, values in results.facets.items():
        listed = ", ".join(f"{v.value} ({v.count})" for v in values[:8])
        click.echo(f"\n{name}: {listed}")


def _unescape(html: str) -> str:
    import html as htmllib

    return htmllib.unescape(html)


@main.command()
@click.option(
    "--queries",
    type=click.Path(exists=True, path_type=Path),
    help="Judged queries, JSON Lines with id and text.",
)
@click.option(
    "--qrels",
    type=click.Path(exists=True, path_type=Path),
    help="Judgments: TSV query-id, doc-id, relevance (header line first).",
)
@click.option(
    "--judgments",
    "use_judgments",
    is_flag=True,
    help="Use the staff's relevance judgments in the staff database instead of --queries/--qrels.",
)
@db_option
@click.option(
    "--run",
    "run_file",
    type=click.Path(path_type=Path),
    help="Also write the TREC run (qid Q0 docid rank score tag) here.",
)
@click.option("--tag", default="coopsearch", show_default=True, help="Run tag in the TREC file.")
@index_option
def evaluate(
    queries: Path | None,
    qrels: Path | None,
    use_judgments: bool,
    db_file: Path | None,
    run_file: Path | None,
    tag: str,
    index_dir: Path | None,
) -> None:
    """Score the index's rankings against relevance judgments: files (--queries and --qrels,
    e.g. CACM) or the staff's own judgments (--judgments)."""
    settings = cli_settings(index_dir=index_dir, db_file=db_file)
    loaded, judged = _test_set(settings, queries, qrels, use_judgments)
    kinded = load_query_kinds(queries) if queries and not use_judgments else []
    out = open(run_file, "w", encoding="utf-8") if run_file else None
    failures: list[tuple[str, str]] = []
    try:
        engine = _engine(settings)
        scores = run_evaluation(engine, loaded, judged, run_out=out, tag=tag, failures=failures)
        by_kind = evaluate_kinds(engine, kinded, judged) if any(k for _, _, k in kinded) else {}
    except IndexUnavailable as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    finally:
        if out:
            out.close()
    for qid, reason in failures:
        click.echo(f"query {qid}: could not be run ({reason}); scored 0", err=True)
    click.echo(f"queries     {scores['queries']}")
    for name in ("ndcg@10", "map@100", "p@10", "recall@100"):
        click.echo(f"{name:<11} {scores[name]:.4f}")
    if by_kind:
        _print_kinds(by_kind)


def _print_kinds(by_kind: dict[str, dict[str, float]]) -> None:
    """nDCG@10 and top-3 per kind of query; the whole result set's precision and recall for
    the kinds whose result sets were judged (keyword, name and theme queries)."""
    click.echo("")
    click.echo(f"{'kind':<20} {'queries':>7} {'ndcg@10':>8} {'top3':>6} {'set P':>6} {'set R':>6}")
    for kind, row in sorted(by_kind.items(), key=lambda kv: (kv[0] == "all", "+" in kv[0], kv[0])):
        judged_sets = kind in SET_KINDS or kind == "keyword+name+theme"
        precision = f"{row['set_precision']:6.3f}" if judged_sets else f"{'':6}"
        recall = f"{row['set_recall']:6.3f}" if judged_sets else f"{'':6}"
        counts = f"{kind:<20} {int(row['queries']):>7} {row['ndcg@10']:8.4f} {row['top3']:6.3f}"
        click.echo(f"{counts} {precision} {recall}")


def _test_set(
    settings: Settings, queries: Path | None, qrels: Path | None, use_judgments: bool
) -> tuple[list[tuple[str, str]], dict[str, dict[str, int]]]:
    """The judged queries and judgments: from the two files, or from the staff database."""
    if use_judgments:
        if queries or qrels:
            raise click.UsageError("give either --judgments or --queries and --qrels, not both")
        try:
            conn = open_db(settings.staff_db)
        except DatabaseError as exc:
            raise click.ClickException(str(exc)) from exc
        try:
            loaded, judged = judgments.as_test_set(conn)
        finally:
            conn.close()
        if not loaded:
            raise click.ClickException(f"there are no relevance judgments in {settings.staff_db} yet")
        return loaded, judged
    if not (queries and qrels):
        raise click.UsageError("give --queries and --qrels, or --judgments")
    try:
        return load_queries(queries), load_qrels(qrels)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc


@main.command()
@click.option("--host", help="Address to listen on [env COOPSEARCH_HOST; default 127.0.0.1].")
@click.option("--port", type=int, help="Port [env COOPSEARCH_PORT; default 8000].")
@click.option("--workers", type=int, help="Worker processes [env COOPSEARCH_WORKERS; default 2].")
@click.option("--threads", type=int, help="Threads per worker [env COOPSEARCH_THREADS; default 8].")
@click.option(
    "--proxies",
    type=int,
    help="Proxies in front whose X-Forwarded-* headers are trusted [env COOPSEARCH_PROXIES; default 0].",
)
@click.option(
    "--sync-every",
    type=DURATION,
    help="Also sync the sources every DURATION (90s, 30m, 2h), in one process beside the server.",
)
@click.option(
    "--sources",
    "sources_file",
    type=click.Path(path_type=Path),
    help="Sources file for --sync-every [default sources.toml].",
)
@index_option
def serve(
    host: str | None,
    port: int | None,
    workers: int | None,
    threads: int | None,
    proxies: int | None,
    sync_every: float | None,
    sources_file: Path | None,
    index_dir: Path | None,
) -> None:
    """Serve the web pages and the JSON API with gunicorn (and keep the sources in sync)."""
    from .server import run

    settings = cli_settings(
        host=host, port=port, workers=workers, threads=threads, proxies=proxies, index_dir=index_dir
    )
    if sources_file and not sync_every:
        raise click.UsageError("--sources is for --sync-every")
    run(settings, sync_command(settings, sync_every, sources_file) if sync_every else None)


@main.group()
def themes() -> None:
    """Inspect the automatic theme assignment."""


@themes.command("evaluate")
@click.argument("sources", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@themes_option
def themes_evaluate(sources: tuple[Path, ...], themes_file: Path | None) -> None:
    """Precision and recall of automatic themes against the curated themes of SOURCES."""
    settings = cli_settings(themes_file=themes_file)
    try:
        by_id = load_themes(settings.themes_file)
    except ThemesFileError as exc:
        raise click.UsageError(str(exc)) from exc
    report = IndexReport()
    entries = [e for e, _ in load_sources(list(sources), report)]
    rows = evaluate_themes(entries, by_id)
    click.echo(f"{'theme':<12} {'curated':>7} {'assigned':>8} {'correct':>7} {'precision':>9} {'recall':>6}")
    for r in rows:
        click.echo(
            f"{r.theme:<12} {r.curated:>7} {r.assigned:>8} {r.correct:>7} "
            f"{r.precision:>9.2f} {r.recall:>6.2f}"
        )
    cur, asg, cor = (sum(getattr(r, k) for r in rows) for k in ("curated", "assigned", "correct"))
    click.echo(
        f"{'all (micro)':<12} {cur:>7} {asg:>8} {cor:>7} {cor / max(asg, 1):>9.2f} {cor / max(cur, 1):>6.2f}"
    )


main.add_command(staff)
main.add_command(backup)
main.add_command(sync)

if __name__ == "__main__":  # `python -m webui.cli`, as `coopsearch serve --sync-every` runs `sync`
    main()
