"""UN M49 regions and sub-regions by ISO 3166-1 alpha-2 code (UN Statistics Division standard).

Taiwan (TW) and Kosovo (XK), absent from M49's list, are placed where M49's neighbours are.

Why a table and not ``country_converter`` (issue 9 asked): coco 1.3.2, the current release,
fails to build its ``CountryConverter`` under pandas 3.1 (the pandas segkit runs on: a
``TypeError`` compiling its ISO2 regexes, a missing value among them), so it cannot be a
dependency today; and this table is 50 lines with no import cost. Revisit when coco supports
pandas 3.
"""

from __future__ import annotations

_M49: dict[str, dict[str, str]] = {
    "Africa": {
        "Northern Africa": "DZ EG LY MA SD TN EH",
        "Sub-Saharan Africa": (
            "IO BI KM DJ ER ET TF KE MG MW MU YT MZ RE RW SC SO SS UG TZ ZM ZW "
            "AO CM CF TD CG CD GQ GA ST BW SZ LS NA ZA "
            "BJ BF CV CI GM GH GN GW LR ML MR NE NG SH SN SL TG"
        ),
    },
    "Americas": {
        "Latin America and the Caribbean": (
            "AI AG AW BS BB BQ VG KY CU CW DM DO GD GP HT JM MQ MS PR BL KN LC MF VC SX TT TC VI "
            "BZ CR SV GT HN MX NI PA AR BO BV BR CL CO EC FK GF GY PY PE GS SR UY VE"
        ),
        "Northern America": "BM CA GL PM US",
    },
    "Asia": {
        "Central Asia": "KZ KG TJ TM UZ",
        "Eastern Asia": "CN HK MO KP JP MN KR TW",
        "South-eastern Asia": "BN KH ID LA MY MM PH SG TH TL VN",
        "Southern Asia": "AF BD BT IN IR MV NP PK LK",
        "Western Asia": "AM AZ BH CY GE IQ IL JO KW LB OM QA SA PS SY TR AE YE",
    },
    "Europe": {
        "Eastern Europe": "BY BG CZ HU PL MD RO RU SK UA",
        "Northern Europe": "AX DK EE FO FI GG IS IE IM JE LV LT NO SJ SE GB",
        "Southern Europe": "AL AD BA HR GI GR VA IT MT ME MK PT SM RS SI ES XK",
        "Western Europe": "AT BE FR DE LI LU MC NL CH",
    },
    "Oceania": {
        "Australia and New Zealand": "AU CX CC HM NZ NF",
        "Melanesia": "FJ NC PG SB VU",
        "Micronesia": "GU KI MH FM NR MP PW UM",
        "Polynesia": "AS CK PF NU PN WS TK TO TV WF",
    },
    "Antarctica": {"Antarctica": "AQ"},
}

REGION: dict[str, str] = {}
SUBREGION: dict[str, str] = {}
for _region, _subs in _M49.items():
    for _sub, _codes in _subs.items():
        for _code in _codes.split():
            REGION[_code] = _region
            SUBREGION[_code] = _sub
