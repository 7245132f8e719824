"""The test library in tests/data and what is known about it, worked out by hand.

Tests assert exact numbers against these tables; if you change an entry in tests/data/library,
change the tables here to match.

| id                      | year    | authors               | themes                | type       |
|-------------------------|---------|-----------------------|-----------------------|------------|
| nurses-home-care-coop   | 2023    | Ana Ruiz              | health                | case study |
| mondragon-bank-history  | 2019    | Jon Etxeberria        | governance            | article    |
| solar-coop-rooftops     | 2021    | Maya Chen             | energy                | news       |
| pv-array-farm           | 2020    | Maya Chen, Tom Okafor | energy                | report     |
| housing-tenants-union   | 2018    | Ana Ruiz              | housing, governance   | case study |
| bakery-worker-owners    | 2022    | Lena Novak            | food                  | case study |
| script-escape-entry     | 2017    | Sam Patel             | governance            | guide      |
| undated-grocery-notes   | undated | Lena Novak            | food                  | article    |
| auto-themed-energy      | 2016    | Tom Okafor            | (auto) energy         | article    |
| esop-buyout             | 2014    | Sam Patel             | governance            | article    |
| employee-stock-plan     | 2015    | Jon Etxeberria        | governance            | report     |
| tricycle-delivery       | 2024    | Maya Chen             | food                  | news       |
| j-coop-clinic           | 2023    | Ana Ruiz              | health                | news       |
| j-wind-turbine          | 2021    | Tom Okafor            | energy                | news       |
| j-rent-strike           | 2019    | Sam Patel             | housing               | news       |
| j-cafe-sociocracy       | 2020    | Lena Novak            | food, governance      | interview  |
| j-undated-newsletter    | undated | (none)                | governance            | news       |
| j-nurse-training        | 2022    | Ana Ruiz              | health                | guide      |

The j-* entries come from library/news.jsonl, the others from one Markdown file each.
"""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
DATA = TESTS / "data"
LIBRARY = DATA / "library"
BROKEN = DATA / "broken"
THEMES = DATA / "themes.toml"
SYNONYMS = DATA / "synonyms.txt"

MARKDOWN_IDS = frozenset(
    {
        "nurses-home-care-coop",
        "mondragon-bank-history",
        "solar-coop-rooftops",
        "pv-array-farm",
        "housing-tenants-union",
        "bakery-worker-owners",
        "script-escape-entry",
        "undated-grocery-notes",
        "auto-themed-energy",
        "esop-buyout",
        "employee-stock-plan",
        "tricycle-delivery",
    }
)
JSONL_IDS = frozenset(
    {
        "j-coop-clinic",
        "j-wind-turbine",
        "j-rent-strike",
        "j-cafe-sociocracy",
        "j-undated-newsletter",
        "j-nurse-training",
    }
)
ALL_IDS = MARKDOWN_IDS | JSONL_IDS
UNDATED_IDS = frozenset({"undated-grocery-notes", "j-undated-newsletter"})
AUTO_THEMED_ID = "auto-themed-energy"

THEME_COUNTS = {"governance": 7, "energy": 4, "food": 4, "health": 3, "housing": 2}
AUTHOR_COUNTS = {
    "Ana Ruiz": 4,
    "Lena Novak": 3,
    "Maya Chen": 3,
    "Sam Patel": 3,
    "Tom Okafor": 3,
    "Jon Etxeberria": 2,
}
TYPE_COUNTS = {"news": 6, "article": 4, "case study": 3, "guide": 2, "report": 2, "interview": 1}
YEAR_COUNTS = {
    "2024": 1,
    "2023": 2,
    "2022": 2,
    "2021": 2,
    "2020": 2,
    "2019": 2,
    "2018": 1,
    "2017": 1,
    "2016": 1,
    "2015": 1,
    "2014": 1,
    "undated": 2,
}
THEME_LABELS = {
    "health": "Health and care",
    "energy": "Energy",
    "housing": "Housing",
    "food": "Food",
    "governance": "Governance",
}

#: Newest first; entries with only a year or a month sort as their first day; undated last.
NEWEST_FIRST = [
    "tricycle-delivery",  # 2024-02-01
    "nurses-home-care-coop",  # 2023-06-16
    "j-coop-clinic",  # 2023-01-20
    "bakery-worker-owners",  # 2022-11-12
    "j-nurse-training",  # 2022
    "j-wind-turbine",  # 2021-07-04
    "solar-coop-rooftops",  # 2021-06-16
    "j-cafe-sociocracy",  # 2020-05-05
    "pv-array-farm",  # 2020
    "j-rent-strike",  # 2019-10-10
    "mondragon-bank-history",  # June 2019
    "housing-tenants-union",  # 2018-03-03
    "script-escape-entry",  # 2017-01-05
    "auto-themed-energy",  # 2016
    "employee-stock-plan",  # 2015-09-30
    "esop-buyout",  # 2014-04-01
]


def facet_counts(results, name: str) -> dict[str, int]:
    """A facet of `SearchResults` (or of the API's JSON) as {value: count}."""
    facets = results["facets"] if isinstance(results, dict) else results.facets
    return {
        (v["value"] if isinstance(v, dict) else v.value): (v["count"] if isinstance(v, dict) else v.count)
        for v in facets[name]
    }


def selected_values(results, name: str) -> set[str]:
    """The values of a facet of `SearchResults` marked selected."""
    return {v.value for v in results.facets[name] if v.selected}
