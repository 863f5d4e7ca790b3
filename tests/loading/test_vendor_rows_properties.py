"""Properties of the vendor row rules (loading/vendor_rows.py): extra header rows are skipped only
while they hold no date, and never more than the preset says; status maps leave others alone."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from segkit.loading.model import InputStats
from segkit.loading.presets.base import Preset, PresetOptions
from segkit.loading.vendor_rows import map_statuses, skip_header_rows

WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", min_size=0, max_size=12)
DATES = st.dates(min_value=pd.Timestamp("2001-01-01").date(), max_value=pd.Timestamp("2030-12-31").date())


def _survey_preset(header_rows: int) -> Preset:
    return Preset(name="p", table="surveys", columns={"responded_at": ("When",), "user_id": ("Who",)},
                  options=PresetOptions(header_rows=header_rows))


@settings(max_examples=60, deadline=None)
@given(labels=st.lists(WORDS, max_size=4), dates=st.lists(DATES, min_size=1, max_size=5), wanted=st.integers(0, 3))
def test_only_leading_rows_without_a_date_are_skipped(labels: list[str], dates: list, wanted: int) -> None:
    cells = [*labels, *(d.isoformat() for d in dates)]
    raw = pd.DataFrame({"When": pd.Series(cells, dtype="string"), "Who": "x"})
    lines = pd.Series(range(2, len(cells) + 2), dtype="Int64")
    stats = InputStats(table="surveys", preset="p")
    kept, kept_lines = skip_header_rows(raw, lines, _survey_preset(wanted), {"responded_at": "When"}, stats, "f.csv")
    skipped = min(len(labels), wanted)
    assert stats.header_rows == skipped
    assert len(kept) + skipped == len(raw) and kept_lines.tolist() == lines.tolist()[skipped:]
    assert kept["When"].tolist()[len(labels) - skipped:] == [d.isoformat() for d in dates]  # no dated row lost


@settings(max_examples=60, deadline=None)
@given(words=st.lists(st.sampled_from(["Active", "In Trial", "non-renewing", "Cancelled", "past_due", "paused", ""]),
                      min_size=1, max_size=8))
def test_status_map_translates_its_words_and_keeps_the_rest(words: list[str]) -> None:
    preset = Preset(name="p", table="subscriptions", columns={"status": ("Status",)},
                    options=PresetOptions(status_map=(("in_trial", "trialing"), ("non_renewing", "active"),
                                                      ("cancelled", "canceled"))))
    out = pd.DataFrame({"status": pd.Series(words, dtype="string")})
    map_statuses(out, preset, InputStats(table="subscriptions", preset="p"), "f.csv")
    expected = {"Active": "active", "In Trial": "trialing", "non-renewing": "active", "Cancelled": "canceled",
                "past_due": "past_due", "paused": "paused", "": ""}
    assert out["status"].tolist() == [expected[w] for w in words]
