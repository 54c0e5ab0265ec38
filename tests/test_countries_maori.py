"""Countries are named in the page's language: in te reo Māori from the Unicode CLDR
(``manage.py countries_catalog``, tautoko/core), in English as django-countries has them."""

from __future__ import annotations

import gettext
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import SimpleTestCase
from django.urls import reverse
from django.utils import translation
from django_countries import countries
from django_countries.data import COUNTRIES

from tautoko.core.management.commands.countries_catalog import catalog_directory
from tests.base import TautokoTestCase

CATALOGUE = catalog_directory() / "mi" / "LC_MESSAGES"
HOW_TO_UPDATE = "write it again with `make messages` and commit the .po and .mo"


def english_names() -> set[str]:
    with translation.override(None):
        return {str(name) for name in COUNTRIES.values()}


class CountriesCatalogueTests(SimpleTestCase):
    def test_countries_are_named_in_te_reo_maori_on_te_reo_maori_pages(self) -> None:
        with translation.override("mi"):
            assert countries.name("NZ") == "Aotearoa"
            assert countries.name("WS") == "Hāmoa"
            assert countries.name("GB") == "Te Hononga o Piritene"
        with translation.override("en"):
            assert countries.name("NZ") == "New Zealand"
            assert countries.name("WS") == "Samoa"

    def test_every_country_has_its_name_in_the_compiled_catalogue(self) -> None:
        with (CATALOGUE / "django.mo").open("rb") as mo:
            compiled = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]
        names = {key for key in compiled if key}
        assert names == english_names(), HOW_TO_UPDATE
        assert all(compiled[name].strip() for name in names)

    def test_the_committed_catalogue_is_what_the_cldr_gives_now(self) -> None:
        with tempfile.TemporaryDirectory() as scratch:
            call_command("countries_catalog", locale="mi", output=Path(scratch), stdout=None)
            written = Path(scratch) / "mi" / "LC_MESSAGES" / "django.po"
            assert written.read_text(encoding="utf-8") == (CATALOGUE / "django.po").read_text(
                encoding="utf-8"
            ), HOW_TO_UPDATE

    def test_it_comes_after_the_projects_own_catalogue_which_wins(self) -> None:
        assert [Path(path).name for path in settings.LOCALE_PATHS] == ["locale", "locale-cldr"]

    def test_a_language_the_cldr_does_not_know_is_refused_with_a_message(self) -> None:
        with tempfile.TemporaryDirectory() as scratch:
            with pytest.raises(CommandError, match="the CLDR has no locale 'zz-nowhere'"):
                call_command("countries_catalog", locale="zz-nowhere", output=Path(scratch))
            assert not any(Path(scratch).iterdir())

    def test_a_directory_that_cannot_be_written_is_refused_with_a_message(self) -> None:
        with tempfile.TemporaryDirectory() as scratch:
            blocker = Path(scratch) / "a-file"
            blocker.write_text("not a directory")
            with pytest.raises(CommandError, match="cannot write the catalogue below"):
                call_command("countries_catalog", output=blocker / "below")


class CountriesOnPagesTests(TautokoTestCase):
    def test_the_sign_form_lists_the_countries_in_the_pages_language(self) -> None:
        petition = self.make_petition()
        url = reverse("petitions:detail", args=[petition.slug])

        english = self.client.get(url).content.decode()
        maori = self.client.get(url, headers={"accept-language": "mi"}).content.decode()

        # New Zealand is chosen for the signer to begin with.
        assert '<option value="NZ" selected>New Zealand</option>' in english
        assert '<option value="WS">Samoa</option>' in english
        assert '<option value="NZ" selected>Aotearoa</option>' in maori
        assert '<option value="WS">Hāmoa</option>' in maori
        assert "New Zealand" not in maori
