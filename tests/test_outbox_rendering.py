"""Email templates filled in from pieces render exactly as Django renders them in full."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.template import Context, Engine
from django.test import SimpleTestCase, override_settings
from django.utils import translation

from tautoko.outbox import rendering
from tautoko.outbox.rendering import template_render

EMAILS = Path(settings.BASE_DIR) / "templates" / "emails"
TEMPLATES = sorted(f"emails/{path.name}" for path in EMAILS.iterdir())
# Values that escaping, string formatting or the markers themselves could get wrong.
VALUES = [
    "Aroha Ngata",
    "",
    "<b>M&Ms</b> \"quoted\" 'single'",
    "100% sure, %(name)s and %s",
    "Ngā mihi ✓ — “quotes”",
    f"{rendering._MARK_OPEN}0&{rendering._MARK_CLOSE} {rendering._MARK_OPEN}1&amp;",
    "{{ name }} {% if %}",
]


def variables(name: str) -> list[str]:
    """The top-level names a template prints, read from its source."""
    source = (EMAILS / name.removeprefix("emails/")).read_text()
    names = set(re.findall(r"{{\s*(\w+)", source)) | {"site_url"}
    return sorted(names)


def full_render(name: str, context: dict[str, object], *, autoescape: bool) -> str:
    template = Engine.get_default().get_template(name)
    return str(template.render(Context(context, autoescape=autoescape)))


class TemplateRenderTests(SimpleTestCase):
    def test_every_email_template_renders_as_django_renders_it_in_full(self) -> None:
        for name in TEMPLATES:
            autoescape = name.endswith(".html")
            keys = variables(name)
            for language in ("en", "mi"):
                for value in VALUES:
                    context = {key: f"{value} {index}" for index, key in enumerate(keys)}
                    with (
                        self.subTest(name=name, language=language, value=value),
                        translation.override(language),
                    ):
                        expected = full_render(name, context, autoescape=autoescape)
                        assert template_render(name, context, autoescape=autoescape) == expected

    def test_the_signing_emails_are_filled_in_from_pieces(self) -> None:
        for template in ("confirm-signature", "already-signed"):
            parts = (("subject.txt", False), ("body.txt", False), ("body.html", True))
            for part, autoescape in parts:
                name = f"emails/{template}-{part}"
                keys = tuple(variables(name))
                for language in ("en", "mi"):
                    with self.subTest(name=name, language=language):
                        pieces = rendering._pieces(name, language, keys, autoescape)
                        assert pieces is not None
                        texts, slots = pieces
                        assert len(slots) >= 1
                        assert len(texts) == len(slots) + 1

    def test_values_are_escaped_in_html_and_left_alone_in_text(self) -> None:
        context = {
            "name": "<b>M&Ms</b>",
            "petition_title": "Fish & Chips",
            "petition_url": "https://example.org/p",
            "confirm_url": "https://example.org/c?a=1&b=2",
            "site_url": "https://example.org",
        }
        with translation.override("en"):
            html = template_render("emails/confirm-signature-body.html", context, autoescape=True)
            text = template_render("emails/confirm-signature-body.txt", context, autoescape=False)
        assert "Kia ora &lt;b&gt;M&amp;Ms&lt;/b&gt;," in html
        assert 'href="https://example.org/c?a=1&amp;b=2"' in html
        assert "Kia ora <b>M&Ms</b>," in text
        assert "https://example.org/c?a=1&b=2" in text

    def test_a_template_with_a_condition_is_rendered_in_full(self) -> None:
        name = "emails/petition-approved-body.html"
        assert "{% if" in (EMAILS / "petition-approved-body.html").read_text()
        keys = tuple(variables(name))
        assert rendering._pieces(name, "en", keys, True) is None
        for value in ("", "something"):
            context = dict.fromkeys(keys, value)
            with translation.override("en"):
                assert template_render(name, context, autoescape=True) == full_render(
                    name, context, autoescape=True
                )

    def test_pieces_are_in_the_language_they_are_kept_for_whatever_language_is_active(
        self,
    ) -> None:
        name = "emails/confirm-signature-body.txt"
        keys = tuple(variables(name))
        context = {key: "x" for key in keys}
        rendering._pieces.cache_clear()
        with translation.override("en"):
            rendering._pieces(name, "mi", keys, False)
        with translation.override("mi"):
            assert template_render(name, context, autoescape=False) == full_render(
                name, context, autoescape=False
            )

    def test_a_context_with_other_than_text_is_rendered_in_full(self) -> None:
        name = "emails/confirm-signature-subject.txt"
        context = {"petition_title": 12345, "name": "A"}
        rendering._pieces.cache_clear()
        with translation.override("en"):
            assert template_render(name, context, autoescape=False) == full_render(
                name, context, autoescape=False
            )
        assert rendering._pieces.cache_info().currsize == 0

    @override_settings(DEBUG=True)
    def test_in_debug_every_email_is_rendered_in_full(self) -> None:
        rendering._pieces.cache_clear()
        context = {"petition_title": "Kia kaha", "name": "A", "site_url": "x"}
        with translation.override("en"):
            subject = template_render(
                "emails/confirm-signature-subject.txt", context, autoescape=False
            )
        assert "Kia kaha" in subject
        assert rendering._pieces.cache_info().currsize == 0
