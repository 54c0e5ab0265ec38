"""Petition slugs: the short public address, e.g. /saysorryjohn."""

from __future__ import annotations

from django.utils.text import slugify

from tautoko.petitions.models import DecisionMaker, Petition

SLUG_MAX_LENGTH = 60

# First path segments that are, or may one day be, the site's own pages. Every first
# segment the URL configuration routes must be here, or a petition could take the address
# of a site page (or be hidden by one): tests/test_view_organise.py walks the URLs to check.
RESERVED_SLUGS = frozenset(
    {
        "about",
        "accounts",
        "admin",
        "api",
        "contact",
        "decision-makers",
        "dev",
        "fraud",
        "healthz",
        "help",
        "i18n",
        "login",
        "logout",
        "manage",
        "media",
        "moderate",
        "my-signatures",
        "new",
        "organise",
        "organize",
        "petition",
        "petitions",
        "privacy",
        "search",
        "signup",
        "sponsor",
        "staff",
        "static",
        "terms",
        "tautoko",
        "updates",
        "widget",
    }
)


def slug_is_reserved(slug: str) -> bool:
    return slug in RESERVED_SLUGS


def slug_suggest(title: str, *, exclude_id: int | None = None) -> str:
    """A free slug made from the title: the title's words, then -2, -3… if taken."""
    base = slugify(title)[:SLUG_MAX_LENGTH].strip("-") or "our-petition"
    if slug_is_reserved(base):
        base = f"{base}-petition"
    taken = Petition.objects.filter(slug__startswith=_stem(base))
    if exclude_id is not None:
        taken = taken.exclude(id=exclude_id)
    return _free(base, set(taken.values_list("slug", flat=True)))


def decision_maker_slug_suggest(name: str, *, exclude_id: int | None = None) -> str:
    """A free slug for a proposed decision maker (its page's address once it is listed)."""
    base = slugify(name)[:SLUG_MAX_LENGTH].strip("-") or "decision-maker"
    taken = DecisionMaker.objects.filter(slug__startswith=_stem(base))
    if exclude_id is not None:
        taken = taken.exclude(id=exclude_id)
    return _free(base, set(taken.values_list("slug", flat=True)))


# The longest number _free() adds: room for it is cut from a long base.
_SUFFIX_ROOM = len("-99999")


def _stem(base: str) -> str:
    """What every candidate for ``base`` begins with: a base at the length limit loses its
    end to the number (``…-wellington``, ``…-wellingto-2``), so look for the shorter start."""
    return base[: SLUG_MAX_LENGTH - _SUFFIX_ROOM]


def _free(base: str, used: set[str]) -> str:
    candidate, n = base, 1
    while candidate in used:
        n += 1
        suffix = f"-{n}"
        candidate = base[: SLUG_MAX_LENGTH - len(suffix)].rstrip("-") + suffix
    return candidate
