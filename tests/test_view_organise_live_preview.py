"""The live preview beside the petition form (organise:new-preview, organise:edit-preview),
and the similar open petitions on it and on the draft's preview page."""

from __future__ import annotations

import html as html_module
import re

from django.conf import settings
from django.core.validators import validate_slug
from django.test import Client
from django.urls import reverse

from tautoko.organise.forms import (
    MESSAGE_SLUG_RESERVED,
    MESSAGE_SLUG_TAKEN,
    MESSAGE_TOO_LONG,
    MESSAGE_UNKNOWN_DECISION_MAKER,
    STATEMENT_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    closes_on_default,
)
from tautoko.organise.slugs import SLUG_MAX_LENGTH
from tautoko.organise.views import MESSAGE_NOT_EDITABLE
from tautoko.petitions.models import Petition, Signature
from tests.base import TautokoTestCase
from tests.security import database_snapshot
from tests.test_security_xss import CANARY, ESCAPED, MARKDOWN, live_markup

NEW = reverse("organise:new-preview")


def too_long(*, limit: int, length: int) -> str:
    return str(MESSAGE_TOO_LONG) % {"limit_value": limit, "show_value": length}


class LivePreviewTestCase(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.minister = self.make_decision_maker(
            slug="minister-of-education", name="Jan Tiwai", title="Minister of Education"
        )
        self.draft = self.make_petition(
            state=Petition.State.DRAFT,
            title="Free lunches in every school",
            summary="Fund a healthy lunch for every pupil.",
            decision_maker=self.minister,
        )
        self.client.force_login(self.organiser)

    def typed(self, **changes: str) -> dict[str, str]:
        data = {
            "title": "Warm, dry classrooms",
            "summary": "Insulate and heat every school classroom by 2028.",
            "statement": "Cold children **cannot** learn.\n\n- damp\n- mould",
            "decision_maker": self.minister.slug,
        }
        return data | changes

    def edit_url(self, petition: Petition | None = None) -> str:
        return reverse("organise:edit-preview", args=[(petition or self.draft).slug])


class PreviewFragmentTests(LivePreviewTestCase):
    def test_it_renders_the_petition_as_its_public_page_would(self) -> None:
        response = self.client.post(NEW, self.typed())

        html = response.content.decode()
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")
        assert response["Cache-Control"] == "private, no-store"
        assert "<html" not in html  # a fragment, not a page
        assert "<strong>Jan Tiwai</strong>, Minister of Education" in html
        assert '<h3 class="petition-title">Warm, dry classrooms</h3>' in html
        assert '<p class="summary">Insulate and heat every school classroom by 2028.</p>' in html
        # The public page's Markdown subset: the same HTML as the petition's own statement.
        statement = Petition(statement=self.typed()["statement"]).statement_html
        assert "<strong>cannot</strong>" in statement and "<li>damp</li>" in statement
        assert statement in html

    def test_the_edit_variant_previews_the_typed_text_not_the_saved_draft(self) -> None:
        response = self.client.post(self.edit_url(), self.typed(title="Kai for every kid"))

        html = response.content.decode()
        assert response.status_code == 200
        assert "Kai for every kid" in html
        assert "Free lunches in every school" not in html

    def test_half_a_petition_previews_with_what_goes_in_the_rest(self) -> None:
        response = self.client.post(
            NEW, {"title": "Warm classrooms", "summary": "", "statement": "", "decision_maker": ""}
        )

        html = response.content.decode()
        assert response.status_code == 200
        assert "Warm classrooms" in html
        assert html.count('class="placeholder"') == 3  # decision maker, summary, why

    def test_it_previews_in_te_reo_maori(self) -> None:
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "mi"
        response = self.client.post(
            NEW,
            self.typed(title="Kia kōrerotia te reo Māori", summary="Ākona te reo i ngā kura."),
        )

        html = response.content.decode()
        assert response.status_code == 200
        assert response["Content-Language"] == "mi"
        assert "Petihana ki a" in html and "He aha i whai take ai" in html
        assert "Kia kōrerotia te reo Māori" in html and "Ākona te reo i ngā kura." in html

    def test_it_refuses_an_overlong_text_in_te_reo_maori_too(self) -> None:
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "mi"
        response = self.client.post(NEW, self.typed(title="ā" * (TITLE_MAX + 1)))

        assert response.status_code == 400
        assert response["Content-Language"] == "mi"
        assert too_long(limit=TITLE_MAX, length=TITLE_MAX + 1) in response.content.decode()


class AccessTests(LivePreviewTestCase):
    def test_anonymous_visitors_are_sent_to_log_in(self) -> None:
        self.client.logout()
        for url in (NEW, self.edit_url()):
            response = self.client.post(url, self.typed())
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("account_login"))

    def test_someone_elses_draft_is_a_404(self) -> None:
        self.client.force_login(self.visitor)

        response = self.client.post(self.edit_url(), self.typed())

        assert response.status_code == 404
        assert "Warm, dry classrooms" not in response.content.decode()

    def test_a_draft_that_does_not_exist_is_a_404(self) -> None:
        response = self.client.post(reverse("organise:edit-preview", args=["nope"]), self.typed())

        assert response.status_code == 404

    def test_a_submitted_petition_is_not_previewed_as_an_edit(self) -> None:
        self.draft.submit(by=self.organiser)

        response = self.client.post(self.edit_url(), self.typed())

        assert response.status_code == 409
        assert str(MESSAGE_NOT_EDITABLE) % {"state": "Awaiting moderation"} in (
            response.content.decode()
        )

    def test_get_and_other_methods_are_refused(self) -> None:
        for url in (NEW, self.edit_url()):
            assert self.client.get(url).status_code == 405
            assert self.client.put(url).status_code == 405

    def test_a_missing_or_forged_csrf_token_is_refused(self) -> None:
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.organiser)
        form = client.get(reverse("organise:new")).content.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
        assert token is not None

        assert client.post(NEW, self.typed()).status_code == 403
        forged = self.typed(csrfmiddlewaretoken="x" * 64)
        assert client.post(NEW, forged).status_code == 403
        # The form's own token goes through, so the refusals above can fail.
        assert client.post(NEW, self.typed(csrfmiddlewaretoken=token.group(1))).status_code == 200

    def test_the_form_page_points_its_script_at_the_right_endpoint(self) -> None:
        new = self.client.get(reverse("organise:new")).content.decode()
        edit = self.client.get(reverse("organise:edit", args=[self.draft.slug])).content.decode()

        assert f'data-preview-url="{NEW}"' in new
        assert f'data-preview-url="{self.edit_url()}"' in edit
        for html in (new, edit):
            assert "organise/preview" in html and ".js" in html
            # Without JavaScript the pane stays out of sight and the form is as it was.
            assert re.search(r"<aside [^>]*data-live-preview[^>]* hidden", html)
            assert "Save draft and preview" in html
            assert "<script>" not in html and "style=" not in html


