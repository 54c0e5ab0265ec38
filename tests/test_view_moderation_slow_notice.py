"""The notice "Moderation is taking longer than usual": when a petition is overdue or the
queue is long; on the home page and the organiser's pages; cached, and never on the
petition page."""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
from unittest import mock

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import timezone

import tautoko.settings
from tautoko.moderation.services import (
    MODERATION_SLOW_CACHE_SECONDS,
    MODERATION_SLOW_KEY,
    moderation_is_slow,
)
from tautoko.petitions.models import Petition, TimelineEvent
from tests.base import TautokoTestCase, tautoko_settings

NOTICE = "Moderation is taking longer than usual"


class SlowNoticeTestCase(TautokoTestCase):
    def submitted(self, *, days_ago: float = 0) -> Petition:
        """A petition waiting in the queue since ``days_ago``."""
        petition = self.make_petition(state=Petition.State.PENDING, organiser=self.organiser)
        petition.event(
            kind=TimelineEvent.Kind.SUBMITTED,
            at=timezone.now() - dt.timedelta(days=days_ago),
            actor=self.organiser,
        )
        return petition


class ModerationSlowNoticeTests(SlowNoticeTestCase):
    def test_the_public_is_told_when_a_petition_waits_past_the_target(self) -> None:
        self.submitted(days_ago=8)

        response = self.client.get(reverse("petitions:home"))

        assert NOTICE in response.content.decode()

    def test_no_notice_while_the_queue_is_within_the_target(self) -> None:
        self.submitted(days_ago=2)

        assert NOTICE not in self.client.get(reverse("petitions:home")).content.decode()

    def test_an_organiser_about_to_submit_sees_it_too(self) -> None:
        self.submitted(days_ago=10)
        draft = self.make_petition(state=Petition.State.DRAFT, organiser=self.organiser)
        self.client.force_login(self.organiser)

        response = self.client.get(reverse("organise:preview", args=[draft.slug]))

        assert response.status_code == 200
        assert NOTICE in response.content.decode()


