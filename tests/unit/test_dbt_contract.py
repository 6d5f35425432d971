"""dbt says nothing the contract does not: generated staging, controlled values only through the
contract, a graph that runs forwards, contracts enforced on every published model."""

import json
import re
from pathlib import Path

from ingest.standard.contract import load_contract
from orchestration.environment import MANIFEST
from warehouse.transform.generate import DBT_DIR, stale_files

LITERAL = re.compile(r"'((?:[^']|'')*)'")


def test_generated_dbt_files_are_current():
    assert stale_files(load_contract()) == [], "run `python -m warehouse.transform.generate`"


def _contract_values() -> set[str]:
    return {v for values in load_contract().vocabularies.values() for v in values}


def test_sql_names_controlled_values_only_through_the_contract():
    """A quoted literal equal to a contract value must be written contract_value('vocabulary', 'Value'),
    so that renaming the value in the contract fails the build instead of silently zeroing a count."""
    values = _contract_values()
    offenders = []
    for path in [*DBT_DIR.glob("models/**/*.sql"), *DBT_DIR.glob("macros/*.sql")]:
        if path.name == "contract_values.sql":
            continue
        text = re.sub(r"contract_value\([^)]*\)", "", path.read_text())
        offenders += [f"{path.name}: '{v}'" for v in LITERAL.findall(text) if v in values]
    assert offenders == []


def test_yml_tests_name_controlled_values_only_through_the_contract():
    import yaml

    values = _contract_values()
    found = []

    def walk(node, path):
        if isinstance(node, dict):
            if "accepted_values" in node:
                listed = node["accepted_values"].get("arguments", node["accepted_values"]).get("values", [])
                found.extend(f"{path}: {v}" for v in listed if v in values)
            for value in node.values():
                walk(value, path)
        elif isinstance(node, list):
            for item in node:
                walk(item, path)

    for path in DBT_DIR.glob("models/**/*.yml"):
        walk(yaml.safe_load(path.read_text()), path.name)
    assert found == []


def _compile(tmp_path, sql: str):
    """dbt compile --inline, in process, against a throwaway warehouse."""
    import os

    from dbt.cli.main import dbtRunner

    os.environ["PLACEMENTS_HOME"] = str(tmp_path)
    (tmp_path / "warehouse").mkdir(parents=True, exist_ok=True)
    return dbtRunner().invoke(["compile", "--inline", sql, "--project-dir", str(DBT_DIR), "--profiles-dir",
                               str(DBT_DIR), "--target-path", str(tmp_path / "target"), "--quiet"])


def test_contract_value_renders_a_literal_and_refuses_a_value_the_contract_lacks(home, capsys):
    tmp_path = home
    good = _compile(tmp_path, "select {{ contract_value('risk_level', 'Risk present') }} as v")
    assert good.success and "'Risk present'" in good.result.results[0].node.compiled_code
    renamed = _compile(tmp_path, "select {{ contract_value('risk_level', 'Risk presnt') }} as v")
    assert not renamed.success
    assert "contract_value: 'Risk presnt' is not a value of risk_level" in capsys.readouterr().out


def _manifest() -> dict:
    return json.loads(Path(MANIFEST).read_text())


def test_the_graph_runs_forwards_and_marts_are_public_with_enforced_contracts():
    nodes = _manifest()["nodes"]
    models = {uid: n for uid, n in nodes.items() if n["resource_type"] == "model"}
    layer = {uid: n["fqn"][1] for uid, n in models.items()}
    order = {"staging": 0, "intermediate": 1, "marts": 2}
    backwards = [(n["name"], dep) for uid, n in models.items() for dep in n["depends_on"]["nodes"]
                 if dep in layer and order[layer[dep]] > order[layer[uid]]]
    assert backwards == []
    intermediates_reading_marts = [(n["name"], dep) for uid, n in models.items() if layer[uid] == "intermediate"
                                   for dep in n["depends_on"]["nodes"] if layer.get(dep) == "marts"]
    assert intermediates_reading_marts == []
    for uid, n in models.items():
        public = layer[uid] == "marts"
        assert (n["access"] == "public") == public, n["name"]
        if public:
            assert n["config"]["contract"]["enforced"], n["name"]
            assert n["description"] and all(c["description"] for c in n["columns"].values()), n["name"]
