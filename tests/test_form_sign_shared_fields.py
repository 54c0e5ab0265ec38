"""The sign form's fields are shared by every form (no per-form deep copy), and that
changes nothing a signer can see: each form keeps its own values, errors and language."""

from __future__ import annotations

from django.test import SimpleTestCase
from django.utils import translation

from tautoko.petitions.forms import ERROR_EMAIL_INVALID, ERROR_NAME_REQUIRED, SignForm
from tests.base import SIGN_FORM_VALID


class SharedFieldsTests(SimpleTestCase):
    def test_two_forms_share_their_fields(self) -> None:
        first, second = SignForm(), SignForm(SIGN_FORM_VALID)

        assert first.fields is not second.fields
        assert first.fields["email"] is second.fields["email"]
        assert first.fields["country"].widget is second.fields["country"].widget

    def test_an_invalid_form_does_not_spoil_the_next(self) -> None:
        bad = SignForm({**SIGN_FORM_VALID, "name": "", "email": "not an address"})
        good = SignForm({**SIGN_FORM_VALID, "email": "mere@example.org"})

        assert not bad.is_valid()
        assert good.is_valid()
        assert set(bad.errors) == {"name", "email"}
        assert bad.errors["email"] == [ERROR_EMAIL_INVALID]
        assert bad.errors["name"] == [ERROR_NAME_REQUIRED]
        assert good.cleaned_data["email"] == "mere@example.org"
        good_html, bad_html = str(good), str(bad)
        assert str(ERROR_EMAIL_INVALID) not in good_html
        assert 'value="not an address"' in bad_html
        assert 'value="mere@example.org"' in good_html
        assert 'value="not an address"' not in good_html

    def test_each_form_renders_in_the_language_it_is_rendered_in(self) -> None:
        with translation.override("en"):
            english = str(SignForm()["electorate"])
        with translation.override("mi"):
            maori = str(SignForm()["electorate"])
            placeholder = translation.gettext("Choose your electorate")
        with translation.override("en"):
            again = str(SignForm()["electorate"])

        assert placeholder != "Choose your electorate"
        assert placeholder in maori
        assert "Choose your electorate" in english
        assert english == again
