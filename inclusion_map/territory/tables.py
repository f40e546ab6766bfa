"""Statistical tables (CSV) for the territory layers, read with row-level problem reports.

A table that cannot be used at all (unreachable, HTML, a required column missing) raises
:class:`~inclusion_map.errors.SourceUnavailable`; a bad row or a bad value is recorded in a
:class:`Problems` list with its line number and reason, and the build goes on with the rest.
"""

from __future__ import annotations

import difflib
import io
import re

import numpy as np
import pandas as pd

from .._http import Payload, decode_text
from ..errors import SourceUnavailable

PROBLEM_COLUMNS = ["source", "line", "code", "field", "reason", "value", "action"]


class Problems:
    """Row-level problems met while building the layers (one row each, never fatal)."""

    def __init__(self) -> None:
        self._frames: list[pd.DataFrame] = []
        # Single problems are kept as plain rows and framed once: a national build records tens of
        # thousands, and one DataFrame each took most of its time.
        self._rows: list[dict] = []

    def add(self, source: str, reason: str, *, line=None, code=None, field=None, value=None,
            action: str = "rejected") -> None:  # fmt: skip
        """Record one problem. ``line`` is the line in the file (the header is line 1)."""
        self._rows.append(dict(source=source, line=line, code=code, field=field, reason=reason, value=value,
                               action=action))  # fmt: skip

    def add_rows(self, source: str, rows: pd.DataFrame, reason: str, *, field=None, value_column=None,
                 code_column=None, action: str = "rejected") -> None:  # fmt: skip
        """Record the same problem for many rows of a table read by :func:`read_table`."""
        if rows.empty:
            return
        self._flush()
        frame = pd.DataFrame({
            "source": source,
            "line": rows["_line"].to_numpy() if "_line" in rows else None,
            "code": rows[code_column].to_numpy() if code_column else rows.index.to_numpy(),
            "field": field,
            "reason": reason,
            "value": rows[value_column].astype(str).to_numpy() if value_column else None,
            "action": action,
        }, columns=PROBLEM_COLUMNS)  # fmt: skip
        self._frames.append(frame)

    def _flush(self) -> None:
        """Frame the single rows recorded so far (keeps the problems in the order they were met)."""
        if self._rows:
            self._frames.append(pd.DataFrame(self._rows, columns=PROBLEM_COLUMNS))
            self._rows = []

    def frame(self) -> pd.DataFrame:
        self._flush()
        frames = [f for f in self._frames if not f.empty]
        if not frames:
            return pd.DataFrame(columns=PROBLEM_COLUMNS)
        return pd.concat(frames, ignore_index=True).astype({"line": "Int64"})

    def __len__(self) -> int:
        return sum(len(f) for f in self._frames) + len(self._rows)


def squash(name: str) -> str:
    """A column name with runs of spaces collapsed (sources are not consistent about them)."""
    return " ".join(str(name).replace("\ufeff", "").split())


def read_table(payload: Payload, label: str, required: list[str], header: str | None = None) -> pd.DataFrame:
    """Read a CSV table as strings, with a ``_line`` column (line number in the file).

    Parameters
    ----------
    payload : Payload
        The file (UTF-8 with or without BOM, or Windows-1252; separator ``;``, ``,`` or tab).
    label : str
        The table's name in messages.
    required : list of str
        Columns that must be present (compared with spaces collapsed).
    header : str, optional
        A header line to put on top when the file has none (the first line lacks ``required[0]``).

    Raises
    ------
    SourceUnavailable
        Empty file, an HTML page, or a required column missing; the message names the closest
        column found, so a renamed column is easy to spot.
    """
    text = decode_text(payload)
    if text.lstrip()[:1] == "<":
        raise SourceUnavailable(f"{label}: {payload.origin} sent an HTML page instead of a CSV table")
    first = text.split("\n", 1)[0]
    offset = 2  # line number of the first data row
    if header and required and required[0] not in {squash(c) for c in re.split(r"[;,\t]", first)}:
        text = header.rstrip("\r\n") + "\n" + text
        offset = 1  # the file's own first line holds data
    first = text.split("\n", 1)[0]
    sep = max((";", ",", "\t"), key=first.count)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                            skipinitialspace=True, on_bad_lines="skip")  # fmt: skip
    except (pd.errors.ParserError, ValueError) as exc:
        raise SourceUnavailable(f"{label}: {payload.origin} is not a readable CSV table ({exc})") from None
    frame.columns = [squash(c) for c in frame.columns]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        hints = []
        loose = {_loose(c): c for c in frame.columns}
        for c in missing:
            close = difflib.get_close_matches(_loose(c), list(loose), n=1, cutoff=0.6)
            hints.append(f"'{c}'" + (f" (closest column: '{loose[close[0]]}')" if close else ""))
        raise SourceUnavailable(
            f"{label}: missing column(s) {', '.join(hints)} in {payload.origin}",
            hint="the publisher may have renamed it; set the column name in config.yaml",
        )
    frame["_line"] = np.arange(len(frame)) + offset
    return frame


def pad_codes(codes: pd.Series, width: int) -> pd.Series:
    """Strip codes and restore the leading zero spreadsheets drop (``"1004"`` → ``"01004"``)."""
    codes = codes.astype(str).str.strip()
    lost_zero = codes.str.fullmatch(r"\d+") & (codes.str.len() == width - 1)
    return codes.where(~lost_zero, codes.str.zfill(width))


def _loose(name: str) -> str:
    """A column name for fuzzy comparison: lower case, no accents, ``_``/``-`` as spaces."""
    import unicodedata

    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode().lower()
    return " ".join(text.replace("_", " ").replace("-", " ").split())


def to_number(values: pd.Series) -> pd.Series:
    """Strings to floats; ``"12,5"`` (French decimal comma) is read as 12.5; others give NaN."""
    cleaned = values.astype(str).str.strip().str.replace("\u00a0", "", regex=False)
    cleaned = cleaned.str.replace(" ", "", regex=False).str.replace(",", ".", regex=False)
    return pd.to_numeric(cleaned, errors="coerce")


def numeric_column(frame: pd.DataFrame, column: str, label: str, problems: Problems,
                   code_column: str, action: str = "value ignored") -> pd.Series:  # fmt: skip
    """Parse ``column`` as numbers, reporting each non-empty value that is not a number."""
    values = to_number(frame[column])
    bad = values.isna() & frame[column].astype(str).str.strip().ne("")
    problems.add_rows(label, frame[bad], "not a number", field=column, value_column=column,
                      code_column=code_column, action=action)  # fmt: skip
    return values
