"""Full-text search on whichever database runs the suite (SQLite FTS5 or PostgreSQL)."""

from __future__ import annotations

from django.db import connection

from tautoko.petitions.models import Petition
from tautoko.search import fts
from tautoko.search.services import Search, petitions_search
from tests.base import TautokoTestCase

HOSTILE_QUERIES = [
    '"',
    '""',
    "'",
    "*",
    "-",
    "title:lunch",
    "lunch OR",
    "NOT lunch",
    "lunch AND OR NOT",
    "NEAR(lunch school)",
    "(lunch",
    "lunch)",
    "^lunch",
    "lunch*",
    '" OR 1=1 --',
    "'; DROP TABLE petitions_petition; --",
    "<script>alert(1)</script>",
    "\x00",
    "{title statement}: lunch",
    "lunch" * 100,
    "a " * 500,
]


class FullTextSearchTests(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.lunches = self.make_petition(
            title="Free lunches in every school",
            summary="Fund a healthy lunch for every pupil.",
            statement="Hungry children cannot learn.",
        )
        self.buses = self.make_petition(
            title="Fare-free buses",
            summary="Make public transport free for students.",
            statement="Students travel to school and university; lunch money goes on fares.",
        )
        self.māori = self.make_petition(
            title="Te reo Māori in every classroom",
            summary="Teach te reo Māori from year one.",
            statement="",
        )

    def found(self, text: str, **filters: str) -> list[Petition]:
        return list(petitions_search(search=Search(text=text, **filters)))

    def test_it_finds_words_in_the_title_summary_and_statement(self) -> None:
        assert self.found("hungry") == [self.lunches]
        assert self.found("transport") == [self.buses]
        assert set(self.found("school")) == {self.lunches, self.buses}

    def test_every_word_must_match(self) -> None:
        assert self.found("school students") == [self.buses]

    def test_a_title_match_ranks_above_a_statement_match(self) -> None:
        assert self.found("lunch") == [self.lunches, self.buses]

    def test_word_forms_match(self) -> None:
        assert self.found("lunches") == self.found("lunch")
        assert self.lunches in self.found("learning")

    def test_it_only_finds_public_petitions(self) -> None:
        self.make_petition(title="Secret lunch plan", state=Petition.State.DRAFT)
        self.make_petition(title="Hidden lunch plan", state=Petition.State.HIDDEN)
        self.make_petition(title="Pending lunch plan", state=Petition.State.PENDING)

        assert self.found("plan") == []

    def test_edits_are_indexed_at_once_and_deleted_petitions_leave_it(self) -> None:
        Petition.objects.filter(id=self.buses.id).update(title="Cheaper trains")
        assert self.found("trains") == [self.buses]
        assert self.found("buses") == []
        self.lunches.delete()
        assert self.found("hungry") == []

    def test_hostile_queries_neither_fail_nor_match_everything(self) -> None:
        for text in HOSTILE_QUERIES:
            found = self.found(text)
            assert len(found) < 3, text

    def test_operators_are_searched_as_words(self) -> None:
        assert self.found("hungry OR transport") == []
        assert self.found("-hungry") == [self.lunches]

    def test_a_query_with_no_words_finds_nothing(self) -> None:
        assert self.found('"*()') == []

    def test_diacritics_do_not_matter(self) -> None:
        if connection.vendor != "sqlite":
            return  # PostgreSQL's english configuration keeps them (no unaccent extension)
        assert self.found("maori") == [self.māori]

    def test_the_fts5_expression_quotes_every_word(self) -> None:
        assert fts.fts5_match('lunch" OR title:x') == '"lunch" AND "OR" AND "title" AND "x" *'
        assert fts.fts5_match("  ") is None


class IndexRepairTests(TautokoTestCase):
    def test_lost_triggers_are_put_back_and_the_index_rebuilt(self) -> None:
        if connection.vendor != "sqlite":
            return
        with connection.cursor() as cursor:
            for trigger in ("ai", "ad", "au"):
                cursor.execute(f"DROP TRIGGER petitions_petition_fts_{trigger}")
        petition = self.make_petition(title="Unindexed while the triggers were gone")
        assert list(petitions_search(search=Search(text="unindexed"))) == []

        fts.index_ensure(connection)

        assert list(petitions_search(search=Search(text="unindexed"))) == [petition]
        Petition.objects.filter(id=petition.id).update(title="Indexed again")
        assert list(petitions_search(search=Search(text="again"))) == [petition]
