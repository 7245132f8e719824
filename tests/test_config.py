"""webui/config.py: every setting declared once; environment, then overrides; bad values fail
at start-up with a message naming the variable and the value."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from webui.config import SETTINGS, Settings, SettingsError


def test_every_settings_field_is_declared_once_with_its_default():
    assert [s.name for s in SETTINGS] == [f.name for f in fields(Settings)]
    assert len({s.env for s in SETTINGS}) == len(SETTINGS)
    defaults = Settings()
    for s in SETTINGS:
        expected = s.default
        if s.name.endswith(("_dir", "_file")):
            expected = Path(s.default) if s.default else None
        assert getattr(defaults, s.name) == expected, s.name
        assert s.help


def test_environment_then_overrides():
    env = {"COOPSEARCH_PORT": "9000", "COOPSEARCH_INDEX": "/srv/index", "COOPSEARCH_SYNONYMS": ""}
    settings = Settings.from_env(env, port=None, workers=4)
    assert settings.port == 9000  # None means "not given"
    assert settings.workers == 4
    assert settings.index_dir == Path("/srv/index")
    assert settings.synonyms_file is None  # empty: no synonyms
    assert Settings.from_env(env, port=9100).port == 9100


def test_environment_is_not_read_when_a_mapping_is_given(monkeypatch):
    monkeypatch.setenv("COOPSEARCH_PORT", "9200")
    assert Settings.from_env({}).port == 8000
    assert Settings.from_env().port == 9200


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"COOPSEARCH_PORT": "abc"}, "COOPSEARCH_PORT='abc': expected int"),
        ({"COOPSEARCH_WORKERS": "0"}, "COOPSEARCH_WORKERS='0': must be greater than 0"),
        ({"COOPSEARCH_REFRESH_SECONDS": "-1"}, "COOPSEARCH_REFRESH_SECONDS='-1': must be greater than 0"),
        ({"COOPSEARCH_THREADS": "0"}, "COOPSEARCH_THREADS='0': expected a number of threads from 1 to 256"),
    ],
)
def test_bad_values_name_the_variable_and_the_value(env, words):
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(env)
    assert words in str(caught.value)


def test_a_port_that_cannot_exist_fails_at_start_up():
    with pytest.raises(SettingsError, match="COOPSEARCH_PORT='70000'"):
        Settings.from_env({"COOPSEARCH_PORT": "70000"})


def test_unknown_override_is_an_error():
    with pytest.raises(SettingsError, match="unknown setting 'colour'"):
        Settings.from_env({}, colour="red")


def test_staff_database_defaults_to_beside_the_index():
    assert Settings(index_dir=Path("/srv/library/index")).staff_db == Path("/srv/library/staff.sqlite3")
    assert Settings.from_env({"COOPSEARCH_DB": "/data/staff.db"}).staff_db == Path("/data/staff.db")
