"""The index schema: the contract between the indexer, which writes it, and the engine.

Text fields are searched and weighted (see `ranking.py`); list fields hold exact values for
filters and facets; columns hold one value per document for fast whole-index reads. Change
anything here or in `analysis.py` and bump `SCHEMA_VERSION`: the engine refuses an index built
with another version and asks for `coopsearch index --rebuild`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence

from whoosh import columns, fields, formats

from .analysis import CoopAnalyzer, NameAnalyzer, index_terms

#: 2: bodies' HTML stored (`body_html`), rendered when indexed.
#: 3: the written words of each entry (`words`), for typo and prefix matching, and the pairs
#: of terms side by side (`pairs`), for proximity.
SCHEMA_VERSION = 3

#: Text fields searched by a query without a field prefix, in the order snippets prefer.
TEXT_FIELDS = ("title", "summary", "body", "authors")


class CoopText(fields.TEXT):
    """A TEXT field that indexes through `index_terms` instead of Whoosh's token stream.

    Indexing dominates build time; going straight from words to (term, positions) skips a
    generator chain and a token object per word. Queries and highlighting still use the
    analyzer, and the two paths give the same terms.
    """

    def __init__(self, stored: bool = False) -> None:
        super().__init__(analyzer=CoopAnalyzer(), stored=stored, phrase=True)

    def index(self, value: str, **kwargs: object) -> Iterator[tuple[bytes, int, float, bytes]]:
        poses: dict[str, list[int]] = defaultdict(list)
        for pos, term in enumerate(index_terms(value)):
            poses[term].append(pos)
        encode = self.format.encode
        for term, plist in poses.items():
            yield term.encode("utf-8"), len(plist), float(len(plist)), encode(plist)


class ExactList(fields.FieldType):
    """A list of exact values (theme ids, author names, type, year, source).

    Values are indexed as given, without analysis, so facets show them as written and filters
    match them exactly; documents are found by value through the postings.
    """

    def __init__(self, stored: bool = False) -> None:
        self.format = formats.Existence()
        self.stored = stored
        # Scorable only so that Whoosh writes a (tiny) length column: without one, flushing a
        # segment checks the disk for the missing column once per posting, which made these
        # fields cost more than all the text fields together.
        self.scorable = True
        self.unique = False
        self.vector = None
        self.analyzer = None
        self.column_type = None

    def index(self, value: Sequence[str], **kwargs: object) -> Iterator[tuple[bytes, int, float, bytes]]:
        for item in sorted(set(value)):
            yield item.encode("utf-8"), 1, 1.0, b""

    def process_text(self, qstring: str, mode: str = "", **kwargs: object) -> Iterator[str]:
        yield qstring

    def self_parsing(self) -> bool:
        return False


def build_schema() -> fields.Schema:
    """The one schema of a coopsearch index."""
    return fields.Schema(
        id=fields.ID(stored=True, unique=True, sortable=True),
        title=CoopText(stored=True),
        summary=CoopText(stored=True),
        body=CoopText(stored=True),
        body_html=fields.STORED(),
        # Written words (folded, unstemmed) of title, summary and body: the vocabulary that
        # typo tolerance and prefix matching search, then map to the terms above.
        words=ExactList(),
        # Terms side by side in the title or summary ("union coop"): shingles, as
        # Elasticsearch's index_phrases, so proximity costs one lookup, not position reads.
        # Not the body's: all of them doubled the 100,000-entry benchmark's index.
        pairs=ExactList(),
        authors=fields.TEXT(analyzer=NameAnalyzer(), stored=True, phrase=True),
        author=ExactList(),
        themes=ExactList(stored=True),
        theme_source=fields.STORED(),
        type=ExactList(stored=True),
        year=ExactList(),
        date=fields.STORED(),
        day=fields.COLUMN(columns.NumericColumn("i", default=0)),
        url=fields.STORED(),
        source=ExactList(stored=True),
        origin=fields.STORED(),
        hash=fields.COLUMN(columns.VarBytesColumn()),
    )
