"""Item 10 of the trust-and-safety issue: script, markup, ``javascript:`` links and template
syntax typed into any field are shown as text, never run: on public pages, in the admin, in
the development outbox and in the emails Tautoko sends."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from django.test import Client, override_settings
from django.urls import reverse

from tautoko.outbox.models import OutboundEmail
from tautoko.outbox.services import email_render
from tautoko.petitions.models import Petition, Signature
from tests.base import SIGN_FORM_VALID, TautokoTestCase
from tests.security import staff_client

SCRIPT = "<script>alert(1)</script>"
IMAGE = '"><img src=x onerror=alert(1)>'
TEMPLATE = "{{ 7*7 }}{% debug %}"
# 76 characters: it fits every field, the 80-character title included.
CANARY = SCRIPT + IMAGE + TEMPLATE
MARKDOWN = (
    f"{CANARY}\n\n[click me](javascript:alert(1)) and [me too](JaVaScRiPt:alert(1))\n\n"
    '<a href="javascript:alert(1)">raw link</a>\n\n<iframe src="https://evil.example"></iframe>'
)
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


class LiveMarkup(HTMLParser):
    """Finds what a browser would run: a canary's script element, an element with an event
    handler, a ``javascript:`` URL, an iframe, or the canary's image."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_script = tag == "script"
        if tag == "iframe":
            self.found.append("<iframe>")
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if name in ("href", "src", "action", "formaction") and re.sub(
                r"[\s\x00-\x1f]", "", value
            ).startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value}>")
            if tag == "img" and name == "src" and value == "x":
                self.found.append("<img src=x>")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and "alert(1)" in data:
            self.found.append("<script>alert(1)")


def live_markup(html: str) -> list[str]:
    parser = LiveMarkup()
    parser.feed(html)
    parser.close()
    # The {% debug %} tag would dump the context; an evaluated {{ 7*7 }} would be gone.
    if re.search(r"DEFAULT_MESSAGE_LEVELS|sql_queries", html):
        parser.found.append("{% debug %} output")
    return parser.found


