"""The dbt-duckdb plugin: every connection dbt opens gets the pseudonymisation functions (the key stays in
this process's memory) and the encrypted warehouse attached (the storage key likewise), so neither key
ever appears in SQL text, profiles, dbt's target/ or its logs."""

from dbt.adapters.duckdb.plugins import BasePlugin

from warehouse.security.encryption import load_storage_key
from warehouse.security.pseudonymise import register_functions
from warehouse.storage.database import DBT_MEMORY_LIMIT, attach


class Plugin(BasePlugin):
    def configure_connection(self, conn) -> None:
        register_functions(conn)
        database = self.creds.database
        path = next(a.path for a in self.creds.attach or [] if a.alias == database)
        # dbt's own ATTACH IF NOT EXISTS then finds it attached
        attach(conn, path, load_storage_key(), memory_limit=DBT_MEMORY_LIMIT)