class InvalidInputTests(LivePreviewTestCase):
    def test_it_refuses_texts_over_their_limits_with_a_message(self) -> None:
        for field, limit in (
            ("title", TITLE_MAX),
            ("summary", SUMMARY_MAX),
            ("statement", STATEMENT_MAX),
        ):
            response = self.client.post(NEW, self.typed(**{field: "x" * (limit + 1)}))
            html = response.content.decode()
            assert response.status_code == 400, field
            assert 'role="alert"' in html
            assert too_long(limit=limit, length=limit + 1) in html, field
            assert "Warm, dry classrooms" not in html  # no preview of a refused text

    def test_it_accepts_texts_at_their_limits(self) -> None:
        response = self.client.post(
            NEW, self.typed(title="t" * TITLE_MAX, summary="s" * SUMMARY_MAX, statement="w" * 1500)
        )

        assert response.status_code == 200

    def test_it_refuses_a_decision_maker_not_on_the_list(self) -> None:
        response = self.client.post(NEW, self.typed(decision_maker="someone-else"))

        assert response.status_code == 400
        assert str(MESSAGE_UNKNOWN_DECISION_MAKER) in response.content.decode()

    def test_a_body_over_the_request_limit_is_refused(self) -> None:
        response = self.client.post(NEW, self.typed(statement="x" * 70_000))

        assert response.status_code == 400


class EffectsTests(LivePreviewTestCase):
    def test_previewing_saves_nothing(self) -> None:
        before = database_snapshot(sessions=False)

        for url in (NEW, self.edit_url()):
            assert self.client.post(url, self.typed(slug="warm", goal="5")).status_code == 200
            assert self.client.post(url, self.typed(title="x" * 81)).status_code == 400

        assert database_snapshot(sessions=False) == before
        self.draft.refresh_from_db()
        assert self.draft.title == "Free lunches in every school"


