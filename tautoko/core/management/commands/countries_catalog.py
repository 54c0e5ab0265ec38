"""Write the names of countries in another language, from the Unicode CLDR, as a catalogue.

django-countries names every country in English and translates the names through gettext,
but it has no te reo Māori catalogue, so the sign form, signers' pages and an organiser's
figures showed English names on te reo Māori pages. The CLDR has them (``NZ`` is
"Aotearoa", ``WS`` "Hāmoa"); Babel, the standard Python reader of the CLDR, gives them here.

This writes ``locale-cldr/<language>/LC_MESSAGES/django.po`` and its compiled ``.mo``: one
message for each of django-countries' English names. The directory is the second of
``LOCALE_PATHS``, so ``makemessages`` never rewrites it and the project's own catalogue
(the first) wins wherever it translates a name itself. Babel is needed only to write it
(``make messages``); the site reads the committed ``.mo``.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

HEADER_COMMENT = (
    "# Names of countries for django-countries' English names, from the Unicode CLDR\n"
    "# (through Babel). Written by `manage.py countries_catalog`; do not edit by hand."
)


FIXED_DATE = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def catalog_directory() -> Path:
    return Path(settings.LOCALE_PATHS[1])


def country_names(language: str) -> list[tuple[str, str, str]]:
    """(code, English name as django-countries has it, the CLDR's name in ``language``) for
    every country that the CLDR names in that language."""
    from babel import Locale, UnknownLocaleError
    from django_countries.data import COUNTRIES

    try:
        territories = Locale.parse(language).territories
    except (UnknownLocaleError, ValueError) as error:
        raise CommandError(f"the CLDR has no locale {language!r}: {error}") from error
    # With no language active, gettext gives back each name as written: the message id.
    with translation.override(None):
        english = {code: str(name) for code, name in COUNTRIES.items()}
    return [
        (code, english[code], territories[code])
        for code in sorted(english)
        if territories.get(code)
    ]


def catalog_write(language: str, directory: Path) -> int:
    """Write the .po and .mo for ``language`` below ``directory``; return how many names."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import write_po

    names = country_names(language)
    catalog = Catalog(
        locale=language,
        project="Tautoko",
        version="countries",
        msgid_bugs_address="https://cldr.unicode.org",
        last_translator="Unicode CLDR",
        language_team="Unicode CLDR",
        header_comment=HEADER_COMMENT,
        # Fixed, so that writing the catalogue again changes nothing unless a name does.
        creation_date=FIXED_DATE,
        revision_date=FIXED_DATE,
        fuzzy=False,
    )
    for code, english, name in names:
        catalog.add(english, name, auto_comments=[f"CLDR territory {code}"])
    messages = directory / language / "LC_MESSAGES"
    messages.mkdir(parents=True, exist_ok=True)
    po = io.BytesIO()
    write_po(po, catalog, width=100, omit_header=False, sort_output=True)
    (messages / "django.po").write_bytes(po.getvalue())
    with (messages / "django.mo").open("wb") as mo:
        write_mo(mo, catalog)
    return len(names)


class Command(BaseCommand):
    help = (
        "Write the names of countries in a language from the Unicode CLDR (Babel) as the "
        "catalogue in the second of LOCALE_PATHS."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("-l", "--locale", default="mi", help="The language (default mi).")
        parser.add_argument(
            "--output",
            type=Path,
            default=None,
            help="Write below this directory instead (to compare with the committed one).",
        )

    def handle(self, *args: Any, locale: str, output: Path | None, **options: Any) -> None:
        if len(settings.LOCALE_PATHS) < 2:
            raise CommandError("LOCALE_PATHS needs a second entry for the countries catalogue")
        try:
            import babel  # noqa: F401
        except ImportError as error:
            raise CommandError("countries_catalog needs Babel: run `make install`") from error
        directory = output or catalog_directory()
        try:
            written = catalog_write(locale, directory)
        except OSError as error:
            raise CommandError(f"cannot write the catalogue below {directory}: {error}") from None
        self.stdout.write(f"{written} country names in {locale}")
