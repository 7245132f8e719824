"""Throughput and latency over HTTP: our server against two baselines, with `wrk`.

    python -m benchmarks.load [--sizes 10000,100000] [--concurrency 1,8] [--duration 20]
                              [--workdir DIR] [--seed 1] [--servers ours,naive,...]

For each size, the generated entries (cached in WORKDIR, as `run.py` and `web.py` cache
them) are indexed three ways, each once and reused on later runs:

- ours       `coopsearch serve --workers 2` (gunicorn), COOPSEARCH_RATE_LIMIT=off, with its
             result cache (the default), and again as `ours-nocache` with
             COOPSEARCH_CACHE_SIZE=0, where every request runs a search;
- naive      `benchmarks.naive_app` under gunicorn with 2 workers (Flask + Whoosh, a new
             searcher per request, the stock MultifieldParser, `groupedby` facets);
- datasette  `datasette serve` over `benchmarks.datasette_app`'s SQLite + FTS5 database.

One server runs at a time, on a free port of 127.0.0.1. `wrk` (Debian's package) drives it
for DURATION seconds at each concurrency, with a Lua script that rotates through a URL list
built from the benchmark query mix: short queries, long ones, facet filters, page 2, and
for ours autocomplete (`/api/v1/suggest`, which the baselines do not have). Ours is run on
two lists: `full` (with autocomplete) and `search` (the very searches the baselines get);
the ratios use `search`. The ceiling is `GET /static/icon.svg` on our server (`trivial`).

Every run reports req/s, p50/p95/p99 latency (wrk's histogram) and errors: socket errors
(connect, read, write, timeout) and non-2xx answers, counted in the Lua script. After a
server's runs, the resident memory (VmRSS) of each of its processes is read from /proc.
A table goes to stdout and everything to WORKDIR/load-results.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from benchmarks import datasette_app, naive_app
from benchmarks.common import BenchQuery
from benchmarks.generate import cached_entries
from benchmarks.run import log, machine
from benchmarks.sample import DEFAULT_CORPUS, REPO_ROOT, load_sample
from benchmarks.web import (
    COOPSEARCH,
    OPENER,
    SYNONYMS_FILE,
    THEMES_FILE,
    free_port,
    prepared_index,
    stop,
)
from benchmarks.workload import query_mix

BIN = Path(sys.executable).parent
TRIVIAL_PATH = "/static/icon.svg"
PER_PAGE = 10
START_TIMEOUT = 120.0
WARM_UP_SECONDS = 3
WARM_UP_LIST_SECONDS = 60
WRK_TIMEOUT = "60s"  # a slow answer is a latency to report, not a socket error
SERVERS = ("ours", "ours-nocache", "trivial", "naive", "datasette")
TARGETS = {"ours_over_naive_c8": 20.0, "ours_over_datasette_c8": 100.0, "search_over_trivial": 0.25}


class LoadFailure(RuntimeError):
    """A server that does not start, or a load tool that does not run."""


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.load",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--sizes", default="10000,100000", help="entry counts, comma-separated")
    parser.add_argument("--concurrency", default="1,8", help="open connections, comma-separated")
    parser.add_argument("--duration", type=int, default=20, help="seconds per timed run")
    parser.add_argument("--seed", type=int, default=1, help="seed for entries and queries")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "coopsearch-bench",
        help="generated entries, indexes and load-results.json go here",
    )
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="sample library")
    parser.add_argument(
        "--servers",
        default=",".join(SERVERS),
        help=f"servers to measure, comma-separated, from {','.join(SERVERS)}",
    )
    args = parser.parse_args(argv)
    args.servers = [name for name in args.servers.split(",") if name]
    unknown = set(args.servers) - set(SERVERS)
    if unknown:
        parser.error(f"unknown servers: {', '.join(sorted(unknown))}; known: {', '.join(SERVERS)}")
    args.sizes = [int(s) for s in args.sizes.split(",") if s]
    args.concurrency = [int(c) for c in args.concurrency.split(",") if c]
    return args


# -- the request mix ---------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """One request of the mix: a search (short or long, maybe page 2) or an autocomplete."""

    kind: str  # short | long | paged | suggest
    query: BenchQuery
    page: int = 1


def request_mix(queries: Sequence[BenchQuery]) -> list[Request]:
    """Per ten queries of the benchmark mix: six as they are (half filtered), two made long
    by adding the next query's words (4-6 words), one asking for page 2, one autocomplete
    of the first four letters of its first word."""
    mix = []
    for number, query in enumerate(queries):
        slot = number % 10
        if slot in (6, 7):
            words = f"{query.text} {queries[(number + 1) % len(queries)].text}"
            mix.append(Request("long", replace(query, text=words)))
        elif slot == 8:
            mix.append(Request("paged", query, page=2))
        elif slot == 9:
            mix.append(Request("suggest", BenchQuery(query.text.split()[0][:4])))
        else:
            mix.append(Request("short", query))
    return mix


def filters(query: BenchQuery) -> list[tuple[str, str]]:
    """The filter arguments our API and the naive app share."""
    args = [("theme", query.theme), ("type", query.type)]
    if query.year_from is not None:
        args += [("from", str(query.year_from)), ("to", str(query.year_to))]
    return [(k, v) for k, v in args if v]


def ours_path(request: Request) -> str:
    if request.kind == "suggest":
        return "/api/v1/suggest?" + urlencode({"q": request.query.text})
    args = [("q", request.query.text), *filters(request.query), ("per_page", str(PER_PAGE))]
    return "/api/v1/search?" + urlencode(args + ([("page", "2")] if request.page > 1 else []))


def naive_path(request: Request) -> str:
    args = [("q", request.query.text), *filters(request.query), ("per_page", str(PER_PAGE))]
    return "/search?" + urlencode(args + [("page", str(request.page))])


def datasette_paths(mix: Sequence[Request], base: str) -> list[str]:
    """Datasette pages with a `_next` token, read here from each search's first page."""
    paths = []
    for request in mix:
        path = datasette_app.search_path(request.query, PER_PAGE)
        if request.page > 1:
            with OPENER.open(base + path, timeout=120) as response:
                token = json.load(response).get("next")
            path += f"&_next={token}" if token else ""
        paths.append(path)
    return paths


