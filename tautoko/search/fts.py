"""Full-text search over petitions' titles, summaries and statements.

All of the search's raw SQL lives here. PostgreSQL uses its own full-text search
(``SearchVector``/``SearchQuery``/``SearchRank``) over an expression GIN index; SQLite uses an
FTS5 virtual table with the petitions table as its external content, kept in step by
triggers in the database itself, so every write path (the organiser's edits, moderation,
bulk loads, the admin) updates it without any Python code remembering to.

On SQLite, Django rebuilds a table to alter one of its columns, and that drops the table's
triggers: ``index_ensure`` runs after every ``migrate`` (post_migrate) and puts them back,
re-indexing when it had to.
"""

from __future__ import annotations

import functools
import operator
import re
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F, FloatField, QuerySet, Value
from django.db.models.expressions import RawSQL

FTS_TABLE = "petitions_petition_fts"
PETITIONS_TABLE = "petitions_petition"
PG_INDEX = "petition_search_idx"
PG_CONFIG = "english"
# Longest query taken, and most words in it: a search box, not a document.
QUERY_MAX_LENGTH = 200
QUERY_MAX_WORDS = 12
# A "similar petitions" search reads a title and a summary (80 + 300 characters).
SIMILAR_MAX_LENGTH = 400

# Words that say nothing about what a petition asks for, left out of "similar petitions"
# searches, where any one word may match: PostgreSQL's English stop words (so that both
# databases drop the same ones; SQLite's FTS5 has no stop words), te reo Māori particles,
# and the words nearly every petition uses. (A word list reads best as words.)
SIMILAR_IGNORED_WORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been before
    being below between both but by can did do does doing don down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is
    it its itself just me more most my myself no nor not now of off on once only or other our
    ours ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we
    were what when where which while who whom why will with you your yours yourself
    yourselves
    ai ana ake atu e hei i ia kei ki ko kua kia ka ma mā me mo mō na nā nei nga ngā no nō
    o ō ra rā ta tā te tenei tēnei to tō
    ask asking asks call calling calls government petition petitions please request urge
    kawanatanga kāwanatanga petihana
    """.split()  # noqa: SIM905
)

# The title counts most, then what should happen, then why.
SEARCH_VECTOR = (
    SearchVector("title", weight="A", config=PG_CONFIG)
    + SearchVector("summary", weight="B", config=PG_CONFIG)
    + SearchVector("statement", weight="C", config=PG_CONFIG)
)

_SQLITE_SCHEMA = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS petitions_petition_fts USING fts5(
        title, summary, statement,
        content='petitions_petition', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER IF NOT EXISTS petitions_petition_fts_ai
        AFTER INSERT ON petitions_petition BEGIN
        INSERT INTO petitions_petition_fts(rowid, title, summary, statement)
        VALUES (new.id, new.title, new.summary, new.statement);
    END""",
    """CREATE TRIGGER IF NOT EXISTS petitions_petition_fts_ad
        AFTER DELETE ON petitions_petition BEGIN
        INSERT INTO petitions_petition_fts(petitions_petition_fts, rowid, title, summary, statement)
        VALUES ('delete', old.id, old.title, old.summary, old.statement);
    END""",
    # Only when the text changes: counts, goals and states move without touching the index.
    """CREATE TRIGGER IF NOT EXISTS petitions_petition_fts_au
        AFTER UPDATE OF title, summary, statement ON petitions_petition BEGIN
        INSERT INTO petitions_petition_fts(petitions_petition_fts, rowid, title, summary, statement)
        VALUES ('delete', old.id, old.title, old.summary, old.statement);
        INSERT INTO petitions_petition_fts(rowid, title, summary, statement)
        VALUES (new.id, new.title, new.summary, new.statement);
    END""",
]
_SQLITE_TRIGGERS = {
    "petitions_petition_fts_ai",
    "petitions_petition_fts_ad",
    "petitions_petition_fts_au",
}


