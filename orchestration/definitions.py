"""The Dagster code location: everything under orchestration/defs/ is loaded as definitions."""

from dagster import load_definitions_from_package_module

from orchestration import defs as defs_package
from orchestration.defs.dbt import dbt_resource

defs = load_definitions_from_package_module(defs_package, resources={"dbt": dbt_resource()})