class XssCanaryTests(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.decision_maker = self.make_decision_maker(name=CANARY, title=CANARY)
        self.petition = self.make_petition(
            title=CANARY, summary=CANARY, statement=MARKDOWN, decision_maker=self.decision_maker
        )
        self.closed = self.make_petition(
            state=Petition.State.CLOSED, title=CANARY, decision_maker=self.decision_maker
        )
        self.slug = self.petition.slug
        # The signer's name goes in through the real form, as an attacker's would.
        response = self.client.post(
            reverse("petitions:sign", args=[self.slug]), {**SIGN_FORM_VALID, "name": CANARY}
        )
        assert response.status_code == 302
        self.signature = Signature.objects.get(petition=self.petition)
        assert self.signature.name == CANARY
        self.work_run()
        self.confirm_link = self.confirmation_link_latest()
        self.pages_checked = 0

    def assert_inert(self, html: str, where: str, *, shown: bool = True) -> None:
        assert live_markup(html) == [], where
        if shown:
            assert ESCAPED in html, f"the canary is not on {where}, so this proves nothing"
        self.pages_checked += 1

    def get(self, client: Client, path: str, *, status: int = 200) -> str:
        response = client.get(path)
        assert response.status_code == status, (path, response.status_code)
        return response.content.decode()

    def test_canaries_are_inert_on_public_pages(self) -> None:
        client = Client()
        slug = self.slug
        detail = self.get(client, f"/{slug}")
        pages = {
            "home": self.get(client, "/"),
            "detail": detail,
            "signed": self.get(client, f"/{slug}/signed"),
            "resend": self.get(client, f"/{slug}/resend"),
            "confirm": self.get(client, self.confirm_link),
            "closed petition": self.get(client, f"/{self.closed.slug}"),
        }
        client.post(self.confirm_link)
        self.work_run()
        self.signature.refresh_from_db()
        pages["thanks"] = self.get(client, f"/{slug}/thanks/{self.signature.receipt}")
        used = self.get(client, self.confirm_link, status=410)
        closed_sign = client.post(f"/{self.closed.slug}/sign", SIGN_FORM_VALID)
        assert closed_sign.status_code == 410
        pages["sign a closed petition"] = closed_sign.content.decode()
        invalid = client.post(f"/{slug}/sign", {**SIGN_FORM_VALID, "email": "not an address"})
        assert invalid.status_code == 400
        pages["sign form with errors"] = invalid.content.decode()

        for where, html in pages.items():
            self.assert_inert(html, where)
        # The pages for a bad link name no field, but are checked all the same.
        forged = self.get(client, f"/{slug}/confirm/forged-token", status=404)
        self.assert_inert(forged, "forged link", shown=False)
        self.assert_inert(used, "used link", shown=False)
        # Template syntax is shown as typed, not evaluated; Markdown links keep their text.
        assert "{{ 7*7 }}{% debug %}" in detail
        assert "click me" in detail and "me too" in detail
        assert self.pages_checked == 11

    def test_the_count_json_is_json_that_browsers_do_not_sniff(self) -> None:
        response = Client().get(reverse("petitions:count-json", args=[self.slug]))

        assert response["Content-Type"] == "application/json"
        assert response["X-Content-Type-Options"] == "nosniff"

    def test_canaries_are_inert_in_the_admin(self) -> None:
        self.moderator.is_superuser = True
        self.moderator.save(update_fields=["is_superuser"])
        client = staff_client(self.moderator)
        email = OutboundEmail.objects.get()
        pages = {
            "petitions": "/admin/petitions/petition/",
            "petition": f"/admin/petitions/petition/{self.petition.pk}/change/",
            "decision makers": "/admin/petitions/decisionmaker/",
            "decision maker": f"/admin/petitions/decisionmaker/{self.decision_maker.pk}/change/",
            "signatures": "/admin/petitions/signature/",
            "signature": f"/admin/petitions/signature/{self.signature.pk}/change/",
            "emails": "/admin/outbox/outboundemail/",
            "email": f"/admin/outbox/outboundemail/{email.pk}/change/",
            "delete petition": f"/admin/petitions/petition/{self.petition.pk}/delete/",
        }

        for where, path in pages.items():
            # The emails' list shows template, address and state, none of them typed in.
            shown = where != "emails"
            self.assert_inert(self.get(client, path), f"admin {where}", shown=shown)
        assert self.pages_checked == len(pages)

    @override_settings(DEMO=True)
    def test_canaries_are_inert_in_the_development_outbox(self) -> None:
        client = Client()
        email = OutboundEmail.objects.get()

        self.assert_inert(self.get(client, "/dev/outbox/"), "outbox list")
        self.assert_inert(self.get(client, f"/dev/outbox/{email.code}/"), "outbox email")

    def test_the_canary_detector_finds_live_markup_so_these_tests_can_fail(self) -> None:
        assert set(live_markup(CANARY)) == {"<script>alert(1)", "<img onerror=...>", "<img src=x>"}
        assert live_markup('<a href=" JaVa\tScript:alert(1)">x</a>') != []
        assert live_markup("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>") == []

    def test_canaries_are_inert_in_rendered_emails(self) -> None:
        # Signing again once confirmed sends the "already signed" email.
        self.client.post(self.confirm_link)
        self.client.post(
            reverse("petitions:sign", args=[self.slug]), {**SIGN_FORM_VALID, "name": CANARY}
        )
        self.work_run()
        emails = list(OutboundEmail.objects.order_by("id"))
        assert {email.template for email in emails} == {"confirm-signature", "already-signed"}

        for email in emails:
            subject, text, html = email_render(email)
            where = f"{email.template} email"
            self.assert_inert(html, f"{where} (HTML)")
            # Plain text is never interpreted: it must say exactly what was typed, unescaped,
            # with the template syntax not evaluated.
            assert CANARY in text, where
            assert "&lt;" not in text and "&quot;" not in text, where
            # The subject is a header: one line, the title as typed, not HTML-escaped.
            assert "\n" not in subject and "\r" not in subject
            assert CANARY in subject, f"{where} subject: {subject}"
