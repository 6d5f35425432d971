"""The Dagster instance's storage on one machine (dagster.yaml): Dagster's own SQLite storage, with one
change. Its event log builds a new SQLAlchemy engine, and so a new SQLite connection, for every event it
writes, and disposes of it after; a night writes about 340 events (each dbt model and test is planned, then
reported) at 10 to 15 ms each, several seconds of the night's two cores. Here each database file keeps
one engine with one connection, used under the storage's own lock, as Dagster's engines are; the files,
tables and what is written are Dagster's, so an instance can move between the two classes either way.
(The regional hub's instance is PostgreSQL: deploy/dagster-postgres.)"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

import yaml
from dagster._core.storage.event_log.sqlite.sqlite_event_log import INDEX_SHARD_NAME, SqliteEventLogStorage
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage, _event_logs_directory
from dagster._serdes import ConfigurableClassData
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool, QueuePool

OPEN_FILES = 8  # a daemon or webserver touches many runs' files over its life: only the latest stay open


class KeptSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage whose database files keep their engine (and connection) between writes."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._tables: dict[str, bool] = {}
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> KeptSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        """Called under self._db_lock, as Dagster's _connect is."""
        engine = self._engines.pop(shard, None)
        if engine is None:
            if shard not in self._initialized_dbs:  # as Dagster does it, with an engine of its own
                initial = create_engine(self.conn_string_for_shard(shard), poolclass=NullPool,
                                        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
                self._initdb(initial, for_index_shard=shard == INDEX_SHARD_NAME)
                initial.dispose()
                self._initialized_dbs.add(shard)
            # one connection kept, shared by the threads that take the lock in turn (more only while nested)
            engine = create_engine(self.conn_string_for_shard(shard), poolclass=QueuePool, pool_size=1,
                                   max_overflow=4,
                                   connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False})
        self._engines[shard] = engine  # most recently used last
        while len(self._engines) > OPEN_FILES:
            self._engines.popitem(last=False)[1].dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            with self._engine(shard).connect() as conn, conn.begin():
                yield conn

    def has_table(self, table_name: str) -> bool:  # asked once per asset check event otherwise
        if table_name not in self._tables:
            self._tables[table_name] = super().has_table(table_name)
        return self._tables[table_name]

    def _close_all(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()
            self._tables.clear()

    def wipe(self) -> None:
        self._close_all()
        super().wipe()

    def upgrade(self) -> None:
        self._close_all()
        super().upgrade()

    def dispose(self) -> None:
        super().dispose()
        self._close_all()


class PlacementsSqliteStorage(DagsterSqliteStorage):
    """Dagster's SQLite storage (runs, event log, schedules under base_dir), its event log kept open."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        super().__init__(base_dir, inst_data)
        self._event_log_storage = KeptSqliteEventLogStorage(_event_logs_directory(base_dir))

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> PlacementsSqliteStorage:
        return cls.from_local(inst_data=inst_data, **config_value)  # Dagster's names its own class here

    @property
    def event_storage_data(self) -> ConfigurableClassData | None:
        return ConfigurableClassData(__name__, KeptSqliteEventLogStorage.__name__,
                                     yaml.dump({"base_dir": _event_logs_directory(self.base_dir)},
                                               default_flow_style=False))
