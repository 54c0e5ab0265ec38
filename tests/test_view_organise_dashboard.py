"""The organiser's dashboard of one petition: figures, chart, goal, updates, closing, victory."""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tautoko.organise.forms import UPDATE_TITLE_MAX
from tautoko.organise.models import PetitionUpdate, Victory
from tautoko.outbox.models import Broadcast, OutboundEmail
from tautoko.outbox.services import broadcasts_fan_out
from tautoko.petitions.models import Petition, Signature, TimelineEvent
from tautoko.petitions.services import tallies_apply
from tautoko.responses.services import response_publish
from tests.base import TautokoTestCase, tautoko_settings

# Every organiser URL of one petition, with the method that does its work.
POSTS = ("goal", "update-post", "close", "victory")
GETS = ("petition", "delivery-pdf", "signatures-csv")


class DashboardTestCase(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        now = timezone.now()
        self.petition = self.make_petition(goal=10, opened_at=now - dt.timedelta(hours=40))
        for hours_ago, source, electorate, country in (
            (0, "facebook", "Wellington Central", "NZ"),
            (1, "facebook", "Wellington Central", "NZ"),
            (2, "twitter", "Epsom", "NZ"),
            (30, "", "", "AU"),
        ):
            self.make_signature(
                self.petition,
                state=Signature.State.CONFIRMED,
                confirmed_at=now - dt.timedelta(hours=hours_ago),
                source=source,
                electorate=electorate,
                country=country,
            )
        self.make_signature(self.petition)  # pending: not counted
        self.work_run()

    def url(self, name: str, petition: Petition | None = None) -> str:
        return reverse(f"organise:{name}", args=[(petition or self.petition).slug])


class AccessTests(DashboardTestCase):
    def test_anonymous_visitors_are_sent_to_log_in(self) -> None:
        for name in GETS:
            response = self.client.get(self.url(name))
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("account_login"))
        for name in POSTS:
            response = self.client.post(self.url(name), {"goal": "5", "title": "x", "body": "y"})
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("account_login"))
        assert not PetitionUpdate.objects.exists()

    def test_another_organisers_petition_is_a_404(self) -> None:
        self.client.force_login(self.visitor)
        for name in GETS:
            assert self.client.get(self.url(name)).status_code == 404
        for name in POSTS:
            response = self.client.post(
                self.url(name),
                {"goal": "5", "title": "x", "body": "y", "reason": "r", "story": "s"},
            )
            assert response.status_code == 404
        self.petition.refresh_from_db()
        assert self.petition.state == Petition.State.OPEN
        assert self.petition.goal == 10
        assert not PetitionUpdate.objects.exists()
        assert not Victory.objects.exists()

    def test_wrong_methods_are_refused(self) -> None:
        self.client.force_login(self.organiser)
        for name in GETS:
            assert self.client.post(self.url(name)).status_code == 405
        for name in POSTS:
            assert self.client.get(self.url(name)).status_code == 405


