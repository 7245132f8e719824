"""Server time per request of the web app, next to the engine's own time for the same search.

    python -m benchmarks.web [--count 10000] [--seed 1] [--workdir DIR] [--rounds 3]

For every query of the benchmark mix, five ways of running it are timed one after the other:

- engine     `SearchEngine.search(request)` with the request the search page made;
- api        GET /api/v1/search through Flask's test client (routing, params, search, JSON);
- page       GET /search through the test client (the whole HTML page);
- http_api   the same URL over HTTP to `coopsearch serve` (gunicorn, one worker), wall time
             of urllib in this process, so loopback TCP and HTTP parsing are included;
- http_page  likewise for the page.

The five are interleaved per query, in an order that rotates with the query and the round,
so machine noise and cache state fall on all of them alike. The engine is timed with the
very requests the page passed to it (recorded in a first pass), so the comparison holds
whatever the page adds over time. A `Server-Timing` header, when the app sends one, is
recorded too, and with it, request by request, the app's time around the engine (app - engine)
and the time outside the app (client - app: WSGI, gunicorn, loopback, urllib). Percentiles
are numpy's (linear interpolation), over all query x round samples. A table goes to stdout
and every figure, with every sample, to WORKDIR/web-results.json. Any answer other than 200
stops the run, except that a mode failing on the very first query is reported and left out
(the exit status is then 1), so a broken page does not cost the API its figures.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from benchmarks.common import BenchQuery, fresh_dir
from benchmarks.generate import cached_entries
from benchmarks.ours import records
from benchmarks.phases import PAGE, latency
from benchmarks.run import log, machine
from benchmarks.sample import DEFAULT_CORPUS, REPO_ROOT, Sample, load_sample
from benchmarks.workload import query_mix

MODES = ("engine", "api", "page", "http_api", "http_page")
PATHS = {"api": "/api/v1/search", "page": "/search"}
THEMES_FILE = REPO_ROOT / "corpus" / "themes.toml"
SYNONYMS_FILE = REPO_ROOT / "corpus" / "synonyms.txt"
COOPSEARCH = Path(sys.executable).parent / "coopsearch"
START_TIMEOUT = 60.0
# An opener without proxies: an http_proxy in the environment must not reroute loopback.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class BenchFailure(RuntimeError):
    """A request that did not answer 200: the figures would not mean what they say."""


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.web",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--count", type=int, default=10_000, help="entries in the index")
    parser.add_argument("--seed", type=int, default=1, help="seed for entries and queries")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "coopsearch-bench",
        help="generated entries, the index and web-results.json go here",
    )
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds after one warm-up")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="sample library")
    return parser.parse_args(argv)


# -- the index ---------------------------------------------------------------------------


def prepared_index(workdir: Path, entries: Sequence[dict], seed: int, sample: Sample) -> Path:
    """Our index of `entries`, built once per (count, seed, sample) and reused afterwards.

    The themes file is given, as `coopsearch index` gives it, so the page shows theme labels
    and the API checks theme filters against the real list.
    """
    from indexer import rebuild

    folder = workdir / "indexes" / f"web-{len(entries)}-seed{seed}-{sample.digest[:10]}"
    index_dir, marker = folder / "index", folder / "built.json"
    if marker.exists():
        log(f"reusing the index in {index_dir}")
        return index_dir
    fresh_dir(folder)
    log(f"building the index of {len(entries):,} entries in {index_dir}")
    report = rebuild(index_dir, records(entries), THEMES_FILE, procs=2)
    marker.write_text(json.dumps({"entries": len(entries), "seconds": report.seconds}) + "\n")
    return index_dir


# -- the real server ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def served(index_dir: Path, log_path: Path) -> Iterator[str]:
    """`coopsearch serve` on a free port of 127.0.0.1, as tests/conftest.py starts it.

    One worker: the client sends one request at a time, and a single worker is then warmed
    by the warm-up round for certain; the access log goes to a file, not to our terminal.
    """
    port = free_port()
    env = {
        **os.environ,
        "COOPSEARCH_SYNONYMS": str(SYNONYMS_FILE),
        "COOPSEARCH_THEMES": str(THEMES_FILE),
        "COOPSEARCH_RATE_LIMIT": "off",  # one client sending thousands of requests on purpose
    }
    command = [str(COOPSEARCH), "serve", "--index", str(index_dir), "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", "1"]
    with open(log_path, "wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(proc, base, log_path)
        yield base
    finally:
        stop(proc)


def wait_until_serving(proc: subprocess.Popen, base: str, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchFailure(f"coopsearch serve exited with {proc.returncode}:\n{log_path.read_text()}")
        with contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError):
            with OPENER.open(base + PATHS["api"] + "?per_page=1", timeout=2) as response:
                if response.status == 200:
                    return
        time.sleep(0.1)
    raise BenchFailure(f"coopsearch serve did not answer in {START_TIMEOUT}s:\n{log_path.read_text()}")


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM, as an operator would; kill only if gunicorn does not exit in time."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# -- one request -------------------------------------------------------------------------


def query_string(query: BenchQuery) -> str:
    """What the search form sends for this query: q and at most one filter."""
    args = [("q", query.text)]
    if query.theme:
        args.append(("theme", query.theme))
    if query.type:
        args.append(("type", query.type))
    if query.year_from is not None:
        args += [("from", str(query.year_from)), ("to", str(query.year_to))]
    return urlencode(args + [("per_page", str(PAGE))])


def server_timing(header: str | None) -> dict[str, float]:
    """`engine;dur=3.1, app;dur=4.0` -> {"engine": 3.1, "app": 4.0}; metrics without dur skipped."""
    metrics: dict[str, float] = {}
    for metric in (header or "").split(","):
        name, *params = (part.strip() for part in metric.split(";"))
        for param in params:
            key, _, value = param.partition("=")
            if name and key.strip() == "dur":
                with contextlib.suppress(ValueError):
                    metrics[name] = float(value.strip().strip('"'))
    return metrics


@dataclass
class Timing:
    """One timed request: client-side milliseconds and any Server-Timing durations."""

    ms: float
    server: dict[str, float] = field(default_factory=dict)


class Runner:
    """Runs one query in one mode; every mode takes the query's index in the mix."""

    def __init__(self, client: Any, engine: Any, base: str, queries: Sequence[BenchQuery]) -> None:
        self.client, self.search_engine, self.base = client, engine, base
        self.urls = [query_string(q) for q in queries]
        self.requests: list[Any] = []  # the page's first engine request per query, see capture

    def run(self, mode: str, number: int) -> Timing:
        return getattr(self, f"time_{mode}")(number)

    def time_engine(self, number: int) -> Timing:
        request = self.requests[number]
        started = time.perf_counter()
        self.search_engine.search(request)
        return Timing((time.perf_counter() - started) * 1000)

    def _test_client(self, path: str, number: int) -> Timing:
        url = f"{path}?{self.urls[number]}"
        started = time.perf_counter()
        response = self.client.get(url)
        body = response.get_data()
        ms = (time.perf_counter() - started) * 1000
        check(url, response.status_code, body)
        return Timing(ms, server_timing(response.headers.get("Server-Timing")))

    def time_api(self, number: int) -> Timing:
        return self._test_client(PATHS["api"], number)

    def time_page(self, number: int) -> Timing:
        return self._test_client(PATHS["page"], number)

    def _http(self, path: str, number: int) -> Timing:
        url = f"{self.base}{path}?{self.urls[number]}"
        started = time.perf_counter()
        try:
            with OPENER.open(url, timeout=30) as response:
                body, status, header = response.read(), response.status, response.headers["Server-Timing"]
        except urllib.error.HTTPError as exc:
            body, status, header = exc.read(), exc.code, None
        ms = (time.perf_counter() - started) * 1000
        check(url, status, body)
        return Timing(ms, server_timing(header))

    def time_http_api(self, number: int) -> Timing:
        return self._http(PATHS["api"], number)

    def time_http_page(self, number: int) -> Timing:
        return self._http(PATHS["page"], number)


