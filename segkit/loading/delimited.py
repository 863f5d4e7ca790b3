"""Stand-alone delimited files (``segkit clv`` and ``segkit retention`` inputs): one file of text
cells read without a preset, columns picked by name or 1-based number, every row accounted.

Reading rules (docs/cli.md):

* ``delimiter``: ``,`` ``;`` ``|`` ``tab`` or ``whitespace`` (runs of spaces/tabs, as in the raw
  CDNOW files); by default it is sniffed from the first line (whitespace when none of the others
  occurs).
* ``header=False`` for files without a header line; columns are then named ``1``, ``2``, ...
  (1-based), so ``customer_col="2"`` picks the second field. With a header a column may still be
  given by its 1-based number when no column has that name.
* Cells are read as text (ids keep their leading zeros) and parsed in one vectorised pass.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from segkit.errors import InputDataError, UsageError
from segkit.loading.readers import DELIMITERS, sniff_delimiter

DELIMITER_NAMES = {",": ",", "comma": ",", ";": ";", "semicolon": ";", "|": "|", "pipe": "|",
                   "tab": "\t", "\\t": "\t", "\t": "\t", "whitespace": "whitespace", "space": "whitespace"}


def _delimiter(path: Path, requested: str | None) -> str:
    if requested is not None:
        key = requested if requested in DELIMITER_NAMES else requested.lower()
        if key not in DELIMITER_NAMES:
            raise UsageError(
                f"--delimiter takes one of , ; | tab whitespace; got {requested!r}"
            )
        return DELIMITER_NAMES[key]
    first = _first_line(path)
    if not any(d in first for d in DELIMITERS) and len(first.split()) > 1:
        return "whitespace"
    return sniff_delimiter(first)


def _first_line(path: Path) -> str:
    import gzip

    try:
        opener = gzip.open if path.name.lower().endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:  # type: ignore[operator]
            for line in handle:
                if line.strip():
                    return line
    except FileNotFoundError:
        raise InputDataError("file not found", file=str(path)) from None
    except IsADirectoryError:
        raise InputDataError("is a directory, not a file", file=str(path)) from None
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        raise InputDataError(f"cannot read the file ({exc})", file=str(path)) from None
    raise InputDataError("empty file", file=str(path))


def read_delimited(path: str | Path, *, delimiter: str | None = None, header: bool = True) -> pd.DataFrame:
    """A delimited text file as a frame of text cells; without a header columns are "1", "2", ..."""
    path = Path(path)
    sep = _delimiter(path, delimiter)
    try:
        if sep == "whitespace":
            # pandas' C parser splits on runs of whitespace natively (no Python loop per row).
            frame = pd.read_csv(path, sep=r"\s+", header=0 if header else None, dtype=str, engine="c",
                                keep_default_na=False, skip_blank_lines=True)
        else:
            read = pacsv.ReadOptions(encoding="utf8", autogenerate_column_names=not header, block_size=1 << 22)
            table = pacsv.read_csv(
                path,
                read_options=read,
                parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=True),
                convert_options=pacsv.ConvertOptions(strings_can_be_null=False, quoted_strings_can_be_null=False,
                                                     column_types=None, auto_dict_encode=False),
            )
            table = table.cast(pa.schema([pa.field(f.name, pa.string()) for f in table.schema]))
            frame = table.to_pandas(types_mapper={pa.string(): pd.StringDtype()}.get)
    except FileNotFoundError:
        raise InputDataError("file not found", file=str(path)) from None
    except (OSError, pa.ArrowException, UnicodeDecodeError, ValueError, pd.errors.ParserError) as exc:
        raise InputDataError(f"cannot read as delimited text ({str(exc).splitlines()[0][:200]})", file=str(path)) from None
    if header:
        frame.columns = [str(c).strip() for c in frame.columns]
    else:
        frame.columns = [str(i + 1) for i in range(frame.shape[1])]
    return frame.astype("string")


def resolve_column(frame: pd.DataFrame, name: str, option: str, path: Path) -> str:
    """A column by name, or by its 1-based number when no column has that name."""
    if name in frame.columns:
        return name
    if name.isdigit() and 1 <= int(name) <= frame.shape[1]:
        return frame.columns[int(name) - 1]
    shown = ", ".join(list(frame.columns)[:12])
    numbered = list(frame.columns) == [str(i + 1) for i in range(frame.shape[1])]
    hint = "give a 1-based column number" if numbered else "without a header line pass --no-header and 1-based column numbers"
    raise InputDataError(f"no column {name!r} ({option}); columns are: {shown}; {hint}", file=str(path))


class RowAccount:
    """rows_read = rows_used + rows_rejected, with the reasons and the first bad line of each."""

    def __init__(self, rows: int, first_line: int) -> None:
        self.rows_read = rows
        self.bad = pd.Series(pd.NA, index=range(rows), dtype="string")
        self.first_line = first_line

    def reject(self, mask: pd.Series | np.ndarray, reason: str) -> None:
        if isinstance(mask, pd.Series):
            mask = mask.astype("boolean").fillna(False).to_numpy(dtype=bool)
        mask = pd.Series(np.asarray(mask, dtype=bool), index=self.bad.index)
        self.bad[mask & self.bad.isna()] = reason

    @property
    def used(self) -> pd.Series:
        return self.bad.isna()

    def check(self, path: Path, max_rejected: float) -> None:
        rejected = int((~self.used).sum())
        if self.rows_read == 0:
            raise InputDataError("no data rows", file=str(path))
        if rejected and rejected / self.rows_read > max_rejected:
            first = int(np.flatnonzero(~self.used.to_numpy())[0])
            raise InputDataError(
                f"{rejected:,} of {self.rows_read:,} rows rejected (more than {max_rejected:.0%}); "
                f"first at line {first + self.first_line}: {self.bad.iloc[first]}",
                file=str(path),
            )

    def report(self) -> dict[str, Any]:
        reasons = self.bad.dropna().value_counts()
        return {
            "rows_read": self.rows_read,
            "rows_used": int(self.used.sum()),
            "rows_rejected": int((~self.used).sum()),
            "rejection_reasons": [{"reason": str(r), "rows": int(n)} for r, n in reasons.items()],
        }