class DashboardPageTests(DashboardTestCase):
    def test_it_shows_the_count_rate_sources_places_and_projection(self) -> None:
        self.client.force_login(self.organiser)
        response = self.client.get(self.url("petition"))
        assert response.status_code == 200
        context = response.context
        assert context["count"] == 4
        assert (context["confirmed"], context["signatures_all"]) == (4, 5)
        assert context["confirmation_rate"] == 80
        assert context["growth_24h"] == 3
        assert [(s.label, s.count) for s in context["sources"]] == [
            ("facebook", 2),
            ("direct", 1),
            ("twitter", 1),
        ]
        assert ("Wellington Central", 2) in [(s.label, s.count) for s in context["electorates"]]
        assert [(s.label, s.count) for s in context["countries"]] == [
            ("New Zealand", 3),
            ("Australia", 1),
        ]
        projection = context["projection"]
        assert projection.next_goal == 10
        assert projection.remaining == 6
        assert projection.rate_per_hour == 0.5
        assert projection.hours == 12

    def test_its_chart_is_an_accessible_svg_of_the_hours(self) -> None:
        self.petition.event(kind=TimelineEvent.Kind.GOAL_RAISED, data={"from": 5, "to": 10})
        self.client.force_login(self.organiser)
        html = self.client.get(self.url("petition")).content.decode()
        svg = re.search(r'<svg class="chart" id="chart-hourly".*?</svg>', html, re.S)
        assert svg is not None
        assert 'role="img"' in svg.group(0)
        assert "<title" in svg.group(0)
        counts = [int(n) for n in re.findall(r'data-count="(\d+)"', svg.group(0))]
        assert len(counts) == 41  # an hour for each since it opened
        assert sum(counts) == 4
        daily = re.search(r'<svg class="chart" id="chart-daily".*?</svg>', html, re.S)
        assert daily is not None
        assert sum(int(n) for n in re.findall(r'data-count="(\d+)"', daily.group(0))) == 4
        assert 'class="mark"' in svg.group(0)
        assert "Goal raised: 5 → 10" in svg.group(0)
        assert 'style="' not in html  # the CSP allows no inline styles
        # Every figure is in a table too: an SVG's titles are not reliably read out.
        table = re.search(r'<table data-figures="chart-hourly">.*?</table>', html, re.S)
        assert table is not None
        cells = re.findall(r"<tr><td>([^<]+)</td><td>(\d+)</td></tr>", table.group(0))
        assert [int(n) for _, n in cells] == counts
        assert "41 bars; the highest is 1." in svg.group(0)

    def test_a_chart_of_one_bar_says_so_in_the_singular(self) -> None:
        fresh = self.make_petition(opened_at=timezone.now())
        self.client.force_login(self.organiser)
        html = self.client.get(self.url("petition", fresh)).content.decode()
        assert "1 bar; the highest is 0." in html

    def test_its_charts_mark_the_threshold_crossed_and_the_response(self) -> None:
        # The fifth signature crosses the threshold when the worker folds it; then staff
        # publish the response.
        with tautoko_settings(RESPONSE_THRESHOLD=5, DEBATE_THRESHOLD=1_000):
            self.make_signature(self.petition, state=Signature.State.CONFIRMED)
            assert tallies_apply() == 1
        assert self.petition.events.filter(kind=TimelineEvent.Kind.THRESHOLD_REACHED).exists()
        response_publish(petition=self.petition, body="We will.", by=self.moderator)
        self.client.force_login(self.organiser)
        html = self.client.get(self.url("petition")).content.decode()
        for chart in ("chart-hourly", "chart-daily"):
            svg = re.search(rf'<svg class="chart" id="{chart}".*?</svg>', html, re.S)
            assert svg is not None
            kinds = re.findall(r'class="mark" data-kind="([a-z_]+)"', svg.group(0))
            assert TimelineEvent.Kind.THRESHOLD_REACHED in kinds
            assert TimelineEvent.Kind.RESPONDED in kinds
        assert "<title>Threshold reached" in html
        assert "<title>Official response" in html

    def test_a_draft_has_figures_but_no_controls(self) -> None:
        draft = self.make_petition(state=Petition.State.DRAFT)
        self.client.force_login(self.organiser)
        response = self.client.get(self.url("petition", draft))
        assert response.status_code == 200
        assert response.context["count"] == 0
        assert response.context["confirmation_rate"] is None
        assert b'action="' + self.url("update-post", draft).encode() not in response.content


class DashboardFlaggedTests(DashboardTestCase):
    def test_shadow_flagged_signatures_leave_no_trace_in_the_figures(self) -> None:
        self.client.force_login(self.organiser)
        before = self.client.get(self.url("petition")).context
        figures = ("count", "confirmed", "signatures_all", "confirmation_rate")
        expected = {name: before[name] for name in figures}
        assert expected == {
            "count": 4,
            "confirmed": 4,
            "signatures_all": 5,
            "confirmation_rate": 80,
        }
        for state in (Signature.State.CONFIRMED, Signature.State.PENDING):
            self.make_signature(self.petition, state=state, flagged=True, flag_reasons="rate_limit")
        self.work_run()
        after = self.client.get(self.url("petition")).context
        assert {name: after[name] for name in figures} == expected