def check(url: str, status: int, body: bytes) -> None:
    if status != 200:
        excerpt = body[:600].decode("utf-8", "replace")
        raise BenchFailure(f"GET {url} answered {status}:\n{excerpt}")


# -- the passes --------------------------------------------------------------------------


@contextlib.contextmanager
def recording(engine: Any) -> Iterator[list[Any]]:
    """Record the requests passed to `engine.search` while the block runs.

    The wrapper is an instance attribute, removed afterwards, so timed rounds call the
    plain method and pay nothing for the recording.
    """
    calls: list[Any] = []
    plain = engine.search

    def search(request: Any) -> Any:
        calls.append(request)
        return plain(request)

    engine.search = search
    try:
        yield calls
    finally:
        del engine.search


def working_modes(runner: Runner) -> tuple[list[str], dict[str, str]]:
    """The web modes that answer the first query, and why the others do not.

    The page is being extended while this benchmark is used; a page that errors is
    reported and left out rather than costing the API its figures.
    """
    failed: dict[str, str] = {}
    for mode in MODES[1:]:
        try:
            runner.run(mode, 0)
        except BenchFailure as exc:
            failed[mode] = str(exc)
            log(f"{mode} FAILS and is left out: {exc}")
    if "page" in failed and "api" in failed:
        raise BenchFailure("neither the page nor the API answers; nothing to compare the engine with")
    return [mode for mode in MODES if mode not in failed], failed


