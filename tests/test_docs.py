"""README.md documents every setting, every CLI command and every API route."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from testdata import ROOT

import webui
from webui.config import SETTINGS

CLI_COMMANDS = [
    "coopsearch index",
    "coopsearch search",
    "coopsearch evaluate",
    "coopsearch serve",
    "coopsearch themes evaluate",
    "coopsearch staff add",
    "coopsearch staff list",
    "coopsearch staff password",
    "coopsearch staff remove",
    "coopsearch backup",
    "coopsearch sync",
]
GROUPS = ("themes", "staff")


@pytest.fixture(scope="module")
def readme() -> str:
    path = ROOT / "README.md"
    assert path.exists(), "README.md is missing"
    return path.read_text(encoding="utf-8")


def api_routes() -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        app = webui.create_app(webui.Settings(index_dir=Path(tmp) / "index"))
        return sorted({rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")})


def test_there_are_api_routes_to_document():
    assert "/api/v1/search" in api_routes()


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.env)
def test_readme_documents_every_setting(readme, setting):
    assert setting.env in readme


@pytest.mark.parametrize("command", CLI_COMMANDS)
def test_readme_documents_every_command(readme, command):
    assert command in readme


def test_every_cli_command_is_in_the_list():
    from webui.cli import main

    commands = {f"coopsearch {name}" for name in main.commands if name not in GROUPS}
    for group in GROUPS:
        commands |= {f"coopsearch {group} {name}" for name in main.commands[group].commands}
    assert commands == set(CLI_COMMANDS)


def route_pattern(route: str) -> re.Pattern[str]:
    """A route as README.md may write it: a path parameter under any name, as <name> or {name}."""
    parts = re.split(r"<[^>]*>", route)
    return re.compile(r"[<{]\w+[>}]".join(re.escape(p) for p in parts) + r"(?![\w/])")


def test_route_pattern_ignores_the_placeholder_name():
    text = "`GET /api/v1/entries/<id>` and `GET /api/v1/search?q=`"
    assert route_pattern("/api/v1/entries/<entry_id>").search(text)
    assert route_pattern("/api/v1/search").search(text)
    assert not route_pattern("/api/v1/entries/<entry_id>/related").search(text)
    assert not route_pattern("/api/v1/entries").search(text)


@pytest.mark.parametrize("route", api_routes())
def test_readme_documents_every_api_route(readme, route):
    assert route_pattern(route).search(readme), f"{route} is not in README.md"
