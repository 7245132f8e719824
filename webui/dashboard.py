"""Staff pages on what visitors search for and on relevance: the analytics dashboard, its CSV
export, adding a synonym for a query that found nothing, and relevance judgments.

Every view is `staff_required`; responses are never stored (Cache-Control: no-store). The
search page shows the judgment buttons to logged-in staff through the template globals
registered here (`judgment_grades`, `staff_page_data`). Loads of the embeddable search page
are counted as iframe views by an `after_request` hook registered here too.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from collections.abc import Iterator
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask_wtf.csrf import generate_csrf

from search import SearchRequest

from . import accounts, analytics, judgments
from .analytics import Period
from .auth import actor, current_account, staff_required
from .config import Settings
from .db import get_db, open_db
from .engine import get_engine

bp = Blueprint("analytics", __name__, url_prefix="/staff")

DEFAULT_DAYS = 84  # twelve weeks: enough weeks for the chart to show a trend
MAX_DAYS = 3660
#: The dates a period may use: searches are recorded with the clock, so none is before 1970,
#: and a period's weeks and CSV rows reach a few days past its ends, which must stay dates.
FIRST_DAY = dt.date(1970, 1, 1)
LAST_DAY = dt.date(9998, 12, 31)
CHART_HEIGHT = 80
CHART_BAR = 16


@bp.record_once
def _setup(state: BlueprintSetupState) -> None:
    app: Flask = state.app
    app.config.setdefault("COOPSEARCH_STAFF_LINKS", []).extend(
        [("analytics.dashboard", "Searches"), ("analytics.judgments_page", "Judgments")]
    )
    app.add_template_global(_grades_for_page, "judgment_grades")
    app.after_request(analytics.track_embed_view)
    app.add_template_global(_staff_page_data, "staff_page_data")
    settings = app.config["COOPSEARCH"]
    conn = open_db(settings.staff_db)
    try:
        analytics.prune(conn, settings.analytics_days)
    finally:
        conn.close()


@bp.after_request
def private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction (the connection is in autocommit mode); also a lock between
    workers, since BEGIN IMMEDIATE waits for any other writer."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


# -- the search page's staff controls ----------------------------------------------------


def _grades_for_page(query: str) -> dict[str, int]:
    return judgments.grades(get_db(), query) if current_account() and query.strip() else {}


def _staff_page_data() -> dict | None:
    """What app.js needs to render the judgment buttons itself, for staff only."""
    if current_account() is None:
        return None
    return {
        "csrf": generate_csrf(),
        "judge": url_for("analytics.judge"),
        "grades": url_for("analytics.judgment_grades"),
    }


# -- the dashboard -----------------------------------------------------------------------


def _day(name: str) -> dt.date | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        abort(400, f"{name} must be a date written YYYY-MM-DD, not {raw[:40]!r}")
    if not FIRST_DAY <= day <= LAST_DAY:
        abort(400, f"{name} must be a date from {FIRST_DAY} to {LAST_DAY}, not {day}")
    return day


def _period() -> Period:
    today = dt.datetime.now(dt.UTC).date()
    end = _day("to") or today
    start = _day("from") or max(FIRST_DAY, end - dt.timedelta(days=DEFAULT_DAYS - 1))
    if start > end:
        abort(400, f"from ({start}) is after to ({end})")
    if (end - start).days >= MAX_DAYS:
        abort(400, f"choose a period of at most {MAX_DAYS} days")
    return Period(start, end)


def _presets(today: dt.date) -> list[tuple[str, dict[str, str]]]:
    kept = current_settings().analytics_days
    choices = [("Last 7 days", 7), ("Last 4 weeks", 28), ("Last 12 weeks", DEFAULT_DAYS)]
    choices.append((f"Everything kept ({kept} days)", kept))
    return [
        (label, {"from": (today - dt.timedelta(days=days - 1)).isoformat(), "to": today.isoformat()})
        for label, days in choices
    ]


def current_settings() -> Settings:
    return current_app.config["COOPSEARCH"]


def _chart(weeks: list[analytics.Week]) -> dict:
    top = max((w.searches for w in weeks), default=0) or 1
    bars = []
    for i, week in enumerate(weeks):
        height = CHART_HEIGHT * week.searches / top if week.searches else 0
        bars.append({"week": week, "x": i * CHART_BAR, "height": max(height, 1 if week.searches else 0)})
    return {"bars": bars, "width": max(len(weeks), 1) * CHART_BAR, "height": CHART_HEIGHT, "top": top}


def _results_now(queries: list[str]) -> dict[str, int]:
    """How many entries each query finds today (no filters): shows a synonym taking effect."""
    engine = get_engine()
    return {
        q: engine.search(SearchRequest(query=q, per_page=1, facets=False, snippets=False)).total
        for q in queries
    }


def _ranking_scores() -> tuple[judgments.Score | None, judgments.Score | None]:
    db = get_db()
    if not db.execute("SELECT 1 FROM judgments LIMIT 1").fetchone():
        return None, None
    return judgments.scores(get_engine(), db)


@bp.get("/analytics")
@staff_required
def dashboard() -> str:
    period, db = _period(), get_db()
    zero = analytics.zero_result_queries(db, period)
    current, previous = _ranking_scores()
    return render_template(
        "staff/analytics.html",
        period=period,
        presets=_presets(dt.datetime.now(dt.UTC).date()),
        totals=analytics.totals(db, period),
        top=analytics.top_queries(db, period),
        zero=zero,
        results_now=_results_now([row.query for row in zero]),
        unopened=analytics.unopened_queries(db, period),
        sites=analytics.other_sites(db, period),
        site_scopes=analytics.other_sites(db, period, by_scope=True),
        frame_site=analytics.FRAME_SITE,
        chart=_chart(analytics.weekly(db, period)),
        synonyms_file=current_settings().synonyms_file,
        current=current,
        previous=previous,
    )


@bp.get("/analytics.csv")
@staff_required
def csv_export() -> Response:
    period = _period()
    body = analytics.to_csv(analytics.csv_rows(get_db(), period))
    name = f"searches-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _back_to_dashboard() -> Response:
    keep = {k: request.form[k] for k in ("from", "to") if request.form.get(k)}
    return redirect(url_for("analytics.dashboard", **keep))


@bp.post("/analytics/synonyms")
@staff_required
def add_synonym() -> Response:
    path = current_settings().synonyms_file
    if path is None:
        abort(400, "No synonyms file is configured (COOPSEARCH_SYNONYMS is empty).")
    form = request.form
    db = get_db()
    try:
        rule = analytics.synonym_rule(form.get("query", ""), form.get("words", ""), bool(form.get("both")))
        with transaction(db):  # one staff member at a time edits the file
            analytics.append_synonym(path, rule)
            accounts.audit(db, actor(), "synonym.add", path.name, rule)
    except analytics.SynonymError as exc:
        flash(f"Synonym not added: {exc}.")
        return _back_to_dashboard()
    flash(f"Added “{rule}” to {path.name}; searches use it from now on.")
    return _back_to_dashboard()


# -- judgments ---------------------------------------------------------------------------


@bp.get("/judgments")
@staff_required
def judgments_page() -> str:
    db = get_db()
    query = analytics.normalize(request.args.get("q", ""))
    current, previous = _ranking_scores()
    return render_template(
        "staff/judgments.html",
        queries=judgments.judged_queries(db),
        query=query,
        rows=judgments.judgments_of(db, query) if query else [],
        current=current,
        previous=previous,
    )


@bp.get("/judgments/grades")
@staff_required
def judgment_grades() -> Response:
    """{entry id: grade} for one query, for app.js to show on results it renders."""
    query = request.args.get("q", "")
    return jsonify({"query": analytics.normalize(query), "grades": judgments.grades(get_db(), query)})


def _local(target: str | None) -> str:
    """Only a path on this site: a form must not send staff elsewhere."""
    if not target or not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return url_for("analytics.judgments_page")
    return target


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json"


def _refuse(message: str) -> Response:
    if _wants_json():
        response = jsonify({"error": {"code": "invalid_judgment", "message": message, "param": None}})
        response.status_code = 422
        return response
    abort(422, message)


@bp.post("/judgments")
@staff_required
def judge() -> Response:
    form = request.form
    entry_id = form.get("entry_id", "").strip()
    if form.get("grade") not in ("0", "1"):
        return _refuse("choose relevant (grade 1) or not relevant (grade 0)")
    if entry_id and get_engine().get_entry(entry_id, related=0) is None:
        return _refuse(f"there is no entry {entry_id[:80]!r} in the library")
    grade, db = int(form["grade"]), get_db()
    try:
        with transaction(db):
            query = judgments.judge(db, form.get("q", ""), entry_id, grade, actor())
            label = "relevant" if grade else "not relevant"
            accounts.audit(db, actor(), "judgment.set", f"{query} → {entry_id}", label)
    except judgments.JudgmentError as exc:
        return _refuse(str(exc))
    if _wants_json():
        return jsonify({"query": query, "entry_id": entry_id, "grade": grade})
    return redirect(_local(form.get("next")))
