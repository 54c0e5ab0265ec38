"""English and te reo Māori: the language switch, the site's pages in te reo Māori, and the
te reo Māori catalogue itself (every message translated, none fuzzy, placeholders kept, and
the compiled .mo made from the .po as committed)."""

from __future__ import annotations

import datetime as dt
import gettext
import re
import shutil
import subprocess
import tempfile
import unittest
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.test import SimpleTestCase
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.timesince import timesince

from tautoko.petitions.models import Petition, TimelineEvent
from tautoko.responses.models import ThresholdCrossing
from tests.base import SIGN_FORM_VALID, TautokoTestCase
from tests.base_sponsors import REQUIRED, SponsorsTestCase
from tests.staff import ModerationTestCase, staff_login

CATALOGUE_DIR = Path(settings.LOCALE_PATHS[0]) / "mi" / "LC_MESSAGES"
PO = CATALOGUE_DIR / "django.po"
MO = CATALOGUE_DIR / "django.mo"
PLURAL_FORMS = "nplurals=2; plural=(n != 1);"
HOW_TO_UPDATE = "update the catalogue with `make messages`, translate, and commit the .po and .mo"

# What a translation must carry over unchanged: Python format placeholders (%(name)s, %d,
# %%) and HTML tags.
_PLACEHOLDER = re.compile(r"%(?:\([a-z_]+\))?[sd%]|</?[a-z][^>]*>")


@dataclass
class Message:
    msgid: str
    line: int
    msgid_plural: str | None = None
    msgstr: list[str] = field(default_factory=list)  # one, or one per plural form
    flags: set[str] = field(default_factory=set)


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?) (".*")$')


def _unquote(quoted: str, line: int) -> str:
    if len(quoted) < 2 or not (quoted.startswith('"') and quoted.endswith('"')):
        raise ValueError(f"{PO}:{line}: not a quoted string: {quoted}")

    def unescape(match: re.Match[str]) -> str:
        if match.group(1) not in _ESCAPES:
            raise ValueError(f"{PO}:{line}: unknown escape \\{match.group(1)}")
        return _ESCAPES[match.group(1)]

    return re.sub(r"\\(.)", unescape, quoted[1:-1])


def catalogue_read(path: Path) -> list[Message]:
    """The messages of a PO file, header first: a reader just large enough for Tautoko's
    catalogue, which has no message contexts and no obsolete entries (makemessages drops
    them). Anything else it does not understand is an error, not skipped."""
    messages: list[Message] = []
    current: Message | None = None
    flags: set[str] = set()
    target: tuple[str, int] | None = None  # the string continuation lines extend
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            current, flags, target = None, set(), None
        elif line.startswith("#~"):
            raise ValueError(f"{path}:{number}: obsolete entry (makemessages drops them)")
        elif line.startswith("#,"):
            flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if current is None or target is None:
                raise ValueError(f"{path}:{number}: a string outside a message")
            text = _unquote(line, number)
            kind, index = target
            if kind == "msgid":
                current.msgid += text
            elif kind == "msgid_plural":
                current.msgid_plural = (current.msgid_plural or "") + text
            else:
                current.msgstr[index] += text
        elif match := _KEYWORD.match(line):
            keyword, index_text, quoted = match.groups()
            text = _unquote(quoted, number)
            if keyword == "msgctxt":
                raise ValueError(f"{path}:{number}: message contexts are not used by Tautoko")
            if keyword == "msgid":
                current = Message(msgid=text, line=number, flags=flags)
                messages.append(current)
                target = ("msgid", 0)
            elif current is None:
                raise ValueError(f"{path}:{number}: {keyword} before its msgid")
            elif keyword == "msgid_plural":
                current.msgid_plural = text
                target = ("msgid_plural", 0)
            else:
                index = int(index_text or 0)
                if index != len(current.msgstr):
                    raise ValueError(f"{path}:{number}: {keyword} out of order")
                current.msgstr.append(text)
                target = ("msgstr", index)
        else:
            raise ValueError(f"{path}:{number}: cannot read: {raw}")
    return messages


def compiled_catalogue(path: Path) -> dict[object, str]:
    """Every message of a compiled .mo file, as Python's gettext reads it: msgid → text,
    (msgid, n) → plural form n, and "" → the header."""
    with path.open("rb") as mo:
        # GNUTranslations keeps what it parsed in _catalog; there is no public view of it.
        return dict(gettext.GNUTranslations(mo)._catalog)  # type: ignore[attr-defined]


def _placeholders(text: str) -> Counter[str]:
    return Counter(_PLACEHOLDER.findall(text))


