"""Benchmarks of coopsearch against two baselines: naive Whoosh and SQLite FTS5.

Run everything with `python -m benchmarks.run`; see benchmarks/README.md. Nothing in the
service imports this package.
"""