def capture(runner: Runner, count: int, modes: Sequence[str]) -> dict[str, Any]:
    """Request each query once through page and API, keeping the page's engine requests.

    Returns how many engine calls each made and how often the API's request differed
    from the page's, so the table can be read knowing what the engine line stands for.
    The API's request stands in for the page's when the page is left out.
    """
    sources = [mode for mode in ("page", "api") if mode in modes]
    calls: dict[str, list[int]] = {mode: [] for mode in sources}
    differs = 0
    for number in range(count):
        made: dict[str, list[Any]] = {}
        for mode in sources:
            with recording(runner.search_engine) as made[mode]:
                runner.run(mode, number)
            calls[mode].append(len(made[mode]))
        if not made[sources[0]]:
            raise BenchFailure(f"{sources[0]} made no engine call for query {number}")
        runner.requests.append(made[sources[0]][0])
        differs += made[sources[-1]][:1] != made[sources[0]][:1]
    return {
        "engine_request_from": sources[0],
        "engine_calls_per_request": {mode: sorted(set(c)) for mode, c in calls.items()},
        "queries_where_api_request_differs_from_page": differs if len(sources) == 2 else None,
    }


def order(modes: Sequence[str], number: int, round_number: int) -> list[str]:
    """Modes rotated, so no mode always runs first (or right after another) for a query."""
    shift = (number + round_number) % len(modes)
    return [*modes[shift:], *modes[:shift]]


def timed_rounds(
    runner: Runner, count: int, rounds: int, modes: Sequence[str]
) -> dict[str, list[list[Timing]]]:
    """One warm-up round, then `rounds` rounds; per mode, per round, one sample per query."""
    samples: dict[str, list[list[Timing]]] = {mode: [] for mode in modes}
    for round_number in range(1 + rounds):
        gc.collect()
        row: dict[str, list[Timing]] = {mode: [] for mode in modes}
        for number in range(count):
            for mode in order(modes, number, round_number):
                row[mode].append(runner.run(mode, number))
        log(f"round {round_number}{' (warm-up)' if round_number == 0 else ''} done")
        for mode in modes if round_number else ():
            samples[mode].append(row[mode])
    return samples


# -- figures -----------------------------------------------------------------------------


def summarize(samples: dict[str, list[list[Timing]]]) -> dict[str, Any]:
    """Percentiles per mode over all timed samples, and for each Server-Timing metric."""
    figures: dict[str, Any] = {}
    for mode, rounds in samples.items():
        flat = [s for row in rounds for s in row]
        figures[mode] = latency([s.ms for s in flat])
        names = sorted({name for s in flat for name in s.server})
        figures[mode]["server_timing"] = {
            n: latency([s.server[n] for s in flat if n in s.server]) for n in names
        }
        if flat and all({"app", "engine"} <= s.server.keys() for s in flat):
            figures[mode]["added"] = added(flat)
    engine = figures["engine"]
    for mode in figures:
        with_ratios(figures[mode], engine)
        for metric in figures[mode]["server_timing"].values():
            with_ratios(metric, engine)
    return figures


def added(flat: Sequence[Timing]) -> dict[str, Any]:
    """Per request, the app's time around the engine, and the time outside the app.

    Differences taken request by request are steadier than differences of percentiles,
    which may come from different requests.
    """
    return {
        "app_minus_engine": latency([s.server["app"] - s.server["engine"] for s in flat]),
        "client_minus_app": latency([s.ms - s.server["app"] for s in flat]),
    }