def index_ensure(connection: BaseDatabaseWrapper) -> None:
    """Create the search index if it is missing; on SQLite also its triggers, re-indexing
    everything if any was missing (their absence means writes went unindexed)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [PETITIONS_TABLE],
            )
            present = {row[0] for row in cursor.fetchall()}
            for statement in _SQLITE_SCHEMA:
                cursor.execute(statement)
            if not present >= _SQLITE_TRIGGERS:
                cursor.execute(
                    "INSERT INTO petitions_petition_fts(petitions_petition_fts) VALUES ('rebuild')"
                )
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s", [PG_INDEX])
            if cursor.fetchone():
                return
        from django.apps import apps
        from django.contrib.postgres.indexes import GinIndex

        petition = apps.get_model("petitions", "Petition")
        with connection.schema_editor() as editor:
            editor.add_index(petition, GinIndex(SEARCH_VECTOR, name=PG_INDEX))


def index_drop(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for trigger in sorted(_SQLITE_TRIGGERS):
                cursor.execute(f"DROP TRIGGER IF EXISTS {trigger}")  # names are constants
            cursor.execute("DROP TABLE IF EXISTS petitions_petition_fts")
        elif connection.vendor == "postgresql":
            cursor.execute(f"DROP INDEX IF EXISTS {PG_INDEX}")


def query_words(text: str) -> list[str]:
    """The words of a search, without any syntax: letters and digits only."""
    return re.findall(r"\w+", text[:QUERY_MAX_LENGTH])[:QUERY_MAX_WORDS]


def similar_words(text: str) -> list[str]:
    """The words of a petition's text that say what it is about, for a "similar petitions"
    search: letters and digits only, each once, without ``SIMILAR_IGNORED_WORDS`` or
    single letters, at most ``QUERY_MAX_WORDS`` (the first ones: the title's come first)."""
    words: list[str] = []
    seen: set[str] = set()
    for word in re.findall(r"\w+", text[:SIMILAR_MAX_LENGTH]):
        folded = word.casefold()
        if len(folded) < 2 or folded in SIMILAR_IGNORED_WORDS or folded in seen:
            continue
        seen.add(folded)
        words.append(word)
        if len(words) == QUERY_MAX_WORDS:
            break
    return words


def _fts5_expression(words: list[str], *, any_word: bool) -> str | None:
    # Each word a quoted string: nothing in it is read as FTS5 syntax.
    if not words:
        return None
    quoted = ['"' + word.replace('"', '""') + '"' for word in words]
    if any_word:
        return " OR ".join(quoted)
    quoted[-1] += " *"
    return " AND ".join(quoted)


def fts5_match(text: str) -> str | None:
    """An FTS5 MATCH expression that finds every word (the last one as a prefix, for
    search-as-you-type), or None when there is nothing to search for.

    Each word is a quoted string, so nothing the visitor types (quotes, ``*``, ``-``, ``:``,
    parentheses, NEAR, AND, OR, NOT, column filters) is read as FTS5 syntax; the expression
    itself is still passed as a bound parameter."""
    return _fts5_expression(query_words(text), any_word=False)


def fts5_match_any(text: str) -> str | None:
    """An FTS5 MATCH expression that finds any of the ``similar_words`` of ``text`` (whole
    words, no prefixes), quoted as in ``fts5_match``; None when there is nothing to find."""
    return _fts5_expression(similar_words(text), any_word=True)


def search_filter(
    queryset: QuerySet[Any], *, text: str, vendor: str, any_word: bool = False
) -> QuerySet[Any]:
    """``queryset`` narrowed to the petitions that match ``text``, annotated with ``rank``
    (higher is better). An empty search matches nothing.

    By default every word of ``text`` must match (the search box). With ``any_word``, a
    petition matching any of its ``similar_words`` is found, those matching more of them,
    and in the title, ranking higher: the "is there already a petition for this?" search,
    whose text is a whole title and summary."""
    if vendor == "postgresql":
        words = similar_words(text) if any_word else query_words(text)
        if not words:
            return queryset.none().annotate(rank=Value(0.0, output_field=FloatField()))
        query: SearchQuery
        if any_word:
            # One plainto_tsquery per word, joined with tsquery's OR: still no operators read.
            query = functools.reduce(
                operator.or_,
                (SearchQuery(word, search_type="plain", config=PG_CONFIG) for word in words),
            )
        else:
            # plainto_tsquery reads no operators at all: every word must match, as on SQLite.
            query = SearchQuery(" ".join(words), search_type="plain", config=PG_CONFIG)
        return (
            queryset.annotate(search_vector=SEARCH_VECTOR)
            .filter(search_vector=query)
            .annotate(rank=SearchRank(F("search_vector"), query))
        )
    match = fts5_match_any(text) if any_word else fts5_match(text)
    if match is None:
        return queryset.none().annotate(rank=Value(0.0, output_field=FloatField()))
    # bm25() is lower for better matches; the column weights match PostgreSQL's A, B, C.
    return queryset.filter(
        id__in=RawSQL(
            "SELECT rowid FROM petitions_petition_fts WHERE petitions_petition_fts MATCH %s",
            [match],
        )
    ).annotate(
        rank=RawSQL(
            "(SELECT -bm25(petitions_petition_fts, 10.0, 4.0, 1.0) FROM petitions_petition_fts "
            "WHERE petitions_petition_fts MATCH %s AND rowid = petitions_petition.id)",
            [match],
            output_field=FloatField(),
        )
    )
