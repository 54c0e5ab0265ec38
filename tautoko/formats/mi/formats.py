"""Te reo Māori as written in Aotearoa New Zealand: numbers grouped as in New Zealand
English (2,500 signatures), so counts read the same in both languages. Dates keep the
site's formats."""

from __future__ import annotations

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
