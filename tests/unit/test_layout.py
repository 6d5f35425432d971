"""The folders tell the data's path, and no module imports against it:

    ingest (standard -> intake)  ->  warehouse  ->  publish  ->  orchestration
                                  analytics (pure statistics, used by dbt's Python models, and by
                                  warehouse/transform where dbt runs no Python: PostgreSQL)

ingest knows nothing of Dagster or dbt; only orchestration knows Dagster."""

import ast
from pathlib import Path

import pytest

from ingest.settings import PROJECT_ROOT

OURS = ("ingest", "warehouse", "publish", "analytics", "orchestration", "synthetic")
ALLOWED = {  # package -> the packages of ours it may import
    "ingest.standard": {"ingest.standard", "ingest.settings"},
    "ingest.intake": {"ingest.standard", "ingest.intake", "ingest.settings"},
    "ingest": {"ingest"},
    "warehouse": {"ingest", "warehouse", "analytics"},
    "publish": {"ingest", "warehouse", "publish"},
    "analytics": {"analytics"},
    "synthetic": {"ingest", "synthetic"},
    "orchestration": set(OURS),
}
FOREIGN = {"ingest": {"dagster", "dagster_dbt", "dbt"}, "warehouse": {"dagster", "dagster_dbt"},
           "publish": {"dagster", "dagster_dbt", "dbt"}, "analytics": {"dagster", "dagster_dbt", "dbt"}}


def _modules():
    for package in OURS:
        for path in (PROJECT_ROOT / package).rglob("*.py"):
            yield package, path


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _layer(path: Path) -> str:
    rel = path.relative_to(PROJECT_ROOT).with_suffix("")
    parts = rel.parts
    if parts[0] == "ingest" and len(parts) > 2:
        return f"ingest.{parts[1]}"
    return parts[0]


@pytest.mark.parametrize("package", OURS)
def test_no_module_imports_against_the_flow(package):
    wrong = []
    for _, path in (m for m in _modules() if m[0] == package):
        layer = _layer(path)
        allowed = ALLOWED.get(layer, ALLOWED[package])
        for name in _imports(path):
            if name.split(".")[0] not in OURS:
                if name.split(".")[0] in FOREIGN.get(package, set()):
                    wrong.append(f"{path.relative_to(PROJECT_ROOT)} imports {name}")
                continue
            if not any(name == a or name.startswith(a + ".") for a in allowed):
                wrong.append(f"{path.relative_to(PROJECT_ROOT)} imports {name}")
    assert wrong == []


def test_each_sub_package_keeps_to_one_job_and_a_readable_size():
    for folder in ["ingest/standard", "ingest/intake", "warehouse", "warehouse/storage", "warehouse/security",
                   "warehouse/transform", "publish", "orchestration/defs"]:
        modules = [p for p in (PROJECT_ROOT / folder).glob("*.py") if p.name != "__init__.py"]
        assert 0 < len(modules) <= 12, folder
