"""The regional hub's PostgreSQL database prepared for the pipeline and its readers, idempotently
(`placements hub init`): pgcrypto, the schemas, the raw zone's tables, and the role placements_analyst,
which may read the schema `published` and nothing else (not raw, audit, staging, intermediate or marts).

The pipeline's own user owns what it creates; analysts log in as their own users, members of the role:
    CREATE ROLE alice LOGIN PASSWORD '...' IN ROLE placements_analyst;
"""

from __future__ import annotations

from ingest.settings import Settings
from ingest.standard.contract import load_contract
from warehouse.storage.engines import PostgresWarehouse, warehouse_for
from warehouse.storage.raw import ensure_schema
from warehouse.storage.sql import identifier

ANALYST_ROLE = "placements_analyst"
PUBLISHED = "published"
PRIVATE_SCHEMAS = ("raw", "audit", "staging", "intermediate", "marts", "reference", "forecast")


def grant_published(con) -> None:
    """What the analyst role may do: use the schema `published` and read its tables (after each swap)."""
    con.execute(f"GRANT USAGE ON SCHEMA {PUBLISHED} TO {ANALYST_ROLE}")
    con.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA {PUBLISHED} TO {ANALYST_ROLE}")


def init_hub(settings: Settings) -> list[str]:
    """Create what is missing and (re)apply the grants; returns what it did, in words."""
    warehouse = warehouse_for(settings)
    if not isinstance(warehouse, PostgresWarehouse):
        raise ValueError("`placements hub init` prepares a PostgreSQL warehouse: set PLACEMENTS_WAREHOUSE_URL "
                         "(the DuckDB file needs no preparation).")
    done = []
    with warehouse.connect() as con:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute("CREATE EXTENSION IF NOT EXISTS pgcrypto")
            for schema in (*PRIVATE_SCHEMAS, PUBLISHED):
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {identifier(schema)}")
                # nobody but the owner may use a private schema, whatever was granted before
                con.execute(f"REVOKE ALL ON SCHEMA {identifier(schema)} FROM PUBLIC")
            if not con.execute("SELECT count(*) FROM pg_roles WHERE rolname = ?", [ANALYST_ROLE]).fetchone()[0]:
                con.execute(f"CREATE ROLE {ANALYST_ROLE} NOLOGIN")
                done.append(f"role {ANALYST_ROLE} created")
            for schema in PRIVATE_SCHEMAS:
                con.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA {identifier(schema)} FROM {ANALYST_ROLE}")
                con.execute(f"REVOKE ALL ON SCHEMA {identifier(schema)} FROM {ANALYST_ROLE}")
            grant_published(con)
            ensure_schema(con, load_contract())
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    done.append(f"schemas {', '.join((*PRIVATE_SCHEMAS, PUBLISHED))} and the raw zone's tables present")
    done.append(f"{ANALYST_ROLE} may read schema {PUBLISHED} only")
    return done
