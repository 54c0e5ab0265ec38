"""Words that Django itself translates in dates and time spans, listed so that
``make messages`` keeps them in Tautoko's te reo Māori catalogue.

Django ships no te reo Māori catalogue, so without these a Māori page would show
"11 Nov 2015" and "3 hours". Django looks the same words up in every catalogue it has
loaded, Tautoko's included, so listing them here is all it takes. Nothing imports this
module; ``makemessages`` reads it.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop, ngettext_lazy

# django.utils.dates: MONTHS ("F" in a date format) and MONTHS_3 ("M", title-cased).
MONTHS = (
    gettext_noop("January"),
    gettext_noop("February"),
    gettext_noop("March"),
    gettext_noop("April"),
    gettext_noop("May"),
    gettext_noop("June"),
    gettext_noop("July"),
    gettext_noop("August"),
    gettext_noop("September"),
    gettext_noop("October"),
    gettext_noop("November"),
    gettext_noop("December"),
)
MONTHS_3 = (
    gettext_noop("jan"),
    gettext_noop("feb"),
    gettext_noop("mar"),
    gettext_noop("apr"),
    gettext_noop("may"),
    gettext_noop("jun"),
    gettext_noop("jul"),
    gettext_noop("aug"),
    gettext_noop("sep"),
    gettext_noop("oct"),
    gettext_noop("nov"),
    gettext_noop("dec"),
)

# django.utils.timesince, behind the "timesince" and "timeuntil" filters.
TIME_STRINGS = (
    ngettext_lazy("%(num)d year", "%(num)d years", "num"),
    ngettext_lazy("%(num)d month", "%(num)d months", "num"),
    ngettext_lazy("%(num)d week", "%(num)d weeks", "num"),
    ngettext_lazy("%(num)d day", "%(num)d days", "num"),
    ngettext_lazy("%(num)d hour", "%(num)d hours", "num"),
    ngettext_lazy("%(num)d minute", "%(num)d minutes", "num"),
)
