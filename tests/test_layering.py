"""The layering rule of STYLE.md, checked by parsing every module with ast:

search/ never imports flask, webui or indexer; indexer/ never imports flask or webui;
webui/ never imports whoosh.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from testdata import ROOT

FORBIDDEN = {
    "search": {"flask", "werkzeug", "webui", "indexer"},
    "indexer": {"flask", "werkzeug", "webui"},
    "webui": {"whoosh"},
}


def imported_modules(path: Path) -> set[str]:
    """Absolute module names imported by a file (relative imports stay inside the package)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_has_modules(package):
    assert modules(package), f"no modules found in {package}/"


@pytest.mark.parametrize(
    ("package", "path"),
    [(package, path) for package in sorted(FORBIDDEN) for path in modules(package)],
    ids=lambda value: value.relative_to(ROOT).as_posix() if isinstance(value, Path) else value,
)
def test_layering(package, path):
    bad = {name for name in imported_modules(path) if name.split(".")[0] in FORBIDDEN[package]}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_the_checker_sees_both_import_forms(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import whoosh.index\nfrom whoosh import query\nfrom . import sibling\n", encoding="utf-8"
    )
    assert imported_modules(sample) == {"whoosh.index", "whoosh"}


def test_indexer_uses_only_the_on_disk_contract_of_search():
    # STYLE.md: from search, indexer imports the schema, the analyzer and the store layout
    # (plus the shared value types); never the engine.
    for path in modules("indexer"):
        for name in imported_modules(path):
            assert name not in {"search.engine", "search.matching", "search.facets"}, (path, name)


def test_webui_uses_only_the_public_roots_of_search_and_indexer():
    # STYLE.md: webui imports `search` and `indexer` by their package roots (their __all__),
    # never their private modules.
    for path in modules("webui"):
        for name in imported_modules(path):
            assert not name.startswith(("search.", "indexer.")), (path.relative_to(ROOT), name)
