"""The golden runs: CLI argument lists whose JSON output is recorded in ``tests/golden/*.json``.

Recorded before the layout change of issue 9 ("One home for each thing") with
``python -m tests.golden.cases --record``; the golden test compares every later run with them
byte for byte. A change that is meant to move a figure updates the file in its own commit and
says why.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent
SHARED = (REPO.parent / "shared" / "datasets").resolve()  # the same path from main or a worktree (../shared is a symlink there)

ALL_SEGMENTERS = (
    "firmographic,geographic,value,attribute,behavioral,nps,lifecycle,cohort,rfm,churn_risk,cluster,"
    "firmographic*value"
)
CDNOW_FLAGS = ("--calibration-end", "1997-09-30", "--no-header", "--customer-col", "2", "--date-col", "3",
               "--amount-col", "5", "--date-format", "%Y%m%d", "--delimiter", "whitespace")

#: name -> (arguments after ``segkit``, needs ../shared)
CASES: dict[str, tuple[tuple[str, ...], bool]] = {
    "samples-demo": (("segment", "--config", "configs/samples.toml", "--by", "firmographic,geographic,value",
                      "--format", "json"), False),
    "samples-all": (("segment", "--config", "configs/samples.toml", "--by", ALL_SEGMENTERS,
                     "--set", "segmenters.attribute.column=industry", "--format", "json"), False),
    "samples-sbg": (("segment", "--config", "configs/samples.toml", "--by", "value", "--clv-method", "sbg",
                     "--cohorts-by-segment", "--format", "json"), False),
    "samples-bgnbd": (("segment", "--config", "configs/samples.toml", "--by", "firmographic", "--clv-method", "bgnbd",
                       "--set", "metrics.clv_transactions=events", "--format", "json"), False),
    "telco": (("segment", "--config", "configs/telco.toml", "--by", "attribute", "--format", "json"), True),
    "telco-churn-risk": (("segment", "--config", "configs/telco.toml", "--by", "churn_risk", "--format", "json"), True),
    "cdnow-clv": (("clv", str(SHARED / "cdnow" / "CDNOW_sample.txt"), "--model", "bgnbd", *CDNOW_FLAGS,
                   "--format", "json"), True),
}


def run_case(name: str) -> tuple[int, str, str]:
    """Run one case in-process from the repository root; returns exit code, stdout, stderr."""
    from segkit.cli import main

    args, _ = CASES[name]
    out, err = io.StringIO(), io.StringIO()
    cwd = Path.cwd()
    try:
        import os

        os.chdir(REPO)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
    finally:
        os.chdir(cwd)
    return int(code), out.getvalue(), err.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--record", action="store_true", help="rewrite the golden files")
    parser.add_argument("names", nargs="*", default=sorted(CASES))
    args = parser.parse_args(argv)
    for name in args.names:
        code, out, err = run_case(name)
        if code != 0:
            print(f"{name}: exit {code}: {err.strip()}", file=sys.stderr)
            return 1
        target = GOLDEN / f"{name}.json"
        if args.record:
            target.write_text(out)
            print(f"recorded {target.relative_to(REPO)} ({len(out)} bytes)")
        else:
            same = target.exists() and target.read_text() == out
            print(f"{name}: {'same' if same else 'DIFFERENT'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
