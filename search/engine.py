"""`SearchEngine`: the one object the web app and the CLI use to search an index.

It keeps one snapshot of the index open (Whoosh searcher, whole-index arrays, postings cache)
and swaps it for a new one when the indexer publishes a new generation or commits an update;
the check is a file read at most once per `refresh_seconds`, so searches never wait on it.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from whoosh import index as windex
from whoosh.searching import Searcher

from . import ranking, store
from .analysis import WORD_RE, index_terms, surface_parts
from .cache import ResultCache
from .complete import complete_word, split_last_word
from .docdata import DocData, load_docdata
from .errors import BadRequest, IndexUnavailable
from .facets import count_facets
from .highlight import mark, snippet
from .matching import Evaluation, Matcher
from .models import (
    MAX_PER_PAGE,
    MAX_RESULT_WINDOW,
    SORTS,
    Approximation,
    Completion,
    Entry,
    Hit,
    NamedTheme,
    Relaxation,
    Scope,
    SearchRequest,
    SearchResults,
    Theme,
    WordsRelaxed,
)
from .postings import PostingsCache
from .query import Group, Text, parse_query
from .suggest import Vocabulary, suggest
from .synonyms import Synonyms
from .theme_names import ThemeNames
from .themes import load_themes
from .urls import safe_url
from .words import Words

log = logging.getLogger("coopsearch.engine")

#: Longer queries are cut to this many characters (at a word boundary) and answered.
MAX_QUERY_CHARS = 1000
#: Longer queries that found something get no "did you mean": in a paragraph, an unknown
#: word is far more often a name or a code than a typo.
SUGGEST_MAX_WORDS = 5
#: "More like this" reads this much of an entry's text at most: its distinctive words are
#: there, and an entry page costs the same whatever the size of the body.
RELATED_CHARS = 20_000


@dataclass
class Snapshot:
    """Everything read from one version of the index."""

    generation: Path
    searcher: Searcher
    data: DocData
    postings: PostingsCache
    themes: dict[str, Theme]
    version: str
    built_at: str
    norms: dict = field(default_factory=dict)
    modified: float = 0.0
    theme_counts: tuple[tuple[Theme, int], ...] | None = None
    vocabulary: Vocabulary | None = None
    words: Words | None = None
    theme_names: ThemeNames | None = None
    #: Held while reading through `searcher`: Whoosh's readers seek and read shared files,
    #: and `postings` is an unlocked LRU, so threads of one worker take turns (the work is
    #: CPU-bound and holds the GIL anyway).
    lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        if self.vocabulary is None:
            self.vocabulary = Vocabulary(self.searcher.reader())
        if self.words is None:
            self.words = Words(self.searcher.reader())
        if self.theme_names is None:
            self.theme_names = ThemeNames(self.themes)


class SearchEngine:
    """Searches the index folder `index_dir`; safe to share between threads."""

    def __init__(
        self,
        index_dir: Path | str,
        synonyms_path: Path | str | None = None,
        refresh_seconds: float = 1.0,
        cache_size: int = 0,
        background_refresh: bool = False,
    ) -> None:
        """`cache_size`: how many search results to keep for repeated identical searches
        (0: none); a cached result is only used with the index version it came from.

        `background_refresh`: a thread checks for new index versions and opens them while
        searches go on with the version they have (opening takes seconds at 100,000 entries,
        which the request that noticed the change would otherwise wait for); without it, as
        in the command line and tests, the search that notices a new version opens it.
        """
        self.index_dir = Path(index_dir)
        self.synonyms = Synonyms(Path(synonyms_path) if synonyms_path else None)
        self.refresh_seconds = refresh_seconds
        self.cache: ResultCache[SearchResults | tuple] = ResultCache(cache_size)
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._retired: Snapshot | None = None
        self._checked = 0.0
        self.background_refresh = background_refresh
        self._watcher: threading.Thread | None = None
        self._closed = False

    # -- snapshots -----------------------------------------------------------------------

    def snapshot(self, wait: bool = False) -> Snapshot:
        """The current snapshot, reopened if the index changed since the last check.

        With `background_refresh`, a thread does the checking and opening once the first
        snapshot is open, and this returns at once; `wait` checks now and opens a new
        version before returning (after this process changed the index itself)."""
        snap = self._snapshot
        if snap is not None and not wait:
            if self.background_refresh or time.monotonic() - self._checked < self.refresh_seconds:
                return snap
        with self._lock:
            self._checked = time.monotonic()
            snap = self._snapshot
            try:
                fresh = self._changed(snap)
            except IndexUnavailable as exc:
                if snap is None:
                    raise
                # Keep answering from the version we have rather than failing every search.
                log.error("keeping index version %s: %s", snap.version, exc)
                return snap
            if fresh is not None:
                self._swap(fresh)
            if self.background_refresh and self._watcher is None:
                self._watcher = threading.Thread(target=self._watch, name="coopsearch-refresh", daemon=True)
                self._watcher.start()
            return self._snapshot

    def _changed(self, snap: Snapshot | None) -> Snapshot | None:
        """A snapshot of the index's current version if it is not `snap`'s, else None."""
        gen = store.current_generation(self.index_dir)
        if snap is not None and snap.generation == gen and snap.searcher.up_to_date():
            return None
        return self._open(gen)

    def _watch(self) -> None:
        """Every `refresh_seconds`, open a new version if there is one, while searches go on
        with the one they have; a worker with no requests to answer still keeps up."""
        while not self._closed:
            time.sleep(self.refresh_seconds)
            snap = self._snapshot
            try:
                fresh = self._changed(snap)
            except Exception as exc:  # noqa: BLE001 - logged; the next round tries again
                log.error("keeping index version %s: %s", snap.version if snap else "-", exc)
                continue
            if fresh is None:
                continue
            with self._lock:
                # Something newer may have been opened meanwhile (`snapshot(wait=True)`).
                if self._closed or self._snapshot is not snap:
                    fresh.searcher.close()
                else:
                    self._swap(fresh)

    def _swap(self, fresh: Snapshot) -> None:
        """Serve `fresh` from now on. The replaced snapshot may still be in use by a request
        in another thread: it is closed only at the next swap."""
        if self._retired is not None:
            self._retired.searcher.close()
        self._retired, self._snapshot = self._snapshot, fresh

    def _open(self, gen: Path) -> Snapshot:
        meta = store.read_meta(gen)
        try:
            ix = windex.open_dir(str(gen))
            searcher = ix.searcher()
        except Exception as exc:  # Whoosh raises many kinds for a damaged folder
            raise IndexUnavailable(f"cannot open the index at {gen}: {exc}") from exc
        try:
            data = load_docdata(searcher.reader())
            themes_file = gen / store.THEMES
            themes = load_themes(themes_file) if themes_file.exists() else {}
            return Snapshot(
                gen,
                searcher,
                data,
                PostingsCache(searcher.reader()),
                themes,
                f"{gen.name}.{ix.latest_generation()}",
                str(meta.get("built_at", "")),
                ranking.length_norms(data),
                store.modified_at(gen),
            )
        except Exception as exc:  # a folder Whoosh opens but we cannot read: not our index
            searcher.close()
            raise IndexUnavailable(f"cannot read the index at {gen}: {exc}") from exc

    @property
    def version(self) -> str:
        """Changes whenever what searches return may change: for ETags and caches."""
        return self.snapshot().version

    @property
    def modified(self) -> dt.datetime:
        """When the index being served last changed (UTC): for Last-Modified and feeds."""
        return self.state()[1]

    def state(self) -> tuple[str, dt.datetime]:
        """`version` and `modified` of one and the same snapshot."""
        snap = self.snapshot()
        return snap.version, dt.datetime.fromtimestamp(int(snap.modified), dt.UTC)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for snap in (self._snapshot, self._retired):
                if snap is not None:
                    snap.searcher.close()
            self._snapshot = self._retired = None

    # -- searching -----------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResults:
        """Run one search: match, filter, count facets, rank, page, highlight.

        An identical request on the same index version and synonyms is answered from the
        cache; `took_ms` is then the time the answer took, not the first search's."""
        started = time.perf_counter()
        _validate(request)
        snap = self.snapshot()
        table = self.synonyms.table()
        results = self.cache.get(request, snap, table)
        if results is None:
            cut = cut_query(request.query)
            with snap.lock:
                results = self._search(snap, replace(request, query=cut) if cut else request, started, table)
            if cut:
                results = replace(results, request=request, query_cut=cut)
            self.cache.put(request, results, snap, table)
            return results
        return replace(results, took_ms=(time.perf_counter() - started) * 1000)

    def _search(self, snap: Snapshot, request: SearchRequest, started: float, table: dict) -> SearchResults:
        evaluation = self._evaluate(snap, parse_query(request.query), table, open_word(request.query))
        filters = self._filters(snap, request)
        matched = evaluation.mask
        pinned = np.zeros(0, dtype=np.int64)
        if request.scope is not None:
            evaluation, matched, pinned = self._within(snap, request.scope, evaluation, table)
        final = matched.copy()
        for mask in filters.values():
            final &= mask
        facets = {}
        if request.facets:
            facets = count_facets(
                snap.data,
                matched,
                filters,
                _selected(request, snap.data.facets["years"].values),
                snap.themes,
                request.author_facet_size,
            )
        docnums = np.flatnonzero(final)
        page = self._page(snap.data, docnums, evaluation, request, pinned)
        hits = tuple(self._hit(snap, int(d), evaluation, request.snippets) for d in page)
        suggestion = None
        if request.spelling and evaluation.missing_words and (
            len(docnums) == 0 or len(request.query.split()) <= SUGGEST_MAX_WORDS
        ):
            suggestion = suggest(snap.searcher, request.query, evaluation.missing_words, snap.vocabulary)
        relaxations = _relaxations(request, matched, filters, snap.themes) if len(docnums) == 0 else ()
        took = (time.perf_counter() - started) * 1000
        return SearchResults(
            request,
            len(docnums),
            hits,
            facets,
            suggestion,
            took,
            relaxations,
            tuple(Approximation(a.typed, a.kind, a.words) for a in evaluation.approximate),
            WordsRelaxed(evaluation.relaxed.wanted, evaluation.relaxed.kept) if evaluation.relaxed else None,
            _named_themes(snap, evaluation.themes_named, final),
        )

    def _evaluate(
        self, snap: Snapshot, group: Group, table: dict | None = None, last_word: str = ""
    ) -> Evaluation:
        """`table`: the synonyms the caller already read (reading them checks the file).
        `last_word`: the word the query ends in, which may be unfinished."""
        table = self.synonyms.table() if table is None else table
        matcher = Matcher(
            snap.data, snap.postings, snap.searcher, table, snap.norms, snap.words, snap.theme_names,
            open_word=last_word,
        )  # fmt: skip
        return matcher.evaluate(group)

    def _within(
        self, snap: Snapshot, scope: Scope, evaluation: Evaluation, table: dict
    ) -> tuple[Evaluation, np.ndarray, np.ndarray]:
        """Narrow the visitor's matches to the scope: (its query and filters) + pinned - hidden.

        Returns the evaluation to rank by (the scope query's when the visitor's has no words
        to rank by), the matches, and the pinned documents in the scope, in pinned order.
        """
        own = self._evaluate(snap, parse_query(scope.query), table)
        mask = own.mask.copy()
        for filter_mask in self._filters(snap, scope).values():
            mask &= filter_mask
        pinned = _docnums(snap.data, scope.pinned)
        mask[pinned] = True
        mask[_docnums(snap.data, scope.hidden)] = False
        matched = evaluation.mask & mask
        if not evaluation.scored and own.scored:
            evaluation = Evaluation(matched, own.scores, own.highlight_terms, evaluation.missing_words, True)
        return evaluation, matched, pinned[mask[pinned]] if scope.pinned_first else pinned[:0]

    def _filters(self, snap: Snapshot, request: SearchRequest | Scope) -> dict[str, np.ndarray]:
        data = snap.data
        filters = {}
        for name, values in (
            ("themes", request.themes),
            ("authors", request.authors),
            ("types", request.types),
        ):
            if values:
                mask = np.zeros(data.n, dtype=bool)
                for value in values:
                    mask[data.facets[name].docs_with(value)] = True
                filters[name] = mask
        if request.date_from or request.date_to:
            mask = data.day > 0
            if request.date_from:
                mask &= data.day >= request.date_from.toordinal()
            if request.date_to:
                mask &= data.day <= request.date_to.toordinal()
            filters["years"] = mask
        return filters

    def _page(
        self,
        data: DocData,
        docnums: np.ndarray,
        evaluation: Evaluation,
        request: SearchRequest,
        pinned: np.ndarray,
    ) -> np.ndarray:
        """The page's documents: the `pinned` ones among `docnums` first, then the rest in order."""
        start = (request.page - 1) * request.per_page
        end = start + request.per_page
        if start >= len(docnums):
            return docnums[:0]
        first = pinned[np.isin(pinned, docnums)] if len(pinned) else pinned
        rest = docnums[~np.isin(docnums, first)] if len(first) else docnums
        order = _order(data, rest, evaluation, request.sort, limit=end)
        if not len(first):
            return rest[order[start:end]]
        return np.concatenate([first, rest[order]])[start:end]

    def _hit(self, snap: Snapshot, docnum: int, evaluation: Evaluation, snippets: bool = True) -> Hit:
        fields = snap.searcher.stored_fields(docnum)
        terms = evaluation.highlight_terms if snippets else set()
        return Hit(
            **_described(fields),
            snippet=snippet(fields.get("summary", ""), fields.get("body", ""), terms) if snippets else "",
            score=float(evaluation.scores[docnum]),
            title_html=mark(fields.get("title", ""), terms),
        )

    def complete(self, text: str, limit: int = 8) -> list[Completion]:
        """Autocomplete for a search box: finished queries first, then matching titles."""
        text = text[:MAX_QUERY_CHARS].lstrip()
        head, last = split_last_word(text)
        if not text.strip():
            return []
        snap = self.snapshot()
        key, table = ("complete", text, limit), self.synonyms.table()
        cached = self.cache.get(key, snap, table)
        if cached is not None:
            return list(cached)
        with snap.lock:
            words = complete_word(snap.searcher, last, max(1, limit // 2)) if last else []
        found = [Completion("term", head + word) for word in words]
        query = found[0].text if found else text
        titles = self.search(
            SearchRequest(query=query, per_page=limit, facets=False, snippets=False, spelling=False)
        ).hits
        found.extend(Completion("title", hit.title, hit.id) for hit in titles)
        self.cache.put(key, tuple(found[:limit]), snap, table)
        return found[:limit]

    # -- entries, related entries, themes -----------------------------------------------

    def get_entry(self, entry_id: str, related: int = 5) -> Entry | None:
        """One entry with its related entries, or None if the index has no such id."""
        snap = self.snapshot()
        docnum = snap.data.docnum_of.get(entry_id)
        if docnum is None:
            return None
        with snap.lock:
            fields = snap.searcher.stored_fields(docnum)
            return Entry(
                **_described(fields),
                body=fields.get("body", ""),
                body_html=fields.get("body_html", ""),
                related=self._related(snap, docnum, fields, related) if related else (),
            )

    def missing(self, ids: tuple[str, ...] | list[str]) -> tuple[str, ...]:
        """The ids, in the order given, that are not (or no longer) in the index."""
        known = self.snapshot().data.docnum_of
        return tuple(i for i in dict.fromkeys(ids) if i not in known)

    def _related(self, snap: Snapshot, docnum: int, fields: dict, count: int) -> tuple[Hit, ...]:
        """More like this: the entry's most distinctive words as a query, itself left out."""
        text = " ".join([fields.get("title", "")] * 2 + [fields.get("summary", ""), fields.get("body", "")])
        words = _distinctive_words(snap, text[:RELATED_CHARS])
        if not words:
            return ()
        evaluation = self._evaluate(snap, Group(should=tuple(Text(w) for w in words)))
        scores = evaluation.scores.copy()
        mine = set(fields.get("themes") or ())
        for theme in mine:
            scores[snap.data.facets["themes"].docs_with(theme)] *= 1.25
        scores[docnum] = 0
        candidates = np.flatnonzero(scores > 0)
        best = candidates[np.argsort(-scores[candidates], kind="stable")[:count]]
        plain = Evaluation(evaluation.mask, scores, set())
        return tuple(self._hit(snap, int(d), plain) for d in best)

    def themes(self) -> list[tuple[Theme, int]]:
        """The themes of the library with how many entries each has, in file order."""
        snap = self.snapshot()
        if snap.theme_counts is None:  # once per snapshot: every API search asks
            index = snap.data.facets["themes"]
            counts = index.counts(snap.data.live)
            by_value = {v: int(c) for v, c in zip(index.values, counts, strict=True)}
            snap.theme_counts = tuple((theme, by_value.get(theme.id, 0)) for theme in snap.themes.values())
        return list(snap.theme_counts)

    def stats(self) -> dict[str, object]:
        snap = self.snapshot()
        return {
            "entries": int(snap.data.live.sum()),
            "version": snap.version,
            "built_at": snap.built_at,
            "generation": snap.generation.name,
            "modified": dt.datetime.fromtimestamp(snap.modified, dt.UTC).isoformat(),
        }


def open_word(query: str) -> str:
    """The last written word of a query that ends in it (no space, quote or bracket after),
    which a visitor may still have been typing: "heat pum" gives "pum"."""
    words = list(WORD_RE.finditer(query))
    if not words or words[-1].end() != len(query) or query.rstrip() != query:
        return ""
    parts = surface_parts(words[-1].group())
    return parts[-1] if parts else ""


def _named_themes(snap: Snapshot, themes: list[str], final: np.ndarray) -> tuple[NamedTheme, ...]:
    out = []
    for theme_id in themes:
        theme = snap.themes.get(theme_id)
        if theme is not None:
            count = int(final[snap.data.facets["themes"].docs_with(theme_id)].sum())
            out.append(NamedTheme(theme_id, theme.label, count))
    return tuple(out)


def _docnums(data: DocData, ids: tuple[str, ...]) -> np.ndarray:
    """The live documents with these ids, in the order given; unknown ids are left out."""
    found = [data.docnum_of[i] for i in dict.fromkeys(ids) if i in data.docnum_of]
    return np.array(found, dtype=np.int64)


def _order(
    data: DocData, docnums: np.ndarray, evaluation: Evaluation, sort: str, limit: int | None = None
) -> np.ndarray:
    """The positions of `docnums` in result order; ties go to the newer entry, then the index order.

    With `limit`, only the first `limit` positions: the documents that can be among them (by
    the first sort key, ties included) are found by a partition, and only those are sorted.
    """
    day = data.day[docnums].astype(np.int64)
    score = evaluation.scores[docnums]
    if sort == "relevance" and evaluation.scored:
        keys = (docnums, -day, -score)
    elif sort == "oldest":
        keys = (docnums, -score, np.where(day > 0, day, np.iinfo(np.int64).max))
    else:  # newest, and relevance without words to rank by
        keys = (docnums, -score, np.where(day > 0, -day, 1))
    if limit is None or limit * 4 >= len(docnums):
        return np.lexsort(keys)[:limit]
    first = keys[-1]
    kth = np.partition(first, limit - 1)[limit - 1]
    candidates = np.flatnonzero(first <= kth)
    return candidates[np.lexsort(tuple(k[candidates] for k in keys))][:limit]


def _described(fields: dict) -> dict:
    """What a hit and an entry share, from the stored fields of a document."""
    return {
        "id": fields["id"],
        "title": fields.get("title", ""),
        "url": safe_url(fields.get("url")),  # an old index may hold a javascript: URL
        "date": fields.get("date") or None,
        "authors": tuple(fields.get("authors") or ()),
        "themes": tuple(fields.get("themes") or ()),
        "theme_source": fields.get("theme_source", "curated"),
        "type": (fields.get("type") or [None])[0],
        "summary": fields.get("summary", ""),
    }


def _distinctive_words(snap: Snapshot, text: str, count: int = 25) -> list[str]:

    reader = snap.searcher.reader()
    n = max(int(snap.data.live.sum()), 1)
    tf: dict[str, int] = {}
    for term in index_terms(text):
        tf[term] = tf.get(term, 0) + 1
    scored = []
    for term, freq in tf.items():
        df = reader.doc_frequency("body", term) + reader.doc_frequency("title", term)
        if df <= 1 or df > n * 0.5:
            continue
        scored.append((freq * np.log(n / df), term))
    scored.sort(reverse=True)
    return [term for _, term in scored[:count]]


#: The request parameter behind each filter mask.
_FILTER_PARAMS = {"themes": "theme", "authors": "author", "types": "type", "years": "date"}


def _relaxations(
    request: SearchRequest, matched: np.ndarray, filters: dict[str, np.ndarray], themes: dict[str, Theme]
) -> tuple[Relaxation, ...]:
    """For each filter of a search that found nothing, how many results dropping it would give."""
    found = []
    for name in filters:
        mask = matched.copy()
        for other, other_mask in filters.items():
            if other != name:
                mask &= other_mask
        total = int(mask.sum())
        if total:
            values, label = _filter_values(request, name, themes)
            found.append(Relaxation(_FILTER_PARAMS[name], values, label, total))
    return tuple(sorted(found, key=lambda r: -r.total))


def _filter_values(request: SearchRequest, name: str, themes: dict[str, Theme]) -> tuple[tuple, str]:
    if name == "years":
        lo, hi = request.date_from, request.date_to
        values = (lo.isoformat() if lo else "", hi.isoformat() if hi else "")
        return values, f"{lo.isoformat() if lo else '…'} – {hi.isoformat() if hi else '…'}"
    values = getattr(request, name)
    if name == "themes":
        return values, ", ".join(themes[v].label if v in themes else v for v in values)
    return values, ", ".join(values)


def _selected(request: SearchRequest, years: list[str]) -> dict[str, set[str]]:
    """The facet values a request has chosen; for dates, the indexed years inside the range."""
    selected = {
        "themes": set(request.themes),
        "authors": set(request.authors),
        "types": set(request.types),
    }
    if request.date_from or request.date_to:
        lo = request.date_from.year if request.date_from else 0
        hi = request.date_to.year if request.date_to else 99999
        selected["years"] = {y for y in years if y.isdigit() and lo <= int(y) <= hi}
    return selected


def cut_query(query: str) -> str | None:
    """A query longer than MAX_QUERY_CHARS cut at the last word boundary within it (None
    if it fits): a pasted paragraph is searched by its beginning, not refused."""
    if len(query) <= MAX_QUERY_CHARS:
        return None
    head = query[: MAX_QUERY_CHARS + 1]
    cut = head[:-1] if head[-1].isspace() else (head.rsplit(None, 1)[0] if len(head.split()) > 1 else "")
    return cut.rstrip() or query[:MAX_QUERY_CHARS]


def _validate(request: SearchRequest) -> None:
    if request.sort not in SORTS:
        raise BadRequest(f"sort must be one of {', '.join(SORTS)}, not {request.sort!r}", "sort")
    if not 1 <= request.per_page <= MAX_PER_PAGE:
        raise BadRequest(f"per_page must be between 1 and {MAX_PER_PAGE}", "per_page")
    if request.page < 1:
        raise BadRequest("page must be 1 or more", "page")
    if request.page * request.per_page > MAX_RESULT_WINDOW:
        raise BadRequest(
            f"only the first {MAX_RESULT_WINDOW} results can be paged through; "
            "narrow the search with filters",
            "page",
        )
    if request.date_from and request.date_to and request.date_from > request.date_to:
        raise BadRequest("from is after to", "from")
    scope = request.scope
    if scope is not None:
        if len(scope.query) > MAX_QUERY_CHARS:
            raise BadRequest(f"the scope's query is longer than {MAX_QUERY_CHARS} characters", "scope")
        if scope.date_from and scope.date_to and scope.date_from > scope.date_to:
            raise BadRequest("the scope's from is after its to", "scope")