def settings_loaded(**environment: str) -> dict[str, object]:
    """settings.TAUTOKO as tautoko/settings.py builds it from ``environment``."""
    spec = importlib.util.spec_from_file_location(
        "tautoko_settings_copy", tautoko.settings.__file__
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    values = {k: v for k, v in os.environ.items() if k != "TAUTOKO_MODERATION_QUEUE_LONG"}
    with mock.patch.dict(os.environ, values | environment, clear=True):
        spec.loader.exec_module(module)
    return module.TAUTOKO


class QueueLengthTests(SlowNoticeTestCase):
    def waiting(self, n: int) -> None:
        for _ in range(n):
            self.submitted()

    def test_the_public_is_told_when_the_queue_is_long_though_none_is_overdue(self) -> None:
        self.waiting(3)

        with tautoko_settings(MODERATION_QUEUE_LONG=3):
            response = self.client.get(reverse("petitions:home"))

        assert NOTICE in response.content.decode()

    def test_one_fewer_waiting_is_not_long(self) -> None:
        self.waiting(2)

        with tautoko_settings(MODERATION_QUEUE_LONG=3):
            response = self.client.get(reverse("petitions:home"))

        assert NOTICE not in response.content.decode()

    def test_only_petitions_waiting_for_moderation_count(self) -> None:
        self.waiting(2)
        for state in (Petition.State.DRAFT, Petition.State.SPONSORING, Petition.State.OPEN):
            self.make_petition(state=state)

        with tautoko_settings(MODERATION_QUEUE_LONG=3):
            assert not moderation_is_slow()

    def test_zero_leaves_the_length_out(self) -> None:
        self.waiting(3)

        with tautoko_settings(MODERATION_QUEUE_LONG=0):
            assert not moderation_is_slow()

    def test_an_overdue_petition_is_still_told_with_the_length_left_out(self) -> None:
        self.submitted(days_ago=8)

        with tautoko_settings(MODERATION_QUEUE_LONG=0):
            assert moderation_is_slow()

    def test_fifty_waiting_is_long_by_default(self) -> None:
        assert settings.TAUTOKO["MODERATION_QUEUE_LONG"] == 50
        self.waiting(49)
        assert not moderation_is_slow()
        cache.delete(MODERATION_SLOW_KEY)
        self.waiting(1)
        assert moderation_is_slow()


class OrganiserPagesTests(SlowNoticeTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.draft = self.make_petition(state=Petition.State.DRAFT)
        self.client.force_login(self.organiser)

    def pages(self) -> dict[str, str]:
        urls = {
            "new": reverse("organise:new"),
            "edit": reverse("organise:edit", args=[self.draft.slug]),
            "list": reverse("organise:dashboard"),
            "preview": reverse("organise:preview", args=[self.draft.slug]),
        }
        pages = {}
        for name, url in urls.items():
            response = self.client.get(url)
            assert response.status_code == 200, name
            pages[name] = response.content.decode()
        return pages

    def test_the_new_form_the_edit_form_and_the_list_tell_a_long_queue(self) -> None:
        for _ in range(2):
            self.make_petition(state=Petition.State.PENDING)

        with tautoko_settings(MODERATION_QUEUE_LONG=2):
            pages = self.pages()

        for name, html in pages.items():
            assert NOTICE in html, name

    def test_they_tell_an_overdue_petition_too(self) -> None:
        self.submitted(days_ago=9)

        for name, html in self.pages().items():
            assert NOTICE in html, name

    def test_they_say_nothing_while_moderation_keeps_up(self) -> None:
        self.make_petition(state=Petition.State.PENDING)

        for name, html in self.pages().items():
            assert NOTICE not in html, name

    def test_a_form_with_errors_tells_it_too(self) -> None:
        self.make_petition(state=Petition.State.PENDING)

        with tautoko_settings(MODERATION_QUEUE_LONG=1):
            response = self.client.post(reverse("organise:new"), {"title": ""})

        assert response.status_code == 400
        assert NOTICE in response.content.decode()


class CostTests(SlowNoticeTestCase):
    def test_the_answer_is_cached_for_a_minute_across_pages(self) -> None:
        with self.assertNumQueries(2):  # the length, then the oldest waiting
            assert not moderation_is_slow()
        for _ in range(3):
            self.make_petition(state=Petition.State.PENDING)

        with tautoko_settings(MODERATION_QUEUE_LONG=3), self.assertNumQueries(0):
            assert not moderation_is_slow()

        assert cache.get(MODERATION_SLOW_KEY) is False
        assert MODERATION_SLOW_CACHE_SECONDS == 60

    def test_a_long_queue_answers_without_asking_about_the_oldest(self) -> None:
        for _ in range(3):
            self.make_petition(state=Petition.State.PENDING)

        with tautoko_settings(MODERATION_QUEUE_LONG=3), self.assertNumQueries(1):
            assert moderation_is_slow()

    def test_the_petition_page_never_asks(self) -> None:
        petition = self.make_petition()
        self.submitted(days_ago=8)

        response = self.client.get(reverse("petitions:detail", args=[petition.slug]))

        assert response.status_code == 200
        assert NOTICE not in response.content.decode()
        assert cache.get(MODERATION_SLOW_KEY) is None  # not worked out for it


class SettingTests(TautokoTestCase):
    def test_fifty_unless_the_environment_says_otherwise(self) -> None:
        assert settings_loaded()["MODERATION_QUEUE_LONG"] == 50
        assert settings_loaded(TAUTOKO_MODERATION_QUEUE_LONG="20")["MODERATION_QUEUE_LONG"] == 20
        assert settings_loaded(TAUTOKO_MODERATION_QUEUE_LONG="0")["MODERATION_QUEUE_LONG"] == 0

    def test_a_malformed_or_negative_value_stops_the_start(self) -> None:
        for value in ("-1", "fifty", "2.5"):
            with pytest.raises(ImproperlyConfigured, match="TAUTOKO_MODERATION_QUEUE_LONG"):
                settings_loaded(TAUTOKO_MODERATION_QUEUE_LONG=value)
