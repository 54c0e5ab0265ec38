from __future__ import annotations

from django.test import RequestFactory, SimpleTestCase

from tautoko.lib.client_ip import IP_HASH_LENGTH, client_ip, ip_hash
from tests.base import tautoko_settings


class ClientIpTests(SimpleTestCase):
    def request(self, remote: str, forwarded: str | None = None) -> object:
        headers = {"REMOTE_ADDR": remote}
        if forwarded is not None:
            headers["HTTP_X_FORWARDED_FOR"] = forwarded
        return RequestFactory().get("/", **headers)

    def test_without_trusted_proxies_it_is_the_socket_address_whatever_the_header_says(
        self,
    ) -> None:
        for spoofed in ("1.2.3.4", "1.2.3.4, 5.6.7.8", "garbage"):
            assert client_ip(self.request("203.0.113.9", spoofed)) == "203.0.113.9"

    def test_behind_one_proxy_it_is_the_last_entry_and_spoofed_entries_change_nothing(
        self,
    ) -> None:
        with tautoko_settings(TRUSTED_PROXIES=1):
            # 20 requests from one client, each with a different forged first entry.
            seen = {
                client_ip(self.request("10.0.0.1", f"198.51.100.{n}, 203.0.113.9"))
                for n in range(20)
            }
        assert seen == {"203.0.113.9"}

    def test_behind_two_proxies_it_is_the_second_entry_from_the_right(self) -> None:
        with tautoko_settings(TRUSTED_PROXIES=2):
            request = self.request("10.0.0.2", "6.6.6.6, 203.0.113.9, 10.0.0.1")
            assert client_ip(request) == "203.0.113.9"

    def test_a_missing_or_malformed_header_falls_back_to_the_socket_address(self) -> None:
        with tautoko_settings(TRUSTED_PROXIES=1):
            assert client_ip(self.request("10.0.0.1")) == "10.0.0.1"
            assert client_ip(self.request("10.0.0.1", "not-an-ip")) == "10.0.0.1"

    def test_ipv4_mapped_addresses_are_their_ipv4_addresses(self) -> None:
        # An IPv6 socket (or proxy) writes IPv4 clients as ::ffff:a.b.c.d; as IPv6 they all
        # fall in ::/64, so every IPv4 signer would share one hash and one rate limit.
        assert client_ip(self.request("::ffff:203.0.113.9")) == "203.0.113.9"
        with tautoko_settings(TRUSTED_PROXIES=1):
            assert client_ip(self.request("10.0.0.1", "::ffff:198.51.100.7")) == "198.51.100.7"
        assert ip_hash("::ffff:203.0.113.9") == ip_hash("203.0.113.9")
        assert ip_hash("::ffff:203.0.113.9") != ip_hash("::ffff:198.51.100.7")
        assert client_ip(self.request("2001:db8::1")) == "2001:db8::1"


class IpHashTests(SimpleTestCase):
    def test_it_is_a_truncated_keyed_hash_that_does_not_contain_the_address(self) -> None:
        hashed = ip_hash("203.0.113.9")
        assert len(hashed) == IP_HASH_LENGTH == 16
        assert "203" not in hashed and hashed == ip_hash("203.0.113.9")
        assert hashed != ip_hash("203.0.113.10")

    def test_it_depends_on_the_secret_key(self) -> None:
        before = ip_hash("203.0.113.9")
        with self.settings(SECRET_KEY="another-secret-key-" + "k" * 40):
            assert ip_hash("203.0.113.9") != before

    def test_ipv6_addresses_of_one_slash_64_share_a_hash(self) -> None:
        assert ip_hash("2001:db8:1:2::1") == ip_hash("2001:db8:1:2:ffff::9")
        assert ip_hash("2001:db8:1:2::1") != ip_hash("2001:db8:1:3::1")
