"""/<slug>/history: every version of a petition's text, with what changed."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from tautoko.petitions.models import Petition
from tests.base import TautokoTestCase

CANARY = '<script>alert("tautoko-xss")</script>'
CANARY_ATTRIBUTE = '"><img src=x onerror=alert(1)>'


class HistoryTestCase(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.petition = self.make_petition(
            state=Petition.State.PENDING,
            title="Fix the footpaths",
            summary="Repair the footpaths on Cuba Street.",
            statement="They are *broken*.",
        )
        self.petition.approve(by=self.moderator)
        self.url = reverse("petitions:history", args=[self.petition.slug])

    def revise(self, **changes: str) -> None:
        values = {
            "title": self.petition.title,
            "summary": self.petition.summary,
            "statement": self.petition.statement,
            "note": "Named the street.",
        } | changes
        self.petition.revise(by=self.organiser, **values)


class HistoryTests(HistoryTestCase):
    def test_an_unchanged_petition_says_so(self) -> None:
        response = self.client.get(self.url)
        assert response.status_code == 200
        assert "The text has not changed since the petition opened." in response.content.decode()

    def test_it_lists_each_version_newest_first_with_its_date_and_note(self) -> None:
        self.revise(summary="Repair the footpaths on Cuba Street and Willis Street.")
        self.revise(statement="They are *broken* and people trip.", note="Said why.")
        response = self.client.get(self.url)
        assert response.status_code == 200
        html = response.content.decode()
        assert [entry.version.number for entry in response.context["entries"]] == [3, 2, 1]
        assert html.index('id="version-3"') < html.index('id="version-2"')
        assert html.index('id="version-2"') < html.index('id="version-1"')
        assert "Named the street." in html and "Said why." in html
        assert "The text as the petition opened." in html
        version = self.petition.versions.get(number=2)
        assert f'datetime="{timezone.localtime(version.created_at).isoformat()}"' in html

    def test_it_shows_what_changed_word_by_word(self) -> None:
        self.revise(summary="Repair the footpaths on Willis Street.")
        html = self.client.get(self.url).content.decode()
        assert '<del><span class="visually-hidden">removed: </span>Cuba</del>' in html
        assert '<ins><span class="visually-hidden">added: </span>Willis</ins>' in html
        assert "What should happen" in html

    def test_the_organisers_text_is_escaped_everywhere(self) -> None:
        self.revise(
            title="Fix it " + CANARY_ATTRIBUTE,
            summary="Repair " + CANARY,
            statement="They are *broken*. " + CANARY,
            note="Added " + CANARY,
        )
        html = self.client.get(self.url).content.decode()
        assert CANARY not in html
        assert CANARY_ATTRIBUTE not in html
        assert "&lt;script&gt;alert(&quot;tautoko-xss&quot;)&lt;/script&gt;" in html
        assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
        # The public page, with its notice and timeline, too.
        page = self.client.get(reverse("petitions:detail", args=[self.petition.slug]))
        assert CANARY not in page.content.decode()
        assert CANARY_ATTRIBUTE not in page.content.decode()

    def test_the_petition_page_links_here_once_the_text_changed(self) -> None:
        detail = reverse("petitions:detail", args=[self.petition.slug])
        assert "Changed since it opened" not in self.client.get(detail).content.decode()
        self.revise(title="Fix the Cuba Street footpaths")
        self.work_run()  # drops the cached petition, as the organiser's edit does
        html = self.client.get(detail).content.decode()
        assert "Changed since it opened" in html
        assert f'href="{self.url}"' in html
        assert f'href="{self.url}#version-2"' in html  # the timeline's event

    def test_a_closed_petition_keeps_its_history(self) -> None:
        self.revise(title="Fix the Cuba Street footpaths")
        self.petition.close(by=self.organiser)
        response = self.client.get(self.url)
        assert response.status_code == 200
        assert "Fix the Cuba Street footpaths" in response.content.decode()


class AccessTests(HistoryTestCase):
    def test_hidden_drafts_pending_and_unknown_petitions_are_a_404(self) -> None:
        self.revise(title="Fix the Cuba Street footpaths")
        self.petition.hide(by=self.moderator, reason="Legal complaint")
        assert self.client.get(self.url).status_code == 404
        for state in (Petition.State.DRAFT, Petition.State.PENDING):
            petition = self.make_petition(state=state)
            url = reverse("petitions:history", args=[petition.slug])
            assert self.client.get(url).status_code == 404
        assert self.client.get(reverse("petitions:history", args=["nope"])).status_code == 404

    def test_it_only_reads(self) -> None:
        assert self.client.post(self.url).status_code == 405