# -- servers -----------------------------------------------------------------------------


@dataclass
class Server:
    """How to start one server; `probe` is a path that answers 200 once it serves."""

    name: str
    command: list[str]
    env: dict[str, str]
    probe: str


def ours_server(index_dir: Path, port: int, cache: bool = True) -> Server:
    """Our server as deployed (result cache on, its default), or with the cache off so that
    every request runs a search, as a stream of all-different queries would."""
    command = [str(COOPSEARCH), "serve", "--index", str(index_dir), "--host", "127.0.0.1"]
    env = {
        "COOPSEARCH_SYNONYMS": str(SYNONYMS_FILE),
        "COOPSEARCH_THEMES": str(THEMES_FILE),
        "COOPSEARCH_RATE_LIMIT": "off",  # the limiter would cut the load off, as it should
    }
    if not cache:
        env["COOPSEARCH_CACHE_SIZE"] = "0"
    name = "ours" if cache else "ours-nocache"
    return Server(name, command + ["--port", str(port), "--workers", "2"], env, "/api/v1/themes")


def ours_uncached_server(index_dir: Path, port: int) -> Server:
    return ours_server(index_dir, port, cache=False)


def naive_server(index_dir: Path, port: int) -> Server:
    command = [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}"]
    command += ["--access-logfile", "-", "benchmarks.naive_app:create_app()"]
    return Server("naive", command, {"NAIVE_INDEX": str(index_dir)}, "/search?q=cooperative")