class CatalogueTests(SimpleTestCase):
    """The committed catalogue, read as makemessages wrote it and as Django will load it."""

    messages: list[Message]

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.messages = catalogue_read(PO)

    def header(self) -> dict[str, str]:
        first = self.messages[0]
        assert first.msgid == "", "the catalogue must start with its header"
        fields = (line.split(":", 1) for line in first.msgstr[0].splitlines() if ":" in line)
        return {name.strip(): value.strip() for name, value in fields}

    def test_it_is_a_te_reo_maori_catalogue_with_two_plural_forms(self) -> None:
        header = self.header()

        assert header["Language"] == "mi"
        assert header["Content-Type"] == "text/plain; charset=UTF-8"
        assert header["Plural-Forms"] == PLURAL_FORMS

    def test_it_says_it_awaits_review_by_a_fluent_speaker(self) -> None:
        opening = PO.read_text(encoding="utf-8").split('msgid ""', 1)[0]

        assert "machine-assisted" in opening
        assert "review by a fluent speaker" in opening

    def test_every_message_is_translated(self) -> None:
        untranslated = [
            message.msgid
            for message in self.messages[1:]
            if not message.msgstr or any(not text.strip() for text in message.msgstr)
        ]

        assert untranslated == [], f"untranslated: {untranslated}; {HOW_TO_UPDATE}"

    def test_no_translation_is_fuzzy(self) -> None:
        fuzzy = [message.msgid for message in self.messages if "fuzzy" in message.flags]

        assert fuzzy == [], f"fuzzy (a guess by msgmerge, not shown): {fuzzy}"

    def test_each_message_has_one_form_or_both_plural_forms(self) -> None:
        for message in self.messages[1:]:
            expected = 1 if message.msgid_plural is None else 2
            assert len(message.msgstr) == expected, f"line {message.line}: {message.msgid}"

    def test_translations_keep_every_placeholder_and_tag(self) -> None:
        for message in self.messages[1:]:
            # With two plural forms, form 0 translates the msgid and form 1 the msgid_plural.
            sources = [message.msgid, message.msgid_plural or message.msgid]
            for source, text in zip(sources, message.msgstr, strict=False):
                assert _placeholders(text) == _placeholders(source), (
                    f"line {message.line}: {source!r} became {text!r}"
                )
                # Emails' text bodies: the same paragraphs, and no line break lost or added.
                assert text.count("\n") == source.count("\n"), f"line {message.line}"

    def test_proper_nouns_stay_as_they_are(self) -> None:
        for message in self.messages[1:]:
            for name in ("Tautoko", "PDF", "CSV", "JSON", "Markdown", "JavaScript"):
                if name in message.msgid:
                    assert all(name in text for text in message.msgstr), (
                        f"line {message.line}: {name} lost from {message.msgstr}"
                    )

    def test_the_committed_mo_is_compiled_from_the_committed_po(self) -> None:
        expected: dict[object, str] = {}
        for message in self.messages:
            if message.msgid == "":
                # msgfmt leaves the POT-Creation-Date out of the compiled header.
                fields = message.msgstr[0].splitlines(keepends=True)
                expected[""] = "".join(f for f in fields if not f.startswith("POT-Creation-Date"))
                continue
            if message.msgid_plural is None:
                expected[message.msgid] = message.msgstr[0]
            else:
                for index, text in enumerate(message.msgstr):
                    expected[(message.msgid, index)] = text

        compiled = compiled_catalogue(MO)

        assert compiled.keys() == expected.keys(), f"the .mo is stale: {HOW_TO_UPDATE}"
        stale = [key for key in expected if compiled[key] != expected[key]]
        assert stale == [], f"the .mo is stale for {stale}: {HOW_TO_UPDATE}"

    @unittest.skipUnless(shutil.which("msgfmt"), "GNU gettext's msgfmt is not installed")
    def test_msgfmt_compiles_it_without_a_warning_and_to_the_committed_mo(self) -> None:
        with tempfile.TemporaryDirectory() as scratch:
            compiled = Path(scratch) / "django.mo"
            # What compilemessages runs, plus the header and plural checks of --check.
            result = subprocess.run(
                ["msgfmt", "--check", "-o", str(compiled), str(PO)],
                capture_output=True,
                text=True,
                check=False,
            )

            assert result.returncode == 0, result.stderr
            assert "error" not in result.stderr, result.stderr
            assert compiled_catalogue(compiled) == compiled_catalogue(MO), (
                f"the .mo is stale: {HOW_TO_UPDATE}"
            )


