"""Geographic segments: country normalised to ISO 3166-1 alpha-2, UN M49 region and sub-region.

Country cells in exports are free text (``USA``, ``United States``, ``Deutschland``, ``DE``,
``deu``). They are resolved with pycountry (ISO 3166 codes and names) and Babel's CLDR territory
names in several languages, plus a few common aliases; what stays unresolved is ``Unknown`` and
listed in the report so it can be fixed at the source.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import pandas as pd
import pycountry
from babel import Locale

from segkit.segmenters._m49 import REGION, SUBREGION
from segkit.segmenters.base import Param, Segmenter, one_of

NAME_LOCALES = ("en", "de", "fr", "es", "pt", "it", "nl", "sv", "da", "nb", "fi", "pl")
ALIASES = {
    "usa": "US", "u.s.": "US", "u.s.a.": "US", "united states of america": "US", "america": "US",
    "uk": "GB", "u.k.": "GB", "great britain": "GB", "britain": "GB", "england": "GB",
    "scotland": "GB", "wales": "GB", "northern ireland": "GB",
    "south korea": "KR", "korea": "KR", "korea, south": "KR", "republic of korea": "KR",
    "north korea": "KP", "russia": "RU", "holland": "NL", "the netherlands": "NL",
    "czech republic": "CZ", "czechia": "CZ", "uae": "AE", "vietnam": "VN", "iran": "IR",
    "taiwan": "TW", "hong kong": "HK", "macau": "MO", "ivory coast": "CI", "turkey": "TR",
    "kosovo": "XK", "bolivia": "BO", "venezuela": "VE", "tanzania": "TZ", "syria": "SY",
    "laos": "LA", "moldova": "MD", "palestine": "PS", "vatican": "VA", "brunei": "BN",
    "cape verde": "CV", "swaziland": "SZ", "macedonia": "MK", "burma": "MM",
}


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"\s+", " ", text.strip().lower())


@functools.lru_cache(maxsize=1)
def _iso_names() -> dict[str, str]:
    """pycountry's ISO names, then the aliases: these win over the CLDR names."""
    index: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            value = getattr(country, attr, None)
            if value:
                index[_fold(value)] = country.alpha_2
    for alias, code in ALIASES.items():
        index[_fold(alias)] = code
    return index


@functools.lru_cache(maxsize=len(NAME_LOCALES))
def _cldr_names(locale: str) -> dict[str, str]:
    """One locale's CLDR territory names (the first code of a name wins)."""
    index: dict[str, str] = {}
    for code, name in Locale.parse(locale).territories.items():
        if len(code) == 2 and code.isalpha():
            index.setdefault(_fold(name), code)
    return index


def _by_name(folded: str) -> str | None:
    """ISO names and aliases first, then CLDR's in NAME_LOCALES order (the first locale naming it
    wins). A locale's data (~25 ms each) is read only when the names before it do not resolve
    the value: the usual English names never load Babel's data."""
    code = _iso_names().get(folded)
    if code is not None:
        return code
    for locale in NAME_LOCALES:
        code = _cldr_names(locale).get(folded)
        if code is not None:
            return code
    return None


@functools.lru_cache(maxsize=4096)
def to_alpha2(value: str) -> str | None:
    """ISO 3166-1 alpha-2 code for a country name or code, or None when it is not one."""
    folded = _fold(value)
    if not folded:
        return None
    if len(folded) == 2 and folded.isalpha():
        code = folded.upper()
        if code == "UK":
            return "GB"
        return code if (pycountry.countries.get(alpha_2=code) or code == "XK") else None
    if len(folded) == 3 and folded.isalpha():
        country = pycountry.countries.get(alpha_3=folded.upper())
        if country:
            return country.alpha_2
    return _by_name(folded)


class GeographicSegmenter(Segmenter):
    name = "geographic"
    description = "Country normalised to ISO 3166 alpha-2, UN M49 world region or sub-region."
    required_columns = ("country",)
    parameters = {
        "by": Param("region", "region (UN M49: Africa, Americas, Asia, Europe, Oceania), subregion or country.", *one_of("region", "subregion", "country")),
    }

    def _segment(self, features: pd.DataFrame) -> pd.Series:
        raw = features["country"].astype("string").str.strip()
        uniques = raw.dropna().unique()
        codes = {value: to_alpha2(value) for value in uniques}
        self.unresolved_ = sorted(v for v, c in codes.items() if c is None)
        alpha2 = raw.map(codes).astype("string")
        self.country_codes_ = alpha2
        if self.by == "country":
            return alpha2
        table = REGION if self.by == "region" else SUBREGION
        return alpha2.map(table).astype("string")

    def describe(self) -> dict[str, object]:
        unresolved = getattr(self, "unresolved_", [])
        return {"unresolved_countries": unresolved[:20], "unresolved_count": len(unresolved)}