def with_ratios(figure: dict[str, Any], engine: dict[str, Any]) -> None:
    """Median and p95 over the engine's from the same run: what the app adds, machine aside."""
    for key in ("p50", "p95"):
        figure[f"{key}_over_engine"] = figure[f"{key}_ms"] / engine[f"{key}_ms"]


def table(figures: dict[str, Any]) -> str:
    """The compact table: client-measured times, then any Server-Timing metrics."""
    lines = [f"{'':<32} {'p50 ms':>8} {'p95 ms':>8} {'p50/eng':>8} {'p95/eng':>8}"]
    rows = list(figures.items())
    for mode in figures:
        rows += [(f"{mode} Server-Timing {n}", f) for n, f in figures[mode]["server_timing"].items()]
    for label, f in rows:
        lines.append(
            f"{label:<32} {f['p50_ms']:>8.2f} {f['p95_ms']:>8.2f} "
            f"{f['p50_over_engine']:>8.2f} {f['p95_over_engine']:>8.2f}"
        )
    return "\n".join(lines + added_table(figures))


def added_table(figures: dict[str, Any]) -> list[str]:
    """Lines for the per-request differences, when the app sends Server-Timing."""
    rows = [(mode, f["added"]) for mode, f in figures.items() if "added" in f]
    if not rows:
        return []
    lines = ["", f"{'per request, ms':<32} {'app-eng p50':>12} {'p95':>6} {'outside p50':>12} {'p95':>6}"]
    for mode, a in rows:
        inner, outer = a["app_minus_engine"], a["client_minus_app"]
        lines.append(
            f"{mode:<32} {inner['p50_ms']:>12.2f} {inner['p95_ms']:>6.2f} "
            f"{outer['p50_ms']:>12.2f} {outer['p95_ms']:>6.2f}"
        )
    return lines


def raw(samples: dict[str, list[list[Timing]]]) -> dict[str, Any]:
    """Every timed sample, per mode, per round, in query order, for later analysis."""
    return {
        mode: [[{"ms": s.ms, **({"server": s.server} if s.server else {})} for s in row] for row in rounds]
        for mode, rounds in samples.items()
    }


# -- the command -------------------------------------------------------------------------


def measure(index_dir: Path, queries: Sequence[BenchQuery], rounds: int, workdir: Path) -> dict[str, Any]:
    """Open the app and the server on the same index, capture the page's requests, time."""
    from webui import Settings, create_app
    from webui.engine import get_engine

    settings = Settings(
        index_dir=index_dir, themes_file=THEMES_FILE, synonyms_file=SYNONYMS_FILE, rate_limit="off"
    )
    app = create_app(settings)
    with app.app_context():
        engine = get_engine()  # the very engine object the app's views will use
    with served(index_dir, workdir / "web-serve.log") as base:
        runner = Runner(app.test_client(), engine, base, queries)
        modes, failed = working_modes(runner)
        log(f"server at {base}; recording the engine requests the page makes")
        captured = capture(runner, len(queries), modes)
        log(f"{len(queries)} queries x (1 warm-up + {rounds} timed) x {len(modes)} modes")
        samples = timed_rounds(runner, len(queries), rounds, modes)
    figures = summarize(samples)
    return {"failed_modes": failed, "capture": captured, "figures": figures, "samples": raw(samples)}


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    sample = load_sample(args.corpus)
    entries = cached_entries(args.workdir, args.count, args.seed, sample)
    queries = query_mix(entries, args.seed)
    index_dir = prepared_index(args.workdir, entries, args.seed, sample)
    try:
        measured = measure(index_dir, queries, args.rounds, args.workdir)
    except BenchFailure as exc:
        print(f"benchmarks.web: FAILED: {exc}", file=sys.stderr)
        return 1
    results = {"machine": machine(), "count": args.count, "seed": args.seed, "rounds": args.rounds}
    results.update(queries=len(queries), percentiles="numpy.percentile, linear interpolation")
    results.update(measured)
    out = args.workdir / "web-results.json"
    out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(table(results["figures"]))
    log(f"wrote {out}")
    for mode, reason in measured["failed_modes"].items():
        print(f"benchmarks.web: {mode} left out, it FAILED: {reason}", file=sys.stderr)
    return 1 if measured["failed_modes"] else 0


if __name__ == "__main__":
    sys.exit(main())
