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


def fts5_match(text: str) -> str | None:
    """An FTS5 MATCH expression that finds every word (the last one as a prefix, for
    search-as-you-type), or None when there is nothing to search for.

    Each word is a quoted string, so nothing the visitor types (quotes, ``*``, ``-``, ``:``,
    parentheses, NEAR, AND, OR, NOT, column filters) is read as FTS5 syntax; the expression
    itself is still passed as a bound parameter."""
    words = query_words(text)
    if not words:
        return None
    quoted = ['"' + word.replace('"', '""') + '"' for word in words]
    quoted[-1] += " *"
    return " AND ".join(quoted)


def search_filter(queryset: QuerySet[Any], *, text: str, vendor: str) -> QuerySet[Any]:
    """``queryset`` narrowed to the petitions that match ``text``, annotated with ``rank``
    (higher is better). An empty search matches nothing."""
    if vendor == "postgresql":
        words = query_words(text)
        if not words:
            return queryset.none().annotate(rank=Value(0.0, output_field=FloatField()))
        # plainto_tsquery reads no operators at all: every word must match, as on SQLite.
        query = SearchQuery(" ".join(words), search_type="plain", config=PG_CONFIG)
        return (
            queryset.annotate(search_vector=SEARCH_VECTOR)
            .filter(search_vector=query)
            .annotate(rank=SearchRank(F("search_vector"), query))
        )
    match = fts5_match(text)
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
