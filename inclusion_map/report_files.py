"""The report files written beside the store: kept for a bounded number of runs, and safe to open
in a spreadsheet.

CSV files written for people are neutralised against formula injection (OWASP): a cell that
starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with ``'``, so a
spreadsheet shows it as text instead of running it — unless the cell is a plain number (a phone
``+33145…``, a negative longitude ``-1.55``), which no spreadsheet runs as a formula and which must
stay valid against the national standard's schema.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d[\d\s.,]*")
_RUN = re.compile(r"^(?P<prefix>[a-z]+-)(?P<stamp>\d{4}-\d{2}-\d{2}T\d{6}Z)(?P<id>-[0-9a-f]{12})?")


def safe_cell(value):
    """``value``, with ``'`` in front when a spreadsheet would read it as a formula."""
    if isinstance(value, str) and value.startswith(_TRIGGERS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_row(values: list) -> list:
    return [safe_cell(v) for v in values]


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with its text cells neutralised (other columns untouched)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(safe_cell)
    return out


def prune_runs(folder: Path, prefix: str, keep: int) -> list[Path]:
    """Remove the files of all but the ``keep`` newest runs named ``<prefix><time>[-<id>]…``.

    Returns the files removed.
    """
    runs: dict[str, list[Path]] = {}
    for path in Path(folder).glob(f"{prefix}*"):
        match = _RUN.match(path.name)
        if match and path.is_file():
            runs.setdefault(match["stamp"] + (match["id"] or ""), []).append(path)
    removed = []
    for key in sorted(runs, reverse=True)[keep:]:
        for path in runs[key]:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed
