"""Which database holds the warehouse, chosen by configuration: the encrypted DuckDB file under the data
root (the default), or PostgreSQL when PLACEMENTS_WAREHOUSE_URL is set (the regional hub, many readers).

Each engine gives connections with one small interface, the one DuckDB's own connections have
(`execute(sql, params)` with `?` placeholders, `fetchone`, `fetchall`, `executemany`, `close`, a context
manager), so the raw zone, audit, erasure and key rotation run unchanged on both. What differs lives here:
how to connect, how a frame of rows is inserted, how dbt reaches it (target and environment).
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import singledispatch
from urllib.parse import unquote, urlsplit

import pandas as pd

from ingest.settings import Settings


class WarehouseUnreachable(RuntimeError):
    """The configured database cannot be reached or refuses the credentials (exit code 2)."""


class DuckDbWarehouse:
    """The encrypted DuckDB file under the data root (warehouse/storage/database.py)."""

    name = "duckdb"
    dbt_target = "warehouse"
    python_models = True  # dbt-duckdb runs dbt's Python models (the demand forecast)

    def __init__(self, settings: Settings):
        self.settings = settings

    def connect(self, read_only: bool = False):
        from warehouse.storage.database import open_duckdb_warehouse

        return open_duckdb_warehouse(self.settings, read_only)

    def exists(self) -> bool:
        return self.settings.warehouse.exists()

    def where(self) -> str:
        return str(self.settings.warehouse)

    def check_prepared(self, con) -> None:
        return None  # the file is created on first use

    def dbt_environment(self) -> dict[str, str]:
        """The data root whose warehouse dbt-duckdb's plugin attaches (warehouse/transform/plugin.py)."""
        return {"PLACEMENTS_HOME": str(self.settings.home)}


@dataclass(frozen=True)
class PgAddress:
    """A postgresql:// URL taken apart. The password, when the URL holds one, is kept out of `shown`."""

    host: str
    port: int
    user: str
    database: str
    password: str | None

    @property
    def shown(self) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.database}"


def pg_address(url: str) -> PgAddress:
    parts = urlsplit(url)
    if parts.scheme not in {"postgresql", "postgres"} or not parts.hostname or not parts.path.strip("/"):
        raise WarehouseUnreachable("PLACEMENTS_WAREHOUSE_URL must look like postgresql://user@host:5432/dbname "
                         "(the password from PGPASSWORD or ~/.pgpass, not the URL)")
    return PgAddress(parts.hostname, parts.port or 5432, unquote(parts.username or os.environ.get("PGUSER", "")),
                     unquote(parts.path.strip("/")), unquote(parts.password) if parts.password else None)


_IN_LIST = re.compile(r"\bIN \?", re.IGNORECASE)


def pg_sql(sql: str) -> str:
    """DuckDB's placeholders as psycopg2's: `IN ?` (a list) becomes `= ANY(%s)`, `?` becomes `%s`."""
    return _IN_LIST.sub("= ANY(?)", sql).replace("%", "%%").replace("?", "%s")


def _plain(value):
    """A frame's cell as psycopg2 adapts it: missing values as NULL, numpy scalars as Python's."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "tolist") and not isinstance(value, str):
        return value.tolist()  # numpy scalars and arrays
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


class PgConnection:
    """A psycopg2 connection with DuckDB's connection interface (autocommit; BEGIN/COMMIT in SQL as on
    DuckDB). A DELETE or UPDATE answers fetchone() with its row count, as DuckDB does."""

    def __init__(self, raw, read_only: bool = False):
        self.raw = raw
        self.raw.autocommit = True
        if read_only:
            self.raw.set_session(readonly=True, autocommit=True)
        self._cursor = None

    def execute(self, sql: str, params=None) -> PgConnection:
        cursor = self.raw.cursor()
        if params is None:
            cursor.execute(sql)
        else:
            cursor.execute(pg_sql(sql), [_plain(p) for p in params])
        self._cursor = cursor
        return self

    def executemany(self, sql: str, rows) -> PgConnection:
        from psycopg2.extras import execute_batch

        cursor = self.raw.cursor()
        execute_batch(cursor, pg_sql(sql), [[_plain(v) for v in row] for row in rows], page_size=500)
        self._cursor = cursor
        return self

    def fetchone(self):
        if self._cursor.description is None:
            return (self._cursor.rowcount,)
        return self._cursor.fetchone()

    def fetchall(self):
        return self._cursor.fetchall()

    def df(self) -> pd.DataFrame:
        return pd.DataFrame(self._cursor.fetchall(), columns=[d.name for d in self._cursor.description])

    def close(self) -> None:
        self.raw.close()

    def __enter__(self) -> PgConnection:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class PostgresWarehouse:
    """PostgreSQL at PLACEMENTS_WAREHOUSE_URL: the raw zone, dbt's models and the published schema."""

    name = "postgres"
    dbt_target = "hub"
    python_models = False  # the forecast runs beside dbt (warehouse/transform/forecast.py)

    def __init__(self, settings: Settings):
        self.settings = settings
        self.address = pg_address(settings.warehouse_url or "")

    def connect(self, read_only: bool = False) -> PgConnection:
        import psycopg2

        a = self.address
        try:
            raw = psycopg2.connect(host=a.host, port=a.port, user=a.user or None, dbname=a.database,
                                   password=a.password, connect_timeout=10, application_name="placements")
        except psycopg2.OperationalError as exc:
            raise WarehouseUnreachable(_why(exc, a)) from None
        return PgConnection(raw, read_only)

    def exists(self) -> bool:
        with self.connect(read_only=True) as con:
            return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'raw' "
                                    "AND table_name = 'submissions'").fetchone()[0])

    def where(self) -> str:
        return self.address.shown

    def check_prepared(self, con) -> None:
        """`placements hub init` has run: the analyst role, pgcrypto and the published schema exist."""
        role, crypto, schema = con.execute(
            "SELECT (SELECT count(*) FROM pg_roles WHERE rolname = 'placements_analyst'), "
            "(SELECT count(*) FROM pg_extension WHERE extname = 'pgcrypto'), "
            "(SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'published')").fetchone()
        if not (role and crypto and schema):
            raise WarehouseUnreachable(f"The warehouse database at {self.where()} is not prepared for the pipeline "
                                       "(no role placements_analyst, pgcrypto or schema published). Fix: run "
                                       "`placements hub init` once with a user that may create them.")

    def dbt_environment(self) -> dict[str, str]:
        """What dbt-postgres' profile (dbt_project/profiles.yml, target hub) reads. The password goes in a
        DBT_ENV_SECRET_ variable, which dbt scrubs from its logs."""
        a = self.address
        env = {"PLACEMENTS_DBT_TARGET": self.dbt_target, "PLACEMENTS_PG_HOST": a.host,
               "PLACEMENTS_PG_PORT": str(a.port), "PLACEMENTS_PG_USER": a.user, "PLACEMENTS_PG_DATABASE": a.database}
        password = a.password or os.environ.get("PGPASSWORD")
        if password:
            env["DBT_ENV_SECRET_PG_PASSWORD"] = password
        env["PGOPTIONS"] = key_options()
        return env