class MaoriDatesTests(SimpleTestCase):
    """Django has no te reo Māori catalogue of its own: its month names and time spans come
    from Tautoko's (tautoko/formats/mi/words.py)."""

    day = dt.datetime(2015, 11, 11, 12, 40)

    def test_months_are_named_in_te_reo_maori(self) -> None:
        with translation.override("mi"):
            assert date_format(self.day, "j F Y") == "11 Whiringa-ā-rangi 2015"
            assert date_format(self.day, "j M Y") == "11 Rangi 2015"
            assert date_format(self.day.replace(month=7), "j M Y") == "11 Hōngoi 2015"
        with translation.override("en"):
            assert date_format(self.day, "j M Y") == "11 Nov 2015"

    def test_time_spans_are_in_te_reo_maori(self) -> None:
        later = self.day + dt.timedelta(days=2, hours=3)
        with translation.override("mi"):
            # Django keeps a figure and its unit together with a no-break space.
            assert timesince(self.day, later) == "2\xa0rā, 3\xa0haora"
            assert timesince(self.day, self.day + dt.timedelta(minutes=1)) == "1\xa0meneti"
        with translation.override("en"):
            assert timesince(self.day, later) == "2\xa0days, 3\xa0hours"


class LanguageTests(TautokoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.petition = self.make_petition()

    def test_a_browser_asking_for_te_reo_maori_gets_it(self) -> None:
        response = self.client.get(reverse("petitions:home"), headers={"accept-language": "mi"})

        assert response.status_code == 200
        assert "Ngā petihana tuwhera" in response.content.decode()
        assert response["Content-Language"] == "mi"

    def test_the_language_switch_turns_the_petition_page_to_te_reo_maori(self) -> None:
        url = reverse("petitions:detail", args=[self.petition.slug])
        english = self.client.get(url).content.decode()

        switched = self.client.post(reverse("set_language"), {"language": "mi", "next": url})
        maori = self.client.get(url).content.decode()

        assert switched.status_code == 302
        assert "Sign this petition" in english and "Hainatia tēnei petihana" not in english
        assert "Hainatia tēnei petihana" in maori
        assert 'lang="mi"' in maori

    def test_each_language_is_named_in_itself_and_marked_so(self) -> None:
        page = self.client.get(reverse("petitions:home")).content.decode()
        assert '<option value="mi" lang="mi">' in page
        assert '<option value="en" lang="en" selected>' in page

    def test_the_copy_buttons_confirmation_is_in_the_pages_language(self) -> None:
        url = reverse("petitions:detail", args=[self.petition.slug])
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "mi"
        page = self.client.get(url).content.decode()
        assert 'data-copy="#copy-url" data-copied="Kua tāruatia"' in page

    def test_switching_language_keeps_the_share_links_source(self) -> None:
        url = reverse("petitions:detail", args=[self.petition.slug])
        # A visitor from a share link, then one without: the page is cached between them.
        for query, source in (("?source=whatsapp", "whatsapp"), ("", "")):
            page = self.client.get(url + query).content.decode()
            next_field = re.search(r'name="next" value="([^"]*)"', page)
            assert next_field is not None and next_field.group(1) == url + query
            switched = self.client.post(
                reverse("set_language"), {"language": "mi", "next": next_field.group(1)}
            )
            assert switched["Location"] == url + query
            maori = self.client.get(switched["Location"]).content.decode()
            assert f'name="source" value="{source}"' in maori
            self.client.post(reverse("set_language"), {"language": "en", "next": url})

    def test_switching_language_on_the_sign_forms_errors_goes_back_to_the_petition(self) -> None:
        url = reverse("petitions:detail", args=[self.petition.slug])
        response = self.client.post(
            reverse("petitions:sign", args=[self.petition.slug]),
            {**SIGN_FORM_VALID, "email": "not an address", "source": "facebook"},
        )
        assert response.status_code == 400
        next_field = re.search(r'name="next" value="([^"]*)"', response.content.decode())
        assert next_field is not None and next_field.group(1) == url + "?source=facebook"

    def test_switching_language_on_a_search_keeps_the_query(self) -> None:
        page = self.client.get(reverse("search:search") + "?q=school").content.decode()
        assert 'name="next" value="/search?q=school"' in page

    def test_the_timeline_dates_the_petition_in_the_pages_language(self) -> None:
        self.petition.events.create(
            kind=TimelineEvent.Kind.GOAL_REACHED,
            at=dt.datetime(2015, 11, 11, 16, 8, tzinfo=dt.UTC),
            data={"goal": 1000},
        )
        url = reverse("petitions:detail", args=[self.petition.slug])

        english = self.client.get(url).content.decode()
        maori = self.client.get(url, headers={"accept-language": "mi"}).content.decode()

        assert re.search(r"<time [^>]*>12 Nov 2015, 05:08</time>", english)
        assert re.search(r"<time [^>]*>12 Rangi 2015, 05:08</time>", maori)
        assert "Nov 2015" not in maori

    def test_english_is_the_default(self) -> None:
        response = self.client.get(reverse("petitions:home"))

        assert "Open petitions" in response.content.decode()
        assert response["Content-Language"] == "en"

    def test_a_signer_who_signs_in_te_reo_maori_is_emailed_in_te_reo_maori(self) -> None:
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "mi"
        signed = self.client.post(
            reverse("petitions:sign", args=[self.petition.slug]), self.sign_form(self.petition)
        )
        self.work_run()

        email = self.email_latest(to=SIGN_FORM_VALID["email"])
        assert signed.status_code == 302
        assert email.subject == f"Whakaūngia tō waitohu: {self.petition.title}"
        assert "Ngā mihi mō tō haina i “" in email.body_text
        assert "Whakaūngia taku waitohu" in email.body_html
        assert "Thank you for signing" not in email.body_text + email.body_html


class MaoriPageTestCase(ModerationTestCase):
    """Pages asked for in te reo Māori, as the language switch leaves them (its cookie)."""

    def setUp(self) -> None:
        super().setUp()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "mi"

    def page(self, url: str) -> str:
        response = self.client.get(url)
        assert response.status_code == 200
        assert response["Content-Language"] == "mi"
        return response.content.decode()

    def assert_in_te_reo_maori(self, html: str, *, maori: list[str], english: list[str]) -> None:
        missing = [text for text in maori if text not in html]
        left = [text for text in english if text in html]
        assert missing == [] and left == [], f"missing {missing}, still English {left}"


class MaoriPagesTests(MaoriPageTestCase):
    def test_the_organisers_new_petition_form(self) -> None:
        self.client.force_login(self.organiser)

        html = self.page(reverse("organise:new"))

        self.assert_in_te_reo_maori(
            html,
            maori=[
                "Tīmatahia he petihana",
                "Taitara",
                "Mā wai e whakatutuki",
                "Te whāinga waitohu",
                "Rā kati",
                "Wāhitau poto",
                "Kāore i te rārangi? Marohitia te kaiwhakatau",
                "Tiakina te hukihuki, ka arokite",
            ],
            english=[
                "Start a petition",
                "Who can make it happen",
                "Signature goal",
                "Closing date",
                "Save draft and preview",
            ],
        )

    def test_the_moderation_queue_and_review_page(self) -> None:
        petition = self.make_petition(state=Petition.State.PENDING)
        staff_login(self.client, self.moderator)

        queue = self.page(reverse("moderation:queue"))
        review = self.page(reverse("moderation:review", args=[petition.slug]))

        self.assert_in_te_reo_maori(
            queue,
            maori=["Rārangi arotake", "Ngā mea katoa e tatari ana (1)", "I tukuna", "Tūnga"],
            english=["Moderation queue", "Everything waiting", "Submitted"],
        )
        self.assert_in_te_reo_maori(
            review,
            maori=[
                "E tatari ana kia arotakehia",  # the petition's state
                "Tangohia hei arotake",
                "Whakaaetia",
                "Whakakāhoretia",
                "Tonoa he whakaaro tuarua",
            ],
            english=["Awaiting moderation", "Check out to review", "Ask for a second opinion"],
        )

    def test_the_search_page(self) -> None:
        self.make_petition(title="Free school lunches")

        html = self.page(reverse("search:search") + "?q=lunches")

        self.assert_in_te_reo_maori(
            html,
            maori=["Kimihia he petihana", "1 petihana kua kitea", "Kōmakahia mā", "Ahakoa tēhea"],
            english=["Find a petition", "petition found", "Sort by"],
        )

    def test_a_decision_makers_page(self) -> None:
        maker = self.make_decision_maker(name="Prime Minister")
        petition = self.make_petition(decision_maker=maker, title="Warm homes")
        ThresholdCrossing.objects.create(
            petition=petition,
            threshold="response",
            signatures=10_000,
            crossed_at=timezone.now() - dt.timedelta(days=12, hours=1),
        )

        html = self.page(reverse("responses:decision-maker", args=[maker.slug]))

        self.assert_in_te_reo_maori(
            html,
            maori=[
                "Ngā petihana kua tukuna ki a ia",
                "Ngā paepae kua taea",
                "E tatari ana ki tētahi whakautu",
                "12 rā e tatari ana",
                "kua hipa i te 10,000",
            ],
            english=["Petitions addressed to them", "Thresholds reached", "waiting 12 days"],
        )


class MaoriSponsorPageTests(SponsorsTestCase):
    def test_the_sponsor_page(self) -> None:
        petition = self.make_sponsoring_petition(title="Save the kākā")
        self.make_sponsor(petition)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "mi"

        response = self.client.get(self.sponsor_url(petition))

        html = response.content.decode()
        assert response.status_code == 200
        assert response["Content-Language"] == "mi"
        assert "Hei tētahi o ōna kaitautoko tuatahi" in html
        assert f"Me whai kaitautoko e {REQUIRED} i mua i te arowhaitanga" in html
        assert "Tae noa mai ki nāianei, 1 kua whakaū." in html
        assert "Tautokohia tēnei petihana" in html
        assert "Be one of its first supporters" not in html and "sponsors before" not in html
