"""CSV in the national standard "lieux de médiation numérique" v1.0.2: its 32 columns in the
standard's order, multi-valued fields joined with ``|``, UTF-8, comma-separated. The result
validates with ``frictionless validate --schema <standard schema.json>``. Text cells that a
spreadsheet would run as a formula are neutralised (:mod:`inclusion_map.report_files`)."""

from __future__ import annotations

import csv
import io

import pandas as pd

from ..report_files import safe_cell
from ..schema import FIELDS


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float):
        return repr(round(value, 7))
    return safe_cell(str(value))


class StandardCsvExporter:
    extension = "csv"
    media_type = "text/csv; charset=utf-8"

    def write(self, frame: pd.DataFrame, fileobj, meta: dict | None = None) -> None:
        """Write the standard's columns of ``frame`` to a binary file object."""
        text = io.TextIOWrapper(fileobj, encoding="utf-8", newline="", write_through=True)
        writer = csv.writer(text, quoting=csv.QUOTE_MINIMAL)
        writer.writerow(FIELDS)
        columns = [frame[f].tolist() if f in frame.columns else [None] * len(frame) for f in FIELDS]
        for row in zip(*columns, strict=True):
            writer.writerow([_cell(v) for v in row])
        text.flush()
        text.detach()
