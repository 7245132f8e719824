"""The figures behind tests/test_costly_text.py: what costly bodies cost against a real gunicorn.

Run from the repository root with the project's virtualenv::

    .venv/bin/python tests/costly_figures.py [RUNS]     # RUNS requests per line, default 9

It indexes the test library with a 100 KB body of "[" and bodies of 200 KB and 1 MB of the
sample corpus's words, serves it with `coopsearch serve` (result cache off, so every request
does its work), and prints the median time of searches, entry pages and PUTs of the write API,
each beside an ordinary one. Each PUT sends a new title, so the entry really changes.
"""

from __future__ import annotations

import itertools
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from conftest import STAFF_EMAIL, STAFF_PASSWORD, build_index, serve
from testdata import LIBRARY

from webui import accounts
from webui.db import open_db

ROOT = Path(__file__).resolve().parent.parent
WORDS = (ROOT / "corpus" / "entries" / "energy-democracy-who-owns-the-grid.md").read_text().split()
PAGES = [
    ("search, ordinary (q=cooperative)", "/search?q=cooperative"),
    ("search, hits include 100 KB of '['", "/search?q=cooperative+OR+bracket"),
    ("API search, ordinary", "/api/v1/search?q=cooperative"),
    ("API search, hits include 100 KB of '['", "/api/v1/search?q=cooperative+OR+bracket"),
    ("entry page, ordinary (pv-array-farm)", "/entries/pv-array-farm"),
    ("entry page, 100 KB of '['", "/entries/bracket-flood"),
    ("entry page, 200 KB of words", "/entries/words-200k"),
    ("entry page, 1 MB of words", "/entries/words-1m"),
]


def prose(size: int, rng: random.Random) -> str:
    """Paragraphs of 80 of the corpus's words, `size` characters in all."""
    paragraphs, length = [], 0
    while length < size:
        paragraph = " ".join(rng.choice(WORDS) for _ in range(80))
        paragraphs.append(paragraph)
        length += len(paragraph) + 2
    return "\n\n".join(paragraphs)[:size]


def median_seconds(request: Callable[[], urllib.request.Request | str], runs: int) -> tuple[float, object]:
    """The median of `runs` requests after one to warm up, and the last status."""
    times, status = [], None
    for _ in range(runs + 1):
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(request(), timeout=120) as response:
                response.read()
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except OSError as exc:  # a worker killed mid-request
            status = type(exc).__name__
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:]), status


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    rng = random.Random(1)
    root = Path(tempfile.mkdtemp())
    library = root / "library"
    shutil.copytree(LIBRARY, library)
    bodies = {
        "bracket-flood": "[" * 100_000,
        "words-200k": prose(200_000, rng),
        "words-1m": prose(999_000, rng),  # the loaders' limit is 1,000,000 characters
    }
    for entry_id, body in bodies.items():
        front = f'---\nid: {entry_id}\ntitle: "Ledger {entry_id}"\ndate: "2021"\n---\n'
        (library / f"{entry_id}.md").write_text(front + body + "\n", encoding="utf-8")
    print(build_index(root / "index", [library], rebuild=True).summary())
    conn = open_db(root / "staff.sqlite3")
    accounts.add_account(conn, STAFF_EMAIL, STAFF_PASSWORD)
    secret = accounts.create_token(conn, accounts.find_account(conn, STAFF_EMAIL).id, "figures")[1]
    conn.close()
    puts = [
        ("PUT, ordinary body (3 KB)", prose(3_000, rng)),
        ("PUT, 200 KB of words", prose(200_000, rng)),
        ("PUT, 1 MB of words", prose(999_000, rng)),
        ("PUT, 100 KB of '['", "[" * 100_000),
        ("PUT, 100 KB of '[a' lines", "[a\n" * 33_333),
    ]
    with serve(root / "index", root / "serve.log", COOPSEARCH_CACHE_SIZE="0") as base:
        for label, path in PAGES:
            seconds, status = median_seconds(lambda path=path: base + path, runs=runs)
            print(f"{label:45s} {seconds * 1000:9.1f} ms  ({status})")
        for label, body in puts:
            titles = itertools.count()

            def put(body: str = body, titles: itertools.count = titles) -> urllib.request.Request:
                data = json.dumps({"title": f"Pushed {next(titles)}", "body": body}).encode()
                headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
                return urllib.request.Request(f"{base}/api/v1/entries/pushed", data, headers, method="PUT")

            seconds, status = median_seconds(put, runs=3)
            print(f"{label:45s} {seconds * 1000:9.1f} ms  ({status})")


if __name__ == "__main__":
    main()
