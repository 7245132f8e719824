"""What the search did with the query's words, as plain sentences (the command line).

The same notices as the pages' (templates/_notices.html, static/app.js noticesNode) and in
the same order: words also matched through other words, words no entry has together, themes
the query names, a query cut to the length limit.
"""

from __future__ import annotations

from search import SearchResults


def named_themes(results: SearchResults):
    """The themes the query names that would narrow the results: with some of them but not
    all, and only with no theme filter in use (a second theme would widen them: "any of")."""
    if results.request.themes:
        return []
    return [t for t in results.themes_named if 0 < t.count < results.total]


def lines(results: SearchResults) -> list[str]:
    out = []
    approximate = results.approximate if results.total else ()  # news only if they found some
    typos = [a for a in approximate if a.kind == "typo"]
    if typos:
        words = dict.fromkeys(w for a in typos for w in a.matches)
        out.append(f"Including results for {', '.join(words)}")
    for a in approximate:
        if a.kind == "prefix":
            out.append(f"Including words beginning with {a.word}: {', '.join(a.matches)}")
    if results.relaxed:
        out.append(relaxed_sentence(results.relaxed.wanted, results.relaxed.kept))
    named = named_themes(results)
    if named:
        out.append("Filter by theme: " + ", ".join(f"{t.label} ({t.count}, --theme {t.id})" for t in named))
    if results.query_cut:
        out.append(f"Your query was cut to its first {len(results.query_cut)} characters.")
    return out


def relaxed_sentence(wanted: tuple[str, ...], kept: tuple[str, ...]) -> str:
    """ "No entry has all of taxi, cooperative; showing entries with taxi." """
    has = f"all of {', '.join(wanted)}" if len(wanted) > 1 else ", ".join(wanted)
    if kept:
        rest = f"with {', '.join(kept)}"
    elif len(wanted) > 1:
        rest = "with any of these words"
    else:
        rest = "with any of your other words"
    return f"No entry has {has}; showing entries {rest}."
