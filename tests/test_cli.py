"""webui/cli.py: `coopsearch index`, `search`, `evaluate` and `themes evaluate` through CliRunner."""

from __future__ import annotations

import json
import re

import pytest
from testdata import LIBRARY, SYNONYMS, THEME_LABELS, THEMES

from webui.cli import main

ENV = {"COOPSEARCH_SYNONYMS": str(SYNONYMS), "COOPSEARCH_THEMES": str(THEMES)}


def run(runner, *args: str):
    return runner.invoke(main, [str(a) for a in args], env=ENV)


# -- index ----------------------------------------------------------------------------------


def test_index_builds_then_updates_then_rebuilds(runner, tmp_path):
    index_dir = tmp_path / "index"
    first = run(runner, "index", LIBRARY, "--index", index_dir, "--themes", THEMES)
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith(
        "rebuilt gen-000001: added 18, updated 0, deleted 0, unchanged 0, skipped 0 in "
    )
    assert first.stderr == ""

    again = run(runner, "index", LIBRARY, "--index", index_dir)
    assert again.exit_code == 0, again.output
    assert again.stdout.startswith(
        "updated gen-000001: added 0, updated 0, deleted 0, unchanged 18, skipped 0"
    )

    rebuilt = run(runner, "index", LIBRARY, "--index", index_dir, "--rebuild")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert rebuilt.stdout.startswith("rebuilt gen-000002: added 18,")


def test_index_warns_about_unknown_themes(runner, tmp_path):
    source = tmp_path / "one.md"
    source.write_text(
        '---\nid: one\ntitle: "One"\nthemes: [food, zeppelins]\n---\nBread.\n', encoding="utf-8"
    )
    result = run(runner, "index", source, "--index", tmp_path / "index", "--themes", THEMES)
    assert result.exit_code == 0, result.output
    assert f"warning: {source}:1: themes: unknown theme 'zeppelins' ignored" in result.stderr
    assert "added 1" in result.stdout


def test_index_with_a_missing_themes_file_is_a_usage_error(runner, tmp_path):
    result = run(runner, "index", LIBRARY, "--index", tmp_path / "index", "--themes", tmp_path / "nope.toml")
    assert result.exit_code == 2
    assert "nope.toml: no such themes file" in result.stderr


def test_index_with_a_missing_source_exits_2(runner, tmp_path):
    result = run(runner, "index", tmp_path / "missing", "--index", tmp_path / "index")
    assert result.exit_code == 2
    assert f"error: {tmp_path / 'missing'}: no such file or folder" in result.stderr


def test_index_with_a_broken_themes_file_exits_2(runner, tmp_path):
    themes = tmp_path / "themes.toml"
    themes.write_text('["Not An Id"]\nlabel = "x"\n', encoding="utf-8")
    result = run(runner, "index", LIBRARY, "--index", tmp_path / "index", "--themes", themes)
    assert result.exit_code == 2
    assert f"error: {themes}: [Not An Id] must be a table named with lowercase" in result.stderr


# -- search ---------------------------------------------------------------------------------


def test_search_prints_results_and_facets(runner, library_index):
    result = run(runner, "search", "wind", "--index", library_index)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    # "wind" names the energy theme (issue 13): the two entries that say it, then the other two.
    assert re.fullmatch(r"4 results \(1-4 shown, \d+\.\d ms\)", lines[0])
    assert "Wind Energy and the Electric Grid  [auto-themed-energy]" in lines
    assert "  2016, Tom Okafor, article, energy (auto)" in lines
    assert "Wind Turbine Cooperative Pays Members  [j-wind-turbine]" in lines
    assert "  2021-07-04, Tom Okafor, news, energy" in lines
    assert any(line.startswith("  Members of the [wind] cooperative") for line in lines)
    assert "A Solar Coop on City Rooftops  [solar-coop-rooftops]" in lines
    assert "themes: energy (4)" in lines
    assert "years: 2021 (2), 2020 (1), 2016 (1)" in lines


