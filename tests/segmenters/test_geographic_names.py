"""Country names resolve as one eager index of every name would: ISO names and aliases first,
then CLDR's names in NAME_LOCALES order; Babel's locale data is read only when needed."""

from __future__ import annotations

import pycountry
from babel import Locale

from segkit.segmenters import geographic
from segkit.segmenters.geographic import ALIASES, NAME_LOCALES, _fold, to_alpha2


def _eager_index() -> dict[str, str]:
    """The index as it was built before the lookups became lazy (every locale read up front)."""
    index: dict[str, str] = {}
    for locale in NAME_LOCALES:
        for code, name in Locale.parse(locale).territories.items():
            if len(code) == 2 and code.isalpha():
                index.setdefault(_fold(name), code)
    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            value = getattr(country, attr, None)
            if value:
                index[_fold(value)] = country.alpha_2
    for alias, code in ALIASES.items():
        index[_fold(alias)] = code
    return index


def test_every_name_resolves_as_the_eager_index():
    index = _eager_index()
    names = [n for n in index if not (len(n) in (2, 3) and n.isalpha())]  # codes take the code path
    assert {n: geographic._by_name(n) for n in names} == {n: index[n] for n in names}
    assert geographic._by_name("atlantis") is None


def test_english_names_and_codes_read_no_locale_data():
    geographic._cldr_names.cache_clear()
    to_alpha2.cache_clear()
    for value in ("United States", "USA", "Germany", "DE", "deu", "United Kingdom", "South Africa"):
        assert to_alpha2(value) is not None
    assert geographic._cldr_names.cache_info().currsize == 0
    assert to_alpha2("Deutschland") == "DE"
