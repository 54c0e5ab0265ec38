from __future__ import annotations

from django.urls import reverse

from tests.base import TautokoTestCase


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

    def test_english_is_the_default(self) -> None:
        response = self.client.get(reverse("petitions:home"))

        assert "Open petitions" in response.content.decode()
        assert response["Content-Language"] == "en"