def datasette_server(db: Path, port: int) -> Server:
    command = [str(BIN / "datasette"), *datasette_app.command(db, port)]
    return Server("datasette", command, {}, f"/{datasette_app.DB_NAME}/{datasette_app.TABLE}.json?_size=1")


@contextlib.contextmanager
def running(server: Server, port: int, log_path: Path) -> Iterator[tuple[str, int]]:
    """The server started from the repository root; yields its base URL and pid."""
    with open(log_path, "wb") as out:
        proc = subprocess.Popen(
            server.command,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **server.env},
            cwd=REPO_ROOT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(proc, base + server.probe, log_path)
        yield base, proc.pid
    finally:
        stop(proc)


def wait_until_serving(proc: subprocess.Popen, url: str, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise LoadFailure(f"{url}: server exited with {proc.returncode}:\n{log_path.read_text()}")
        try:
            with OPENER.open(url, timeout=30) as response:
                if response.status == 200:
                    return
        except urllib.error.HTTPError as exc:
            raise LoadFailure(f"{url} answered {exc.code}:\n{log_path.read_text()[-3000:]}") from exc
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise LoadFailure(f"{url} did not answer in {START_TIMEOUT}s:\n{log_path.read_text()}")


# -- memory ------------------------------------------------------------------------------


def _proc_field(pid: int, filename: str, key: str) -> str | None:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/{filename}").read_text().splitlines():
            if line.startswith(key + ":"):
                return line.split(":", 1)[1].strip()
    return None


def process_tree(root: int) -> list[int]:
    """`root` and every process descended from it (gunicorn's master and its workers)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (ppid := _proc_field(int(entry.name), "status", "PPid")):
            parents.setdefault(int(ppid), []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo += parents.get(pid, [])
    return tree


def memory(root: int) -> list[dict[str, Any]]:
    """VmRSS in MB of each process of the server; the first one is the parent."""
    rows = []
    for pid in process_tree(root):
        rss = _proc_field(pid, "status", "VmRSS")
        if rss:
            role = "parent" if pid == root else "worker"
            rows.append({"pid": pid, "role": role, "rss_mb": int(rss.split()[0]) / 1024})
    return rows


# -- wrk ---------------------------------------------------------------------------------

LUA = """
local threads, counter = {}, 1
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  paths = {}
  for line in io.lines(%(paths)s) do paths[#paths + 1] = line end
  position = (id * 37) %% #paths
  non2xx = 0
end
function request()
  position = position %% #paths + 1
  return wrk.format("GET", paths[position])
end
function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end
function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("non2xx") end
  local e = summary.errors
  io.write(string.format(
    'LOADJSON {"requests": %%d, "duration_us": %%d, "connect": %%d, "read": %%d, "write": %%d, ' ..
    '"timeout": %%d, "status_over_399": %%d, "non2xx": %%d, "p50_us": %%d, "p95_us": %%d, ' ..
    '"p99_us": %%d, "mean_us": %%f, "max_us": %%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout, e.status, bad,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean,
    latency.max))
end
"""


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if not found:
        raise LoadFailure("wrk is not installed: apt-get install -y wrk")
    return found


def drive(base: str, paths: Sequence[str], concurrency: int, seconds: int, scratch: Path) -> dict[str, Any]:
    """One wrk run over `paths`, rotated; figures in req/s and milliseconds."""
    url_file, script = scratch / "paths.txt", scratch / "rotate.lua"
    url_file.write_text("\n".join(paths) + "\n")
    script.write_text(LUA % {"paths": json.dumps(str(url_file))})
    threads = min(concurrency, 2)
    command = [wrk_binary(), "-t", str(threads), "-c", str(concurrency), "-d", f"{seconds}s"]
    command += ["--timeout", WRK_TIMEOUT, "-s", str(script), base]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("LOADJSON ")), None)
    if line is None:
        raise LoadFailure(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return figures(json.loads(line.removeprefix("LOADJSON ")), concurrency, len(paths))


def figures(raw: dict[str, Any], concurrency: int, urls: int) -> dict[str, Any]:
    socket = sum(raw[k] for k in ("connect", "read", "write", "timeout"))
    seconds = raw["duration_us"] / 1e6
    return {
        "concurrency": concurrency,
        "urls": urls,
        "requests": raw["requests"],
        "seconds": seconds,
        "req_per_s": raw["requests"] / seconds if seconds else 0.0,
        "p50_ms": raw["p50_us"] / 1000,
        "p95_ms": raw["p95_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "mean_ms": raw["mean_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "socket_errors": socket,
        "non_2xx": raw["non2xx"],
        "errors": socket + raw["non2xx"],
        "wrk": raw,
    }


# -- one size ----------------------------------------------------------------------------


def measure_server(
    server: Server, port: int, mixes: dict[str, Any], args: argparse.Namespace, scratch: Path
) -> dict[str, Any]:
    """Start the server, build its URL lists, warm it up, run every list at every concurrency.

    `mixes` maps a list's name to its paths, or to a function of the base URL that returns
    them (Datasette's page-2 URLs need a live server).
    """
    runs: dict[str, list[dict[str, Any]]] = {}
    with running(server, port, scratch / f"{server.name}.log") as (base, pid):
        lists = {name: paths(base) if callable(paths) else paths for name, paths in mixes.items()}
        for name, paths in lists.items():
            log(f"{server.name}/{name}: warm-up (every URL once, then {WARM_UP_SECONDS}s)")
            warm_up(base, paths)
            drive(base, paths, 2, WARM_UP_SECONDS, scratch)
            for concurrency in args.concurrency:
                result = drive(base, paths, concurrency, args.duration, scratch)
                log(f"{server.name}/{name} c={concurrency}: {brief(result)}")
                runs.setdefault(name, []).append(result)
        mem = memory(pid)
    return {"runs": runs, "memory": mem, "command": server.command}


def warm_up(base: str, paths: Sequence[str]) -> None:
    """Ask for every URL once, two at a time (for at most WARM_UP_LIST_SECONDS: the slow
    baselines would take minutes), so that the figures are for a server that has been up a
    while: its workers have read what the queries need, and a cache holds what the list
    repeats (`ours-nocache` shows ours without one)."""
    deadline = time.monotonic() + WARM_UP_LIST_SECONDS

    def fetch(path: str) -> None:
        if time.monotonic() < deadline:
            with OPENER.open(base + path, timeout=600) as response:
                response.read()

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(fetch, paths))


def brief(r: dict[str, Any]) -> str:
    return (
        f"{r['req_per_s']:,.1f} req/s, p50 {r['p50_ms']:.1f} p95 {r['p95_ms']:.1f} "
        f"p99 {r['p99_ms']:.1f} ms, errors {r['errors']}"
    )


def prepare(args: argparse.Namespace, size: int) -> tuple[dict[str, Path], list[Request]]:
    """Entries, the three indexes (built once each) and the request mix for one size."""
    entries = cached_entries(args.workdir, size, args.seed, args.sample)
    label = f"{size}-seed{args.seed}-{args.sample.digest[:10]}"
    stores = {"ours": prepared_index(args.workdir, entries, args.seed, args.sample)}
    log(f"naive index of {size:,} entries (built once, then reused)")
    stores["naive"] = naive_app.build_index(args.workdir / "indexes" / f"load-naive-{label}", entries)
    log(f"datasette database of {size:,} entries (built once, then reused)")
    stores["datasette"] = datasette_app.build_db(args.workdir / "indexes" / f"load-sqlite-{label}", entries)
    return stores, request_mix(query_mix(entries, args.seed))


def run_size(args: argparse.Namespace, size: int) -> dict[str, Any]:
    stores, mix = prepare(args, size)
    searches = [r for r in mix if r.kind != "suggest"]
    scratch = args.workdir / "load"
    scratch.mkdir(parents=True, exist_ok=True)
    ours_lists = {"full": [ours_path(r) for r in mix], "search": [ours_path(r) for r in searches]}
    plan = [
        ("ours", ours_server, "ours", ours_lists),
        ("ours-nocache", ours_uncached_server, "ours", ours_lists),
        ("trivial", ours_server, "ours", {"trivial": [TRIVIAL_PATH]}),
        ("naive", naive_server, "naive", {"search": [naive_path(r) for r in searches]}),
        ("datasette", datasette_server, "datasette", {"search": lambda b: datasette_paths(searches, b)}),
    ]
    servers: dict[str, Any] = {}
    for label, make, store, mixes in plan:
        if label not in args.servers:
            continue
        port = free_port()
        servers[label] = measure_server(make(stores[store], port), port, mixes, args, scratch)
    kinds = {kind: sum(r.kind == kind for r in mix) for kind in ("short", "long", "paged", "suggest")}
    return {"mix": kinds, "servers": servers, "ratios": ratios(servers, args.concurrency)}


def _rps(servers: dict[str, Any], name: str, mix: str, concurrency: int) -> float | None:
    runs = servers.get(name, {}).get("runs", {}).get(mix, [])
    return next((r["req_per_s"] for r in runs if r["concurrency"] == concurrency), None)


def ratios(servers: dict[str, Any], levels: Sequence[int]) -> dict[str, Any]:
    """Ours' search list over each baseline, and over the trivial endpoint, per concurrency."""
    out: dict[str, Any] = {}
    for label in ("ours", "ours-nocache"):
        prefix = label.replace("-", "_")
        for c in levels:
            ours = _rps(servers, label, "search", c)
            for name in ("naive", "datasette"):
                theirs = _rps(servers, name, "search", c)
                out[f"{prefix}_over_{name}_c{c}"] = ours / theirs if ours and theirs else None
            trivial = _rps(servers, "trivial", "trivial", c)
            out[f"{prefix}_search_over_trivial_c{c}"] = ours / trivial if ours and trivial else None
    return out


# -- output ------------------------------------------------------------------------------


def table(results: dict[str, Any]) -> str:
    lines = [
        f"{'size':>7} {'server/list':<21} {'c':>2} {'req/s':>9} "
        f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>6}"
    ]
    for size, one in results["sizes"].items():
        for name, server in one["servers"].items():
            for mix, runs in server["runs"].items():
                for r in runs:
                    lines.append(
                        f"{int(size):>7,} {name + '/' + mix:<21} {r['concurrency']:>2} "
                        f"{r['req_per_s']:>9,.1f} "
                        f"{r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} {r['p99_ms']:>8.1f} {r['errors']:>6}"
                    )
        for name, server in one["servers"].items():
            rss = ", ".join(f"{m['role']} {m['rss_mb']:.0f}" for m in server["memory"])
            lines.append(f"{int(size):>7,} memory {name:<10} VmRSS MB: {rss}")
        for key, value in one["ratios"].items():
            lines.append(f"{int(size):>7,} {key:<38} {'n/a' if value is None else f'{value:,.2f}x'}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    args.sample = load_sample(args.corpus)
    wrk = wrk_binary()
    version = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False)
    banner = (version.stdout or version.stderr or "wrk").splitlines()[0]
    results: dict[str, Any] = {
        "machine": machine(),
        "seed": args.seed,
        "duration_s": args.duration,
        "concurrency": args.concurrency,
        "tool": banner,
        "trivial_path": TRIVIAL_PATH,
        "targets": TARGETS,
        "sizes": {},
    }
    out = args.workdir / "load-results.json"
    try:
        for size in args.sizes:
            results["sizes"][str(size)] = run_size(args, size)
            out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    except LoadFailure as exc:
        print(f"benchmarks.load: FAILED: {exc}", file=sys.stderr)
        return 1
    print(table(results))
    log(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
