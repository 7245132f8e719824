"""The one benchmark command: build, query, update and CACM runs for each engine.

    python -m benchmarks.run [--sizes 10000,100000] [--seed 1] [--workdir DIR] [--quick]
                             [--engines naive,fts5,ours]

Progress goes to stderr, a compact table to stdout, every figure to WORKDIR/results.json.
An engine that cannot be imported is skipped with the reason; an engine that fails in one
phase has the error recorded there and the run goes on with the others.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sqlite3
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import whoosh

from benchmarks import cacm, phases
from benchmarks.common import BenchEngine
from benchmarks.fts5 import Fts5Engine
from benchmarks.generate import Generator, cached_entries
from benchmarks.naive import NaiveWhoosh
from benchmarks.ours import OursEngine, unavailable
from benchmarks.report import ratios, summary
from benchmarks.sample import DEFAULT_CORPUS, load_sample
from benchmarks.workload import changed_entries, query_mix, visitor_mix

ENGINES: dict[str, Callable[[Path], BenchEngine]] = {
    "naive": NaiveWhoosh,
    "fts5": Fts5Engine,
    "ours": OursEngine,
}
QUICK_SIZE = 2_000
CHANGED = 100
STARTED = time.perf_counter()


def log(message: str) -> None:
    """Progress on stderr, with seconds since start: a 100k run takes a while."""
    print(f"[{time.perf_counter() - STARTED:7.1f}s] {message}", file=sys.stderr, flush=True)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--sizes", default="10000,100000", help="entry counts, comma-separated")
    parser.add_argument("--seed", type=int, default=1, help="seed for entries and workloads")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "coopsearch-bench",
        help="generated entries, indexes and results.json go here",
    )
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_SIZE:,} entries only")
    parser.add_argument("--engines", default="naive,fts5,ours", help="which engines to run")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="sample library")
    parser.add_argument("--cacm", type=Path, default=cacm.DEFAULT_DIR, help="CACM folder")
    parser.add_argument("--skip-cacm", action="store_true", help="leave out the CACM phase")
    args = parser.parse_args(argv)
    args.sizes = [QUICK_SIZE] if args.quick else [int(s) for s in args.sizes.split(",") if s]
    args.engines = [name.strip() for name in args.engines.split(",") if name.strip()]
    unknown = set(args.engines) - set(ENGINES)
    if unknown:
        parser.error(f"unknown engine(s) {', '.join(sorted(unknown))}; choose from {', '.join(ENGINES)}")
    return args


def machine() -> dict[str, Any]:
    """Enough about the machine and libraries to tell two results.json files apart."""
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu": _cpu_model(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "whoosh": whoosh.versionstring(),
        "sqlite": sqlite3.sqlite_version,
    }


def _cpu_model() -> str | None:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return platform.processor() or None
    return next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), None)


def available_engines(names: Sequence[str]) -> tuple[list[str], dict[str, str]]:
    """Engines that can run, and why the others cannot."""
    skipped = {}
    if "ours" in names and (reason := unavailable()):
        skipped["ours"] = reason
        log(f"skipping ours: {reason}")
    return [name for name in names if name not in skipped], skipped


def guarded(name: str, phase: str, action: Callable[..., dict], *args: Any) -> dict[str, Any]:
    """Run one engine's phase; on failure, log the traceback and record the error instead."""
    log(f"{name}: {phase}")
    try:
        return action(*args)
    except Exception as exc:  # one engine's failure must not cost the others their figures
        traceback.print_exc(file=sys.stderr)
        return {"error": f"{type(exc).__name__}: {exc}"}


def index_dir(args: argparse.Namespace, label: str, name: str) -> Path:
    """Where engine `name` keeps its index for a size (or "cacm")."""
    return args.workdir / "indexes" / label / name


def run_size(args: argparse.Namespace, size: int, names: Sequence[str]) -> dict[str, Any]:
    """Build and query every engine at one size; indexes stay on disk for the update phase."""
    entries = cached_entries(args.workdir, size, args.seed, args.sample)
    queries = query_mix(entries, args.seed)
    visitor = visitor_mix(queries)
    runs: dict[str, Any] = {}
    for name in names:
        engine = ENGINES[name](index_dir(args, str(size), name))
        runs[name] = {"build": guarded(name, f"build {size:,}", phases.build, engine, entries)}
        if "error" not in runs[name]["build"]:
            phase = f"{len(queries)} queries x (1 warm-up + 3 timed)"
            runs[name]["queries"] = guarded(name, phase, phases.query_latency, engine, queries)
            phase = f"the same {len(visitor)} queries misspelt or unfinished"
            runs[name]["visitor_queries"] = guarded(name, phase, phases.query_latency, engine, visitor)
        log(f"{name}: {_brief(runs[name])}")
    return runs


def _brief(run: dict[str, Any]) -> str:
    build, latency = run.get("build", {}), run.get("queries", {}).get("all", {})
    if "docs_per_s" not in build or "p50_ms" not in latency:
        return "failed"
    return (
        f"{build['docs_per_s']:,.0f} docs/s, p50 {latency['p50_ms']:.1f} ms, p95 {latency['p95_ms']:.1f} ms"
    )


def run_update(
    args: argparse.Namespace, size: int, runs: dict[str, Any], names: Sequence[str]
) -> dict[str, Any]:
    """Apply CHANGED edited entries to each engine's index of the largest size."""
    entries = cached_entries(args.workdir, size, args.seed, args.sample)
    generator = Generator(args.sample, args.seed)
    changed = changed_entries(entries, generator.revised, args.seed, CHANGED)
    result: dict[str, Any] = {"size": size, "changed": len(changed)}
    for name in names:
        if "error" in runs[name]["build"]:
            continue
        engine = ENGINES[name](index_dir(args, str(size), name))
        outcome = guarded(name, f"update {len(changed)} entries", phases.update, engine, changed)
        if "error" not in outcome:
            outcome["rebuild_seconds"] = runs[name]["build"]["seconds"]
        result[name] = outcome
    return result


def run_cacm(args: argparse.Namespace, names: Sequence[str]) -> dict[str, Any]:
    """Build, time and score every engine on the CACM collection."""
    collection = cacm.load(args.cacm)
    log(f"CACM: {len(collection.entries):,} documents, {len(collection.queries)} queries")
    results = {}
    for name in names:
        engine = ENGINES[name](index_dir(args, "cacm", name))
        results[name] = guarded(name, "CACM", phases.cacm, engine, collection)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    args.sample = load_sample(args.corpus)  # once: the corpus may change during a long run
    log(f"sample library: {len(args.sample.entries)} entries, digest {args.sample.digest[:10]}")
    names, skipped = available_engines(args.engines)
    results: dict[str, Any] = {
        "machine": machine(),
        "seed": args.seed,
        "engines": names,
        "skipped": skipped,
        "sizes": {},
    }
    for size in args.sizes:
        results["sizes"][str(size)] = run_size(args, size, names)
    largest = max(args.sizes)
    results["update"] = run_update(args, largest, results["sizes"][str(largest)], names)
    if not args.skip_cacm:
        results["cacm"] = run_cacm(args, names)
    results["ratios"] = ratios(results)
    out = args.workdir / "results.json"
    out.write_text(json.dumps(results, indent=2, default=float) + "\n")
    print(summary(results))
    log(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