def test_search_unescapes_snippets_for_the_terminal(runner, library_index):
    result = run(runner, "search", "script", "--index", library_index)
    assert result.exit_code == 0, result.output
    assert 'raw HTML such as <[script]>alert("owned")</[script]>' in result.stdout
    assert "&lt;" not in result.stdout


def test_search_with_filters_and_sort(runner, library_index):
    result = run(
        runner,
        "search",
        "--theme",
        "energy",
        "--from",
        "2020",
        "--to",
        "June 2021",
        "--sort",
        "oldest",
        "--index",
        library_index,
    )
    assert result.exit_code == 0, result.output
    found = re.findall(r"\[([a-z0-9-]+)\]$", result.stdout, re.M)
    assert found == ["pv-array-farm", "solar-coop-rooftops"]


def test_search_uses_the_synonyms_setting(runner, library_index):
    result = run(runner, "search", "photovoltaic", "--index", library_index)
    assert result.stdout.startswith("2 results")


def test_search_json_is_the_api_shape(runner, library_index, client):
    result = run(
        runner, "search", "nurses", "home", "care", "--json", "--per-page", "5", "--index", library_index
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    api = client.get("/api/v1/search?q=nurses+home+care&per_page=5").get_json()
    assert list(body) == list(api)
    body.pop("took_ms"), api.pop("took_ms")
    assert body == api
    assert [h["id"] for h in body["hits"]] == ["nurses-home-care-coop", "j-nurse-training"]


def test_search_with_no_results(runner, library_index):
    result = run(runner, "search", "xylophone", "--index", library_index)
    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0]
    assert first.startswith("0 results")
    assert "1-0" not in first  # no range of shown results when there are none


def test_search_prints_the_suggestion(runner, library_index):
    result = run(runner, "search", "bakkery", "--index", library_index)
    assert "Did you mean: bakery" in result.stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--from", "garbage"], "Invalid value for from: from 'garbage' is not a date"),
        (["--from", "2022", "--to", "2021"], "from is after to"),
        (["--sort", "bogus"], "Invalid value for '--sort'"),
        (["--per-page", "101"], "Invalid value for '--per-page'"),
    ],
)
def test_search_bad_options_exit_2_with_a_message(runner, library_index, args, words):
    result = run(runner, "search", "co-op", *args, "--index", library_index)
    assert result.exit_code == 2
    assert words in result.stderr


def test_search_without_an_index_exits_2(runner, tmp_path):
    result = run(runner, "search", "co-op", "--index", tmp_path / "nowhere")
    assert result.exit_code == 2
    assert f"error: no index at {tmp_path / 'nowhere'}: run `coopsearch index SOURCE...`" in result.stderr


# -- evaluate -------------------------------------------------------------------------------

TREC_LINE = re.compile(r"^(\S+) Q0 (\S+) (\d+) (-?\d+\.\d{4}) (\S+)$")


@pytest.fixture
def judgments(tmp_path):
    queries = tmp_path / "queries.jsonl"
    queries.write_text(
        '{"id": "q1", "text": "cargo tricycle"}\n'
        '{"id": "q2", "text": "wind energy"}\n'
        '{"id": "q3", "text": "xylophone"}\n',
        encoding="utf-8",
    )
    qrels = tmp_path / "qrels.tsv"
    qrels.write_text(
        "query-id\tdoc-id\trelevance\n"
        "q1\ttricycle-delivery\t1\n"
        "q2\tj-wind-turbine\t2\n"
        "q2\tauto-themed-energy\t1\n"
        "q3\tesop-buyout\t1\n",
        encoding="utf-8",
    )
    return queries, qrels


@pytest.fixture
def evaluation(runner, library_index, judgments, tmp_path):
    """`coopsearch evaluate` on the judgments, writing a TREC run: (result, run file)."""
    queries, qrels = judgments
    run_file = tmp_path / "run.txt"
    result = run(
        runner,
        "evaluate",
        "--queries",
        queries,
        "--qrels",
        qrels,
        "--run",
        run_file,
        "--tag",
        "t1",
        "--index",
        library_index,
    )
    assert result.exit_code == 0, result.output
    return result, run_file