class GoalTests(DashboardTestCase):
    def test_it_sets_the_goal_and_the_ladder_with_their_own_timeline_events(self) -> None:
        self.client.force_login(self.organiser)
        response = self.client.post(self.url("goal"), {"goal": "500", "ladder": "on"})
        assert response.status_code == 302
        self.petition.refresh_from_db()
        assert (self.petition.goal, self.petition.goal_ladder) == (500, True)
        events = list(self.petition.events.all())
        assert [(e.kind, e.data) for e in events] == [
            (TimelineEvent.Kind.GOAL_CHANGED, {"from": 10, "to": 500}),
            (TimelineEvent.Kind.LADDER_ON, {"goal": 500}),
        ]
        assert all(e.actor == self.organiser for e in events)
        # The ladder's own raises keep their kind: a manual change is never "goal raised".
        assert not self.petition.events.filter(kind=TimelineEvent.Kind.GOAL_RAISED).exists()

    def test_switching_the_ladder_off_keeps_the_goal(self) -> None:
        self.petition.goal_ladder = True
        self.petition.save()
        self.client.force_login(self.organiser)
        self.client.post(self.url("goal"), {"goal": "10"})
        self.petition.refresh_from_db()
        assert (self.petition.goal, self.petition.goal_ladder) == (10, False)
        event = self.petition.events.get()
        assert (event.kind, event.data) == (TimelineEvent.Kind.LADDER_OFF, {"goal": 10})
        page = self.client.get(reverse("petitions:detail", args=[self.petition.slug]))
        assert "Goal ladder switched off" in page.content.decode()

    def test_saving_the_same_goal_and_ladder_records_nothing(self) -> None:
        self.client.force_login(self.organiser)
        assert self.client.post(self.url("goal"), {"goal": "10"}).status_code == 302
        assert not self.petition.events.exists()

    def test_the_public_page_and_the_chart_show_each_kind_as_what_it_is(self) -> None:
        self.client.force_login(self.organiser)
        self.client.post(self.url("goal"), {"goal": "8", "ladder": "on"})
        self.client.post(self.url("goal"), {"goal": "8"})
        self.petition.event(kind=TimelineEvent.Kind.GOAL_REACHED, data={"goal": 8, "count": 8})
        self.petition.event(kind=TimelineEvent.Kind.GOAL_RAISED, data={"from": 8, "to": 20})
        page = self.client.get(reverse("petitions:detail", args=[self.petition.slug]))
        html = page.content.decode()
        timeline = html[html.index('id="timeline-heading"') :]
        assert "Goal changed by the organiser: 10 → 8" in timeline
        assert "Goal ladder switched on" in timeline
        assert "Goal ladder switched off" in timeline
        assert "Goal raised: 8 → 20" in timeline
        history = html[html.index("Goal history") : html.index("</details>")]
        assert "goal changed by the organiser from 10 to 8" in history
        assert "goal raised from 8 to 20" in history
        assert "goal of 8 reached" in history
        assert "ladder" not in history
        marks = self.client.get(self.url("petition")).context["chart_hourly"].marks
        assert [(m.kind, m.label) for m in marks] == [
            (TimelineEvent.Kind.GOAL_CHANGED, "Goal changed: 10 → 8"),
            (TimelineEvent.Kind.LADDER_ON, "Goal ladder on"),
            (TimelineEvent.Kind.LADDER_OFF, "Goal ladder off"),
            (TimelineEvent.Kind.GOAL_REACHED, "Goal reached: 8"),
            (TimelineEvent.Kind.GOAL_RAISED, "Goal raised: 8 → 20"),
        ]
        svg = self.client.get(self.url("petition")).content.decode()
        assert 'data-kind="ladder_on"' in svg
        assert "<title>Goal ladder off</title>" in svg

    def test_it_refuses_a_goal_below_one(self) -> None:
        self.client.force_login(self.organiser)
        for goal in ("0", "-5", "lots", ""):
            response = self.client.post(self.url("goal"), {"goal": goal})
            assert response.status_code == 400
        self.petition.refresh_from_db()
        assert self.petition.goal == 10
        assert not self.petition.events.exists()

    def test_a_new_goal_must_be_above_the_count(self) -> None:
        # Four confirmed signatures: a goal of 4 or less would be "reached" at the next fold.
        self.client.force_login(self.organiser)
        for goal in ("4", "3", "1"):
            response = self.client.post(self.url("goal"), {"goal": goal})
            assert response.status_code == 400
            assert response.context["goal_form"].errors["goal"] == [
                "A new goal must be more than the 4 signatures the petition already has."
            ]
        self.petition.refresh_from_db()
        assert self.petition.goal == 10
        assert not self.petition.events.exists()
        self.work_run()
        assert not self.petition.events.filter(kind=TimelineEvent.Kind.GOAL_REACHED).exists()
        assert self.client.post(self.url("goal"), {"goal": "5"}).status_code == 302

    def test_a_goal_the_count_has_passed_may_stay_while_the_ladder_switches(self) -> None:
        Petition.objects.filter(id=self.petition.id).update(goal=3)
        self.client.force_login(self.organiser)
        response = self.client.post(self.url("goal"), {"goal": "3", "ladder": "on"})
        assert response.status_code == 302
        self.petition.refresh_from_db()
        assert (self.petition.goal, self.petition.goal_ladder) == (3, True)
        assert [e.kind for e in self.petition.events.all()] == [TimelineEvent.Kind.LADDER_ON]

    def test_a_successful_petitions_goal_no_longer_changes(self) -> None:
        self.petition.declare_successful(by=self.organiser)
        self.client.force_login(self.organiser)
        assert (
            'action="' + self.url("goal") + '"'
            not in self.client.get(self.url("petition")).content.decode()
        )
        response = self.client.post(self.url("goal"), {"goal": "70", "ladder": "on"})
        assert response.status_code == 302
        self.petition.refresh_from_db()
        assert (self.petition.goal, self.petition.goal_ladder) == (10, False)
        assert list(self.petition.events.values_list("kind", flat=True)) == [
            TimelineEvent.Kind.SUCCESSFUL
        ]

    def test_a_draft_goal_is_not_changed_here(self) -> None:
        draft = self.make_petition(state=Petition.State.DRAFT)
        self.client.force_login(self.organiser)
        response = self.client.post(self.url("goal", draft), {"goal": "7"})
        assert response.status_code == 302
        draft.refresh_from_db()
        assert draft.goal == 100


