"""Similar open petitions for a draft (search.services.petitions_similar_find), through the
project's full-text search on whichever database runs the suite."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone

from tautoko.petitions.models import Petition, Signature
from tautoko.search import fts
from tautoko.search.services import SimilarPetition, petitions_similar_find
from tests.base import TautokoTestCase, tautoko_settings
from tests.test_search_fts import HOSTILE_QUERIES

FTS_SPECIAL = [
    '"lunch',
    'lunch"',
    '"free" "lunch"',
    "lunch*",
    "*",
    "NEAR",
    "NEAR(free lunch)",
    "NEAR(free lunch, 2)",
    "-lunch",
    "free -lunch",
    "lunch - free",
    "lunch AND",
    "OR lunch",
    "NOT",
    "title:lunch",
    "^lunch",
    "lunch & school | !free",
    "lunch:*",
    "'lunch'",
    "(",
]


class SimilarPetitionsTests(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.lunches = self.make_petition(
            title="Free lunches in every school",
            summary="Fund a healthy lunch for every pupil.",
            statement="Hungry children cannot learn.",
        )
        self.buses = self.make_petition(
            title="Fare-free buses for students",
            summary="Make public transport free for students.",
            statement="Lunch money goes on fares.",
        )
        self.kākāpō = self.make_petition(
            title="Save the kākāpō", summary="Fund predator control on every island."
        )

    def similar(self, title: str, summary: str = "", **options: object) -> list[Petition]:
        return [
            found.petition
            for found in petitions_similar_find(title=title, summary=summary, **options)  # type: ignore[arg-type]
        ]

    def test_it_finds_an_open_petition_on_the_same_subject(self) -> None:
        assert self.similar("School lunches for all", "Feed every pupil a healthy meal.")[0] == (
            self.lunches
        )

    def test_it_matches_any_word_of_the_title_and_summary_not_every_word(self) -> None:
        # The search box wants every word; a draft shares only some of them.
        assert self.similar("Lunches", "and an unrelated wish for ponies") == [
            self.lunches,
            self.buses,
        ]

    def test_a_title_match_ranks_above_a_statement_match(self) -> None:
        assert self.similar("Lunch") == [self.lunches, self.buses]

    def test_it_leaves_out_closed_draft_pending_hidden_rejected_and_expired_petitions(
        self,
    ) -> None:
        for state in (
            Petition.State.CLOSED,
            Petition.State.DRAFT,
            Petition.State.PENDING,
            Petition.State.HIDDEN,
            Petition.State.REJECTED,
        ):
            self.make_petition(state=state, title=f"Zebra crossings ({state})")
        self.make_petition(
            title="Zebra crossings (past its closing time)",
            closes_at=timezone.now() - dt.timedelta(minutes=1),
        )
        still_open = self.make_petition(
            title="Zebra crossings by every school",
            closes_at=timezone.now() + dt.timedelta(days=1),
        )

        assert self.similar("Zebra crossings") == [still_open]

    def test_it_leaves_out_the_draft_itself(self) -> None:
        assert self.similar("Save the kākāpō", exclude_id=self.kākāpō.id) == []
        assert self.similar("Save the kākāpō") == [self.kākāpō]

    def test_it_shows_at_most_the_configured_number_best_first(self) -> None:
        for n in range(7):
            self.make_petition(title=f"Bike lanes {n}", summary="Bike lanes." if n == 3 else "x")

        found = self.similar("Bike lanes")

        assert len(found) == 5
        assert found[0].title == "Bike lanes 3"
        with tautoko_settings(SIMILAR_PETITIONS_SHOWN=2):
            assert len(self.similar("Bike lanes")) == 2

    def test_each_comes_with_its_public_count(self) -> None:
        for _ in range(2):
            self.make_signature(self.kākāpō, state=Signature.State.CONFIRMED)
        self.make_signature(self.kākāpō)  # not confirmed: not counted
        self.work_run()

        found = petitions_similar_find(title="Kākāpō", summary="")

        assert found == [SimilarPetition(petition=self.kākāpō, count=2)]

    def test_words_every_petition_uses_find_nothing_alone(self) -> None:
        assert self.similar("Petition to the government", "We ask that you please do it.") == []
        assert self.similar("", "") == []
        assert self.similar("He petihana tēnei ki te kāwanatanga") == []

    def test_fts_syntax_in_the_draft_is_read_as_words(self) -> None:
        for text in FTS_SPECIAL + HOSTILE_QUERIES:
            for title, summary in ((text, ""), ("", text), (text, text)):
                found = self.similar(title, summary)
                assert set(found) <= {self.lunches, self.buses, self.kākāpō}, text
        assert self.similar("NEAR(free lunch)") == self.similar("free lunch")
        assert self.similar('"lunch*"') == self.similar("lunch")
        assert self.similar("-lunch") == self.similar("lunch")

    def test_diacritics_do_not_matter(self) -> None:
        if connection.vendor != "sqlite":
            return  # PostgreSQL's english configuration keeps them (no unaccent extension)
        assert self.similar("Protect the kakapo") == [self.kākāpō]


class SimilarWordsTests(TautokoTestCase):
    def test_it_keeps_each_telling_word_once_from_the_title_first(self) -> None:
        words = fts.similar_words(
            "Free lunches for schools\nFree, healthy LUNCHES for every school"
        )
        assert words == ["Free", "lunches", "schools", "healthy", "every", "school"]

    def test_it_takes_at_most_twelve_words_from_a_title_and_summary(self) -> None:
        words = fts.similar_words(" ".join(f"word{n}" for n in range(40)))
        assert words == [f"word{n}" for n in range(fts.QUERY_MAX_WORDS)]

    def test_the_fts5_expression_quotes_every_word_and_finds_any(self) -> None:
        assert fts.fts5_match_any('lunch" OR title:x NEAR(a b) -c') == (
            '"lunch" OR "title" OR "NEAR"'
        )
        assert fts.fts5_match_any('"*- the') is None
