"""The dbt-duckdb plugin: every connection dbt opens gets the pseudonymisation functions (the key stays in
this process's memory) and the encrypted warehouse of its data root (PLACEMENTS_HOME) attached (the
storage key likewise), so neither key ever appears in SQL text, profiles, dbt's target/ or its logs. The
profile names the warehouse's alias but not its file, which is the data root's (see profiles.yml)."""

from dbt.adapters.duckdb.plugins import BasePlugin

from ingest.settings import load_settings
from warehouse.security.encryption import load_storage_key
from warehouse.security.pseudonymise import register_functions
from warehouse.storage.database import DBT_MEMORY_LIMIT, attach


class Plugin(BasePlugin):
    def configure_connection(self, conn) -> None:
        register_functions(conn)
        # as `database`, the profile's alias: dbt's own ATTACH IF NOT EXISTS then finds it attached
        attach(conn, load_settings().warehouse, load_storage_key(), alias=self.creds.database,
               memory_limit=DBT_MEMORY_LIMIT)