def _pgoption(value: str) -> str:
    """A value in libpq's PGOPTIONS: backslashes and spaces escaped with a backslash."""
    return value.replace("\\", "\\\\").replace(" ", "\\ ")


def key_options() -> str:
    """The pseudonymisation key and its fingerprint as session settings of dbt's connections, read by
    macros/pseudonymise.sql with current_setting(): the key travels in the connection's startup packet,
    never in SQL text, so neither dbt's target/ and logs nor pg_stat_statements can hold it."""
    from warehouse.security.pseudonymise import key_version, load_key

    key = load_key()
    return (f"-c placements.pseudonymisation_key={_pgoption(key.decode())} "
            f"-c placements.pseudonymisation_key_version={key_version(key)}")


def dbt_variables(settings: Settings) -> dict[str, str]:
    """What a dbt process of this data root needs in its environment: the warehouse's target and
    connection, and dbt's file log at info (node results and errors; at debug, dbt's default, it also logs
    every statement, which cost half a second of a night's build: DBT_LOG_LEVEL_FILE=debug brings it back)."""
    return {"DBT_LOG_LEVEL_FILE": os.environ.get("DBT_LOG_LEVEL_FILE", "info"),
            **warehouse_for(settings).dbt_environment()}


@contextmanager
def dbt_environment(settings: Settings) -> Iterator[None]:
    """The environment a dbt process started inside this block inherits (dbt_variables); restored
    afterwards, so no other connection of this process carries the key."""
    extra = dbt_variables(settings)
    saved = {name: os.environ.get(name) for name in extra}
    os.environ.update(extra)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@singledispatch
def insert_frame(con, table: str, frame: pd.DataFrame, casts: dict[str, str], lists: set[str]) -> None:
    """Insert `frame` into `table` by column name; `casts` maps each column to its SQL type. On DuckDB, list
    columns arrive as JSON text: DuckDB would otherwise sample object columns to guess their type."""
    con.register("incoming", frame)
    columns = ", ".join(f"from_json({c}, '[\"VARCHAR\"]') AS {c}" if c in lists else f"CAST({c} AS {t}) AS {c}"
                        for c, t in casts.items())
    con.execute(f"INSERT INTO {table} BY NAME SELECT {columns} FROM incoming")
    con.unregister("incoming")


@insert_frame.register
def _(con: PgConnection, table: str, frame: pd.DataFrame, casts: dict[str, str], lists: set[str]) -> None:
    """On PostgreSQL: pages of VALUES, each cell cast to its column's type (JSON text lists decoded first)."""
    from psycopg2.extras import execute_values

    names = list(casts)
    template = "(" + ", ".join(f"%s::{casts[c]}" for c in names) + ")"
    rows = ([json.loads(v) if c in lists and isinstance(v, str) else _plain(v) for c, v in zip(names, row, strict=True)]
            for row in frame[names].itertuples(index=False, name=None))
    execute_values(con.raw.cursor(), f"INSERT INTO {table} ({', '.join(names)}) VALUES %s", rows,
                   template=template, page_size=1000)


def _why(exc: Exception, address: PgAddress) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if "password authentication failed" in text or "no password supplied" in text:
        hint = "check the user in PLACEMENTS_WAREHOUSE_URL and its password (PGPASSWORD or ~/.pgpass)"
    elif "does not exist" in text:
        hint = "create the database, then run `placements hub init`"
    else:
        hint = "check that the server runs and PLACEMENTS_WAREHOUSE_URL names its host and port"
    text = text.replace(address.password or "\0", "***") if address.password else text
    return f"The warehouse database at {address.shown} cannot be used: {text}. Fix: {hint}."


def warehouse_for(settings: Settings) -> DuckDbWarehouse | PostgresWarehouse:
    return PostgresWarehouse(settings) if settings.warehouse_url else DuckDbWarehouse(settings)