def test_evaluate_prints_the_metrics(evaluation):
    result, _ = evaluation
    # q1 finds its one relevant entry first; q2 ranks auto-themed-energy (1) above j-wind-turbine (2),
    # nDCG (1 + 3/log2(3)) / (3 + 1/log2(3)) = 0.7967, AP 1; q3 finds nothing.
    assert result.stdout.splitlines() == [
        "queries     3",
        "ndcg@10     0.5989",
        "map@100     0.6667",
        "p@10        0.1000",
        "recall@100  0.6667",
    ]


def test_evaluate_writes_a_trec_run(evaluation):
    _, run_file = evaluation
    rows = [TREC_LINE.match(line) for line in run_file.read_text().splitlines()]
    assert all(rows), run_file.read_text()
    parsed = [(m[1], m[2], int(m[3]), float(m[4]), m[5]) for m in rows]
    assert [(q, doc, rank) for q, doc, rank, _, _ in parsed] == [
        ("q1", "tricycle-delivery", 1),
        ("q2", "auto-themed-energy", 1),
        ("q2", "j-wind-turbine", 2),
        # "wind energy" names the energy theme (issue 13): its other entries, below.
        ("q2", "solar-coop-rooftops", 3),
        ("q2", "pv-array-farm", 4),
    ]
    assert {tag for *_, tag in parsed} == {"t1"}
    assert parsed[1][3] >= parsed[2][3] > parsed[3][3] >= parsed[4][3] > 0


def test_evaluate_rejects_a_broken_queries_file(runner, library_index, judgments, tmp_path):
    _, qrels = judgments
    queries = tmp_path / "bad.jsonl"
    queries.write_text('{"id": "q1", "text": "ok"}\n{"id": "q2"}\n', encoding="utf-8")
    result = run(runner, "evaluate", "--queries", queries, "--qrels", qrels, "--index", library_index)
    assert result.exit_code == 2
    assert f"{queries}:2: a query needs JSON with id and text" in result.stderr


# -- themes evaluate ------------------------------------------------------------------------


def test_themes_evaluate_prints_a_row_per_theme(runner):
    result = run(runner, "themes", "evaluate", LIBRARY, "--themes", THEMES)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["theme", "curated", "assigned", "correct", "precision", "recall"]
    rows = [line.rsplit(None, 5) for line in lines[1:]]
    assert [r[0] for r in rows] == [*THEME_LABELS, "all (micro)"]
    # Curated themes of the 17 entries that name theirs (the auto-themed entry is left out).
    curated = {r[0]: int(r[1]) for r in rows}
    assert curated == {"health": 3, "energy": 3, "housing": 2, "food": 4, "governance": 7, "all (micro)": 19}
    for _name, cur, assigned, correct, precision, recall in rows:
        assigned, correct = int(assigned), int(correct)
        assert correct <= min(int(cur), assigned)
        assert float(precision) == pytest.approx(correct / assigned if assigned else 0.0, abs=0.005)
        assert float(recall) == pytest.approx(correct / int(cur), abs=0.005)
    assert int(rows[-1][2]) == sum(int(r[2]) for r in rows[:-1])


def test_version(runner):
    result = run(runner, "--version")
    assert result.exit_code == 0
    assert "0.1.0" in result.stdout


def test_search_prints_the_notices_before_the_results(runner, library_index):
    lines = run(runner, "search", "gobernance", "--index", library_index).stdout.splitlines()
    assert lines[1:3] == [
        "Including results for governance",
        "Filter by theme: Governance (7, --theme governance)",
    ]
    relaxed = run(runner, "search", "turbine", "bakery", "--index", library_index).stdout.splitlines()
    assert relaxed[1] == "No entry has all of turbine, bakery; showing entries with turbine."
    prefix = run(runner, "search", "mondr", "--index", library_index).stdout.splitlines()
    assert prefix[1] == "Including words beginning with mondr: mondragon"
    plain = run(runner, "search", "tricycle", "--index", library_index).stdout.splitlines()
    assert plain[1] == "" and not any(line.startswith(("Including", "No entry", "Filter")) for line in plain)
