"""The reasons a fresh site starts with; staff edit them in the admin afterwards."""

from __future__ import annotations

REJECTION_REASONS: tuple[tuple[str, str, str], ...] = (
    (
        "duplicate",
        "Duplicate",
        "There is already a petition about this. Please sign that one instead.",
    ),
    (
        "not-decision-maker",
        "Not something the decision maker can do",
        "The decision maker this petition is addressed to has no power to do what it asks.",
    ),
    ("offensive", "Offensive", "It contains language or content that is offensive."),
    ("defamatory", "Defamatory", "It makes claims that could be defamatory."),
    (
        "personal-information",
        "Personal information",
        "It includes personal information about someone.",
    ),
    ("advert", "Advert", "It advertises a product, service or business."),
)
