from __future__ import annotations

from django.conf import settings
from django.test import SimpleTestCase, override_settings

from tautoko.lib.email_address import email_canonical


class EmailCanonicalTests(SimpleTestCase):
    def test_it_lowercases_and_strips_any_address(self) -> None:
        assert email_canonical("  Jane.Doe@Example.ORG \n") == "jane.doe@example.org"

    def test_it_keeps_dots_and_plus_tags_for_providers_that_honour_them(self) -> None:
        assert email_canonical("jane.doe+news@example.org") == "jane.doe+news@example.org"

    def test_it_drops_dots_and_plus_tags_for_gmail(self) -> None:
        assert email_canonical("J.Key+pm@Gmail.com") == "jkey@gmail.com"
        assert email_canonical("j.k.e.y@gmail.com") == "jkey@gmail.com"

    def test_it_treats_googlemail_as_gmail(self) -> None:
        assert email_canonical("J.Key+x@googlemail.com") == "jkey@gmail.com"

    def test_it_drops_plus_tags_but_keeps_dots_for_outlook(self) -> None:
        assert email_canonical("Jane.Doe+petitions@outlook.com") == "jane.doe@outlook.com"

    def test_it_drops_only_from_the_first_plus(self) -> None:
        assert email_canonical("jane+a+b@fastmail.com") == "jane@fastmail.com"

    def test_it_splits_at_the_last_at_sign(self) -> None:
        assert email_canonical('"a@b"+tag@gmail.com') == '"a@b"@gmail.com'

    def test_it_leaves_a_string_without_an_at_sign_lowercased(self) -> None:
        assert email_canonical(" NotAnAddress ") == "notanaddress"

    def test_it_maps_variants_of_one_gmail_mailbox_to_one_key(self) -> None:
        variants = [
            "jane.doe@gmail.com",
            "JaneDoe@gmail.com",
            "jane.doe+petition@googlemail.com",
            " j.a.n.e.d.o.e@GMAIL.COM",
        ]
        assert {email_canonical(v) for v in variants} == {"janedoe@gmail.com"}

    def test_it_keeps_different_people_apart(self) -> None:
        assert email_canonical("jane@example.org") != email_canonical("jane@example.net")
        assert email_canonical("jane.doe@example.org") != email_canonical("janedoe@example.org")

    def test_it_reads_the_provider_lists_from_settings(self) -> None:
        tautoko = {
            **settings.TAUTOKO,
            "EMAIL_DOTLESS_DOMAINS": ["example.org"],
            "EMAIL_PLUS_TAG_DOMAINS": [],
            "EMAIL_DOMAIN_ALIASES": {"example.net": "example.org"},
        }
        with override_settings(TAUTOKO=tautoko):
            assert email_canonical("J.Doe+x@example.net") == "jdoe+x@example.org"
            assert email_canonical("j.doe+x@gmail.com") == "j.doe+x@gmail.com"
