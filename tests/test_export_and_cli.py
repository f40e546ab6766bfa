"""The command line (harvest, sources, export) and the standard CSV export, validated with
frictionless against the real national Table Schema of ``shared/data/schema``."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from inclusion_map.cli import main


@pytest.fixture
def harvested_config(make_settings, tmp_path):
    settings = make_settings()
    config = tmp_path / "config.yaml"
    result = CliRunner().invoke(main, ["harvest", "--config", str(config)])
    assert result.exit_code == 0, result.output
    return settings, config, result.output


def test_harvest_prints_a_summary(harvested_config):
    _, _, output = harvested_config
    for name in ("standard", "francilin", "france_services", "conseillers_numeriques", "data_inclusion",
                 "aidants_connect"):  # fmt: skip
        assert name in output
    assert "venues in the territory after merging" in output


def test_exported_venues_csv_is_valid_against_the_national_schema(harvested_config, testdata, tmp_path):
    from frictionless import Resource, Schema, system

    settings, config, _ = harvested_config
    out = tmp_path / "venues.csv"
    result = CliRunner().invoke(main, ["export", "venues", "csv", "-o", str(out), "--config", str(config)])
    assert result.exit_code == 0, result.output
    with system.use_context(trusted=True):  # local absolute paths are fine here
        schema = Schema(str(testdata / "schema/standard-mediation-num_schema.json"))
        report = Resource(str(out), schema=schema).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    with out.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) > 30
    assert any("é" in r["nom"] or "é" in r["commune"] for r in rows)  # accents intact


def test_geojson_export(harvested_config, tmp_path):
    import json

    _, config, _ = harvested_config
    out = tmp_path / "venues.geojson"
    assert (
        CliRunner()
        .invoke(main, ["export", "venues", "geojson", "-o", str(out), "--config", str(config)])
        .exit_code
        == 0
    )
    data = json.loads(out.read_text(encoding="utf-8"))
    lon, lat = data["features"][0]["geometry"]["coordinates"]
    assert 1.5 < lon < 3.0 and 48.0 < lat < 49.5  # RFC 7946 order: lon, lat
    assert data["metadata"]["licence"].startswith("Licence Ouverte")


def test_sources_lists_last_harvest(harvested_config):
    _, config, _ = harvested_config
    result = CliRunner().invoke(main, ["sources", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "france_services" in result.output and "ok" in result.output


def test_unknown_source_and_format_are_clear_errors(harvested_config):
    _, config, _ = harvested_config
    result = CliRunner().invoke(main, ["harvest", "--source", "nope", "--config", str(config)])
    assert result.exit_code == 1 and "unknown source" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(main, ["export", "venues", "xlsx", "--config", str(config)])
    assert result.exit_code == 1 and "unknown export format" in result.output


def test_harvest_one_source_keeps_the_others(harvested_config):
    from inclusion_map.stores import open_store

    settings, config, _ = harvested_config
    before = open_store(settings.store_location).read("venues")
    result = CliRunner().invoke(main, ["harvest", "--source", "france_services", "--config", str(config)])
    assert result.exit_code == 0, result.output
    after = open_store(settings.store_location).read("venues")
    assert sorted(after["id"]) == sorted(before["id"])
    history = open_store(settings.store_location).history()
    assert [s["source"] for s in history[0]["sources"]] == ["france_services"]
    assert history[0]["sources"][0]["changed"] == 0 and history[0]["sources"][0]["added"] == 0


def test_mirror_folder_reads_files_in_place(make_settings, testdata, tmp_path):
    """--mirror DIR: no HTTP for the sources; the Francil'in file is missing there → reported."""
    make_settings()
    config = tmp_path / "config.yaml"
    data = yaml.safe_load(config.read_text())
    data["geocoding"]["enabled"] = False
    config.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    result = CliRunner().invoke(main, ["harvest", "--mirror", str(testdata), "--config", str(config)])
    assert result.exit_code == 0, result.output
    report = Path(re.search(r"Report: (\S+harvest-\S+\.md)", result.output).group(1)).read_text()
    assert "no mirror file of this source" in report
    # Offline, the real files are archives, and the report says so with their vintage.
    assert "| france_services | ok | ARCHIVE of 2022-12 (records 2022-12-01…2022-12-01) |" in report
    # A plain harvest refreshes every layer the pages read: territory layers and gap analysis.
    from inclusion_map.config import load_settings
    from inclusion_map.stores import open_store

    store = open_store(load_settings(config).store_location)
    assert all(store.has(layer) for layer in ("venues", "communes", "gaps", "gap_grid"))
    assert "Gap analysis written" in result.output


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"sources": {"bogus": {"title": "x", "publisher": "x", "urls": ["https://x.org"]}}},
            "unknown source",
        ),
        ({"territory": {"kind": "ept", "code": "12"}}, "9-digit SIREN"),
        ({"territory": {"kind": "canton"}}, "territory.kind"),
        ({"geocoding": {"min_score": "high"}}, "geocoding.min_score"),
        ({"reference": {"ept_list": {"url": "htp:/nope"}}}, "not a valid http(s) URL"),
        ({"dedupe": {"merge_score": 50, "review_score": 70}}, "review_score must not exceed"),
        ({"territory": {"kind": "communes", "communes": ["123"]}}, "not an INSEE commune code"),
    ],
)
def test_config_mistakes_get_clear_messages(tmp_path, change, message):
    from inclusion_map.config import load_settings
    from inclusion_map.errors import ConfigError

    text = (Path(__file__).parents[1] / "config.yaml").read_text(encoding="utf-8")
    base = yaml.safe_load(text)
    for key, value in change.items():
        base[key] = {**base[key], **value} if key in ("geocoding", "dedupe") else value
        if key == "reference":
            base[key] = {**yaml.safe_load(text)["reference"], **value}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(base, allow_unicode=True))
    with pytest.raises(ConfigError) as error:
        load_settings(path)
    assert message in str(error.value)


def test_config_file_from_environment(tmp_path, monkeypatch):
    from inclusion_map.config import load_settings

    path = tmp_path / "other.yaml"
    path.write_text(
        (Path(__file__).parents[1] / "config.yaml")
        .read_text(encoding="utf-8")
        .replace("Grand-Orly Seine Bièvre", "Autre nom")
    )
    monkeypatch.setenv("INCLUSION_MAP_CONFIG", str(path))
    assert load_settings().territory.name == "Autre nom"
    result = CliRunner().invoke(main, ["sources", "--config", str(tmp_path / "missing.yaml")])
    assert result.exit_code == 1 and "configuration file not found" in result.output
