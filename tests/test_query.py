"""search/query.py: the query trees built from what visitors type; parsing never raises."""

from __future__ import annotations

import pytest

from search.query import And, Exact, Group, Not, Or, Text, YearRange, parse_query, parse_year_range


def test_natural_words_are_optional_side_by_side():
    assert parse_query("nurse co-ops in Mondragón") == Group(
        should=(Text("nurse"), Text("co-ops"), Text("in"), Text("Mondragón"))
    )


def test_empty_query_is_an_empty_group():
    assert parse_query("") == Group()
    assert parse_query("   ") == Group()


def test_quoted_words_are_a_phrase():
    assert parse_query('"home care" nurses') == Group(should=(Text("home care", phrase=True), Text("nurses")))


def test_minus_excludes_and_plus_requires():
    assert parse_query("solar -wind +coop") == Group(
        should=(Text("solar"),), must=(Text("coop"),), must_not=(Text("wind"),)
    )


def test_signed_phrase_and_group():
    assert parse_query('-"wind turbine" +(solar panels)') == Group(
        must=(Group(should=(Text("solar"), Text("panels"))),),
        must_not=(Text("wind turbine", phrase=True),),
    )


def test_and_binds_tighter_than_or():
    assert parse_query("a OR b AND c") == Group(should=(Or((Text("a"), And((Text("b"), Text("c"))))),))


def test_parentheses_group_operators():
    assert parse_query("(a OR b) AND c") == Group(
        should=(And((Group(should=(Or((Text("a"), Text("b"))),)), Text("c"))),)
    )


def test_not_in_front_excludes_and_inside_and_negates():
    assert parse_query("NOT wind") == Group(must_not=(Text("wind"),))
    assert parse_query("solar AND NOT wind") == Group(should=(And((Text("solar"), Not(Text("wind")))),))


def test_lowercase_operators_are_words():
    assert parse_query("bread and roses or not") == Group(
        should=(Text("bread"), Text("and"), Text("roses"), Text("or"), Text("not"))
    )


@pytest.mark.parametrize(
    ("query", "node"),
    [
        ("title:bakery", Text("bakery", "title")),
        ('title:"home care"', Text("home care", "title", phrase=True)),
        ("summary:grocery", Text("grocery", "summary")),
        ("body:till", Text("till", "body")),
        ("author:Ruiz", Text("Ruiz", "authors")),
        ("authors:Ruiz", Text("Ruiz", "authors")),
        ("by:Ruiz", Text("Ruiz", "authors")),
        ('author:"Ana Ruiz"', Text("Ana Ruiz", "authors", phrase=True)),
        ("theme:Energy", Exact("themes", "energy")),
        ("themes:food", Exact("themes", "food")),
        ("type:report", Exact("types", "report")),
        ('type:"case study"', Exact("types", "case study")),
        ("year:2019", YearRange(2019, 2019)),
        ("date:2019", YearRange(2019, 2019)),
        ("year:2010-2015", YearRange(2010, 2015)),
        ("year:2010..2015", YearRange(2010, 2015)),
        ("year:2015-2010", YearRange(2010, 2015)),
        ("year:2015-", YearRange(2015, None)),
        ("year:..2015", YearRange(None, 2015)),
        ("year:>=2015", YearRange(2015, None)),
        ("year:>2015", YearRange(2016, None)),
        ("year:<=2015", YearRange(None, 2015)),
        ("year:<2015", YearRange(None, 2014)),
    ],
)
def test_field_prefixes(query, node):
    assert parse_query(query) == Group(should=(node,))


def test_field_prefixes_combine_with_words_and_signs():
    assert parse_query("nurses theme:health -year:<2020") == Group(
        should=(Text("nurses"), Exact("themes", "health")),
        must_not=(YearRange(None, 2019),),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019", YearRange(2019, 2019)),
        ("2010 to 2015", YearRange(2010, 2015)),
        ("nineteen", None),
        ("20199", None),
        ("", None),
    ],
)
def test_parse_year_range(text, expected):
    assert parse_year_range(text) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('"unbalanced quote', Group(should=(Text("unbalanced quote", phrase=True),))),
        ('"', Group()),
        ('""', Group()),
        ("(solar wind", Group(should=(Group(should=(Text("solar"), Text("wind"))),))),
        ("solar)", Group(should=(Text("solar"),))),
        (")(", Group()),
        ("AND", Group()),
        ("OR OR", Group()),
        ("NOT", Group()),
        ("solar AND", Group(should=(Text("solar"),))),
        ("OR solar", Group(should=(Text("solar"),))),
        ("foo:bar", Group(should=(Text("foo:bar"),))),
        ("year:abc", Group(should=(Text("year:abc"),))),
        ("theme:", Group(should=(Text("theme:"),))),
    ],
)
def test_garbage_is_read_as_words(query, expected):
    assert parse_query(query) == expected


@pytest.mark.parametrize(
    "query",
    [
        "-",
        "+",
        "- + ( ) \" ' :",
        "((((a))",
        "a AND OR NOT b",
        "NOT NOT NOT",
        'title:"',
        "title:(a b)",
        "::::",
        "-(-(-(a",
        "\x00\x01\t\n",
        "年 مرحبا ✓",
        "a AND " * 160,
        "NOT " * 250,
    ],
)
def test_garbage_never_raises(query):
    assert isinstance(parse_query(query), Group)


@pytest.mark.parametrize("query", ["(" * 1000, "-(" * 500, "(a " * 333])
def test_deeply_nested_parentheses_within_the_length_limit_never_raise(query):
    # The web layer accepts queries up to 1000 characters; the parser promises never to raise.
    assert len(query) <= 1000
    assert isinstance(parse_query(query), Group)