class XssTests(LivePreviewTestCase):
    def test_canaries_typed_into_every_field_are_inert(self) -> None:
        canary_maker = self.make_decision_maker(slug="canary", name=CANARY, title=CANARY)
        self.make_petition(title=CANARY, summary=CANARY)
        for url in (NEW, self.edit_url()):
            response = self.client.post(
                url,
                {
                    "title": CANARY,
                    "summary": CANARY,
                    "statement": MARKDOWN,
                    "decision_maker": canary_maker.slug,
                },
            )
            html = response.content.decode()
            assert response.status_code == 200
            assert live_markup(html) == [], url
            assert html.count(ESCAPED) >= 6, url  # title, summary, why, and the similar one

    def test_an_error_message_does_not_echo_markup(self) -> None:
        response = self.client.post(NEW, self.typed(title=CANARY * 2))

        assert response.status_code == 400
        assert live_markup(response.content.decode()) == []


def address(slug: str) -> str:
    return f'<strong class="address-url">{settings.SITE_URL}/{slug}</strong>'


def errors_of_the_petition_form(test: LivePreviewTestCase, slug: str) -> list[str]:
    """What the petition form itself says of this slug, when the rest is right (every slug
    asked about is refused, so nothing is saved)."""
    response = test.client.post(
        reverse("organise:new"),
        {
            **test.typed(),
            "goal": "100",
            "closes_on": closes_on_default().isoformat(),
            "slug": slug,
        },
    )
    return [str(error) for error in response.context["form"].errors.get("slug", [])]


class AddressTests(LivePreviewTestCase):
    def test_with_no_slug_typed_it_shows_the_one_made_from_the_title(self) -> None:
        response = self.client.post(NEW, self.typed(slug=""))

        html = response.content.decode()
        assert response.status_code == 200
        assert "Your petition's address:" in html
        assert address("warm-dry-classrooms") in html
        assert "(made from the title" in html

    def test_a_title_whose_slug_is_taken_gets_the_dash_2_suggestion(self) -> None:
        self.make_petition(slug="warm-dry-classrooms")

        html = self.client.post(NEW, self.typed(slug="")).content.decode()

        assert address("warm-dry-classrooms-2") in html
        assert address("warm-dry-classrooms") not in html

    def test_the_suggestion_follows_the_title_as_it_is_typed(self) -> None:
        html = self.client.post(NEW, self.typed(title="Kai for every kid")).content.decode()

        assert address("kai-for-every-kid") in html

    def test_a_typed_free_slug_is_shown_as_it_will_be_saved(self) -> None:
        html = self.client.post(NEW, self.typed(slug=" Warm-Rooms ")).content.decode()

        assert address("warm-rooms") in html
        assert "(made from the title" not in html

    def test_a_reserved_word_gets_the_forms_error_and_a_free_alternative(self) -> None:
        response = self.client.post(NEW, self.typed(slug="admin"))

        html = response.content.decode()
        # The address is not the text: the preview of the text is still shown.
        assert response.status_code == 200
        assert '<h3 class="petition-title">Warm, dry classrooms</h3>' in html
        assert html_module.escape(str(MESSAGE_SLUG_RESERVED)) in html
        assert errors_of_the_petition_form(self, "admin") == [str(MESSAGE_SLUG_RESERVED)]
        assert re.search(r'<p class="error" role="alert">', html)
        assert address("admin-petition") in html
        assert address("admin") not in html

    def test_a_taken_slug_gets_the_forms_error_and_the_dash_2_suggestion(self) -> None:
        self.make_petition(slug="warm-rooms")

        html = self.client.post(NEW, self.typed(slug="warm-rooms")).content.decode()

        assert html_module.escape(str(MESSAGE_SLUG_TAKEN)) in html
        assert errors_of_the_petition_form(self, "warm-rooms") == [str(MESSAGE_SLUG_TAKEN)]
        assert address("warm-rooms-2") in html
        assert address("warm-rooms") not in html

    def test_an_invalid_or_overlong_slug_gets_the_forms_own_message(self) -> None:
        for typed in ("warm rooms!", "w" * (SLUG_MAX_LENGTH + 1)):
            response = self.client.post(NEW, self.typed(slug=typed))
            html = response.content.decode()
            form_errors = errors_of_the_petition_form(self, typed)
            assert response.status_code == 200, typed
            assert len(form_errors) == 1, typed
            assert html_module.escape(form_errors[0]) in html, typed
        assert str(validate_slug.message) in errors_of_the_petition_form(self, "warm rooms!")
        html = self.client.post(NEW, self.typed(slug="warm rooms!")).content.decode()
        assert address("warm-rooms") in html  # the free one nearest to what was typed

    def test_the_edit_variant_does_not_count_the_draft_as_taking_its_own_slug(self) -> None:
        own = self.draft.slug

        typed = self.client.post(self.edit_url(), self.typed(slug=own)).content.decode()
        made = self.client.post(
            self.edit_url(), self.typed(title="Free lunches in every school", slug="")
        ).content.decode()

        assert address(own) in typed
        assert str(MESSAGE_SLUG_TAKEN) not in typed
        assert address("free-lunches-in-every-school") in made
        # The new form counts it as another petition's.
        html = self.client.post(NEW, self.typed(slug=own)).content.decode()
        assert html_module.escape(str(MESSAGE_SLUG_TAKEN)) in html

    def test_with_neither_title_nor_slug_it_says_where_the_address_comes_from(self) -> None:
        html = self.client.post(NEW, self.typed(title="", slug="")).content.decode()

        assert "made from your title" in html
        assert 'class="address-url"' not in html

    def test_markup_typed_as_the_slug_or_title_is_inert(self) -> None:
        for url in (NEW, self.edit_url()):
            for changes in ({"slug": CANARY}, {"title": CANARY[:TITLE_MAX], "slug": ""}):
                response = self.client.post(url, self.typed(**changes))
                html = response.content.decode()
                assert response.status_code == 200, changes
                assert live_markup(html) == [], changes

    def test_the_slug_is_sent_by_the_script(self) -> None:
        script = (settings.BASE_DIR / "static" / "organise" / "preview.js").read_text()

        assert '"slug"' in script

    def test_previewing_an_address_saves_nothing(self) -> None:
        before = database_snapshot(sessions=False)

        for slug in ("", "warm-rooms", "admin", self.draft.slug):
            self.client.post(NEW, self.typed(slug=slug))

        assert database_snapshot(sessions=False) == before


