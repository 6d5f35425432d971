"""One module per part of the graph: intake -> dbt -> publish, and the automation that runs it.

dagster-dbt is imported here first, without dbt-core, as in a deployment whose dbt runs elsewhere: dbt runs
as its own process (placements-dbt, warehouse/transform/warm.py), and this process needs only dagster-dbt's
reading of the manifest and of dbt's JSON log lines. Imported with dbt-core, dagster-dbt loads dbt's
adapters and contracts (1.1 s of every run's start, and of every Dagster process that loads these
definitions) for the adapter handle, the selection engine and the version check that VenvDbt turns off
(resources.py); the asset graph it builds from the manifest is the same. A process that has loaded dbt
already keeps dagster-dbt's usual import."""

import sys

if "dagster_dbt" not in sys.modules and "dbt" not in sys.modules:
    sys.modules["dbt.version"] = None  # dagster-dbt's probe for dbt-core: ImportError, so it is not loaded
    try:
        import dagster_dbt  # noqa: F401
    finally:
        del sys.modules["dbt.version"]  # dbt itself stays importable in this process