class UpdateTests(DashboardTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.opted_in = self.make_signature(
            self.petition, state=Signature.State.CONFIRMED, email="news@example.org", notify=True
        )
        self.make_signature(self.petition, email="pending-news@example.org", notify=True)

    def test_each_signer_gets_the_update_in_the_language_they_signed_in(self) -> None:
        sign_url = reverse("petitions:sign", args=[self.petition.slug])
        for language, email in (("mi", "reo@example.org"), ("en", "english@example.org")):
            signer = Client()
            signer.cookies[settings.LANGUAGE_COOKIE_NAME] = language
            signer.post(sign_url, self.sign_form(self.petition, email=email, notify="on"))
        self.work_run()
        for email in ("reo@example.org", "english@example.org"):
            self.client.post(self.confirmation_link_latest(to=email))
        languages = dict(Signature.objects.values_list("email", "language"))
        assert (languages["reo@example.org"], languages["english@example.org"]) == ("mi", "en")
        # Made directly, as before the language was kept: the update's own language.
        assert languages["news@example.org"] == ""
        self.client.force_login(self.organiser)
        self.client.post(self.url("update-post"), {"title": "Hui", "body": "Kia ora."})
        broadcasts_fan_out()
        self.work_run()

        sent = {
            e.to: (e.language, e.subject)
            for e in OutboundEmail.objects.filter(template="petition-update")
        }
        title = self.petition.title
        assert sent == {
            "reo@example.org": ("mi", f"Kōrero hou: Hui ({title})"),
            "english@example.org": ("en", f"Update: Hui ({title})"),
            "news@example.org": ("en", f"Update: Hui ({title})"),
        }

    def test_it_posts_an_update_to_the_page_the_timeline_and_opted_in_signers(self) -> None:
        self.client.force_login(self.organiser)
        response = self.client.post(
            self.url("update-post"),
            {"title": "We met the Minister", "body": "It went **well** & <b>fast</b>."},
        )
        assert response.status_code == 302
        update = PetitionUpdate.objects.get()
        assert (update.petition, update.posted_by) == (self.petition, self.organiser)
        event = self.petition.events.get(kind=TimelineEvent.Kind.UPDATE)
        assert event.data == {"update": update.code, "title": "We met the Minister"}
        broadcast = Broadcast.objects.get()
        assert broadcast.key == f"update:{update.code}"
        assert broadcasts_fan_out() == 1
        self.work_run()
        email = self.email_latest()
        assert email.to == "news@example.org"
        assert "We met the Minister" in email.subject
        assert "<strong>well</strong>" in email.body_html
        assert "<b>" not in email.body_html
        assert "/updates/unsubscribe/" in email.body_text
        page = self.client.get(reverse("petitions:detail", args=[self.petition.slug]))
        html = page.content.decode()
        assert f'id="update-{update.code}"' in html
        assert "<strong>well</strong>" in html
        assert "<b>fast" not in html  # raw HTML in an update is shown as text, never run

    def test_the_email_has_list_unsubscribe_headers(self) -> None:
        from django.core import mail

        self.client.force_login(self.organiser)
        self.client.post(self.url("update-post"), {"title": "News", "body": "Body"})
        broadcasts_fan_out()
        self.work_run()
        (message,) = [m for m in mail.outbox if m.to == ["news@example.org"]]
        url = message.extra_headers["List-Unsubscribe"]
        assert url.startswith("<http") and "/updates/unsubscribe/" in url
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    def test_it_refuses_an_empty_or_overlong_update(self) -> None:
        self.client.force_login(self.organiser)
        for data in (
            {"title": "", "body": "text"},
            {"title": "Title", "body": ""},
            {"title": "x" * (UPDATE_TITLE_MAX + 1), "body": "text"},
        ):
            assert self.client.post(self.url("update-post"), data).status_code == 400
        assert not PetitionUpdate.objects.exists()
        assert not Broadcast.objects.exists()

    def test_a_draft_gets_no_updates(self) -> None:
        draft = self.make_petition(state=Petition.State.DRAFT)
        self.client.force_login(self.organiser)
        self.client.post(self.url("update-post", draft), {"title": "T", "body": "B"})
        assert not PetitionUpdate.objects.exists()
        assert not OutboundEmail.objects.filter(template="petition-update").exists()


class CloseAndVictoryTests(DashboardTestCase):
    def test_closing_early_stops_signing_and_is_on_the_timeline(self) -> None:
        self.client.force_login(self.organiser)
        response = self.client.post(self.url("close"), {"reason": "The Minister agreed."})
        assert response.status_code == 302
        self.petition.refresh_from_db()
        assert self.petition.state == Petition.State.CLOSED
        event = self.petition.events.get(kind=TimelineEvent.Kind.CLOSED)
        assert (event.actor, event.note) == (self.organiser, "The Minister agreed.")
        page = self.client.get(reverse("petitions:detail", args=[self.petition.slug]))
        assert "The Minister agreed." in page.content.decode()

    def test_closing_needs_a_reason_and_an_open_petition(self) -> None:
        self.client.force_login(self.organiser)
        assert self.client.post(self.url("close"), {"reason": ""}).status_code == 400
        self.petition.refresh_from_db()
        assert self.petition.state == Petition.State.OPEN
        closed = self.make_petition(state=Petition.State.CLOSED)
        response = self.client.post(self.url("close", closed), {"reason": "again"})
        assert response.status_code == 302
        assert not closed.events.exists()

    def test_victory_is_declared_once_and_the_petition_becomes_successful(self) -> None:
        self.client.force_login(self.organiser)
        story = "The council *changed* its mind."
        assert self.client.post(self.url("victory"), {"story": story}).status_code == 302
        victory = Victory.objects.get()
        assert (victory.petition, victory.declared_by, victory.story) == (
            self.petition,
            self.organiser,
            story,
        )
        self.petition.refresh_from_db()
        assert self.petition.state == Petition.State.SUCCESSFUL
        assert self.petition.closed_at == victory.declared_at
        event = self.petition.events.get(kind=TimelineEvent.Kind.SUCCESSFUL)
        assert (event.actor, event.note, event.at) == (self.organiser, story, victory.declared_at)
        assert not self.petition.events.filter(kind=TimelineEvent.Kind.UPDATE).exists()
        response = self.client.post(self.url("victory"), {"story": "Twice"}, follow=True)
        assert "Victory was already declared for this petition." in response.content.decode()
        assert Victory.objects.count() == 1
        assert self.petition.events.count() == 1
        html = self.client.get(reverse("petitions:detail", args=[self.petition.slug])).content
        assert b"Victory!" in html
        assert b"<em>changed</em>" in html

    def test_victory_from_a_closed_petition(self) -> None:
        closed = self.make_petition(state=Petition.State.CLOSED)
        self.client.force_login(self.organiser)
        assert self.client.post(self.url("victory", closed), {"story": "Won."}).status_code == 302
        closed.refresh_from_db()
        assert closed.state == Petition.State.SUCCESSFUL

    def test_victory_needs_a_running_petition(self) -> None:
        self.client.force_login(self.organiser)
        for state in (Petition.State.DRAFT, Petition.State.PENDING, Petition.State.REJECTED):
            petition = self.make_petition(state=state)
            response = self.client.post(
                self.url("victory", petition), {"story": "Won."}, follow=True
            )
            assert "only possible once the petition is open" in response.content.decode()
            petition.refresh_from_db()
            assert petition.state == state
        assert not Victory.objects.exists()

    def test_victory_needs_a_story(self) -> None:
        self.client.force_login(self.organiser)
        assert self.client.post(self.url("victory"), {"story": ""}).status_code == 400
        assert not Victory.objects.exists()
        assert not self.petition.events.exists()


class QuietPetitionChartTests(TautokoTestCase):
    def test_the_charts_end_at_the_last_signature_when_nobody_signed_lately(self) -> None:
        long_ago = timezone.now() - dt.timedelta(days=400)
        petition = self.make_petition(opened_at=long_ago - dt.timedelta(hours=2))
        for minutes in (0, 5, 65):
            self.make_signature(
                petition,
                state=Signature.State.CONFIRMED,
                confirmed_at=long_ago + dt.timedelta(minutes=minutes),
            )
        self.work_run()
        petition.event(kind=TimelineEvent.Kind.GOAL_REACHED, at=long_ago, data={"goal": 2})
        self.client.force_login(self.organiser)
        context = self.client.get(reverse("organise:petition", args=[petition.slug])).context
        hourly = context["chart_hourly"]
        assert sum(bar.count for bar in hourly.bars) == 3
        assert len(hourly.bars) <= 5
        assert [mark.label for mark in hourly.marks] == ["Goal reached: 2"]
        daily = context["chart_daily"]
        assert sum(bar.count for bar in daily.bars) == 3
        assert len(daily.bars) <= 2