class SimilarPetitionsTests(LivePreviewTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.heating = self.make_petition(
            slug="heat-our-classrooms",
            title="Heat our classrooms",
            summary="Every school classroom warm in winter.",
        )
        for _ in range(3):
            self.make_signature(self.heating, state=Signature.State.CONFIRMED)
        self.work_run()

    def test_the_live_preview_lists_a_similar_open_petition_with_its_count_and_link(
        self,
    ) -> None:
        html = self.client.post(NEW, self.typed()).content.decode()

        assert "Is there already a petition for this?" in html
        assert 'href="/heat-our-classrooms" target="_blank" rel="noopener"' in html
        assert "3 signatures" in html

    def test_the_edit_variant_does_not_offer_the_draft_itself(self) -> None:
        html = self.client.post(
            self.edit_url(), self.typed(title="Free lunches in every school", summary="Lunch.")
        ).content.decode()

        assert "Is there already a petition for this?" in html  # heating: "every school"
        assert f'href="/{self.draft.slug}"' not in html

    def test_nothing_similar_shows_no_list(self) -> None:
        html = self.client.post(
            NEW, self.typed(title="Save the kākāpō", summary="Fund predator control.")
        ).content.decode()

        assert "Is there already a petition for this?" not in html

    def test_the_drafts_preview_page_lists_them_before_the_submit_button(self) -> None:
        draft = self.make_petition(
            state=Petition.State.DRAFT,
            title="Warm classrooms for our kids",
            summary="Heat every classroom.",
        )

        response = self.client.get(reverse("organise:preview", args=[draft.slug]))

        html = response.content.decode()
        assert response.status_code == 200
        assert html.index("Is there already a petition for this?") < html.index(
            "Submit for moderation"
        )
        assert '<a href="/heat-our-classrooms">Heat our classrooms</a>' in html
        assert "3 signatures" in html
        # The organiser can still send theirs.
        self.client.post(reverse("organise:submit", args=[draft.slug]))
        draft.refresh_from_db()
        assert draft.state == Petition.State.PENDING

    def test_a_submitted_petitions_page_lists_none(self) -> None:
        pending = self.make_petition(
            state=Petition.State.PENDING, title="Warm classrooms", summary="Heat them."
        )

        html = self.client.get(reverse("organise:preview", args=[pending.slug])).content.decode()

        assert "Is there already a petition for this?" not in html
