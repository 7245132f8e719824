"""Options and settings shared by the `coopsearch` commands of several modules."""

from __future__ import annotations

from pathlib import Path

import click

from .config import Settings, SettingsError

index_option = click.option(
    "--index",
    "index_dir",
    type=click.Path(path_type=Path),
    help="Index folder [env COOPSEARCH_INDEX; default var/index].",
)
themes_option = click.option(
    "--themes",
    "themes_file",
    type=click.Path(path_type=Path),
    help="Themes file [env COOPSEARCH_THEMES; default corpus/themes.toml].",
)


def cli_settings(**overrides: object) -> Settings:
    """The settings from the environment and the command line; a bad value is a usage error."""
    try:
        return Settings.from_env(**overrides)
    except SettingsError as exc:
        raise click.UsageError(str(exc)) from exc


def themes_to_index(settings: Settings, given: Path | None) -> Path | None:
    """The themes file an indexing command uses: the setting's, if it exists (else none)."""
    themes = settings.themes_file if settings.themes_file and settings.themes_file.exists() else None
    if given and themes is None:
        raise click.UsageError(f"{given}: no such themes file")
    return themes
